"""Generalization hierarchies for the search: one ordered list of levels per quasi-identifier.

Level 0 is the value as written; the last level is ``"*"`` (fully suppressed); each level in
between is a vectorized function of the column built from the generalizers of
:mod:`medguard.privacy.generalize`:

=====================  ==============================================================
:meth:`Hierarchy.date`  day → month → quarter → year → 5-year band → ``*``
:meth:`Hierarchy.age`   age → bands of 5, 10, 20 → ``<20`` / ``20-59`` / ``60+`` → ``*``
:meth:`Hierarchy.numeric`  number → bands of the given widths → ``*``
:meth:`Hierarchy.region`  code, resident ID, address or region name → district → city →
                        province → ``*`` (GB/T 2260, through :mod:`medguard.cn.region_lookup`)
:meth:`Hierarchy.icd10`  code → category (3 characters) → chapter → ``*``
:meth:`Hierarchy.sex`   as is → ``*``
:meth:`Hierarchy.custom`  a mapping value → its levels, or a list of callables
=====================  ==============================================================

Each level is computed once on the column's *distinct* values (:meth:`Hierarchy.encode`), so
a search over the lattice only recombines integer codes. Values a level cannot read (a bad date,
an unknown region, ``None`` in a custom mapping) become ``"*"`` at that level and above: they
are suppressed, never passed through and never raise. Nulls stay null below the top level.
Levels must nest (each a function of the one below); :meth:`Hierarchy.encode` checks it, since
the search's pruning is only sound on nested levels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from medguard._column import null_mask
from medguard.cn.region_lookup import region_codes
from medguard.errors import InvalidArgument, UnsupportedColumn
from medguard.privacy.generalize import SUPPRESSED, AgeBand, GeneralizeDate, GeneralizeICD10
from medguard.privacy.risk import column_codes

__all__ = ["EncodedColumn", "Hierarchy", "LevelCodes", "LevelFunction"]

LevelFunction = Callable[[npt.NDArray[np.object_]], Any]
"""A level: takes an object array of distinct values, returns their labels (same length)."""


def _generalizer_level(op: Any) -> LevelFunction:
    def level(values: npt.NDArray[np.object_]) -> Any:
        return op.apply(values)

    return level


def _age_coarse(bottom: int, top: int) -> LevelFunction:
    def level(values: npt.NDArray[np.object_]) -> Any:
        exact = AgeBand(width=1, top=150).apply(values)  # "42-42": valid ages only
        out = np.empty(len(values), dtype=object)
        for i, label in enumerate(exact.tolist()):
            if label is None or label == SUPPRESSED:
                out[i] = label
                continue
            age = int(label.split("-")[0].rstrip("+"))
            out[i] = (
                f"<{bottom}" if age < bottom else f"{top}+" if age >= top else f"{bottom}-{top - 1}"
            )
        return out

    return level


def _number(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) and len(value) < 64 else value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _band_level(width: float, bottom: float | None, top: float | None) -> LevelFunction:
    def label(number: float) -> str:
        if top is not None and number >= top:
            return f">={top:g}"
        if bottom is not None and number < bottom:
            return f"<{bottom:g}"
        start = math.floor(number / width) * width
        return f"[{start:g}, {start + width:g})"

    def level(values: npt.NDArray[np.object_]) -> Any:
        nulls = null_mask(values)
        out = np.empty(len(values), dtype=object)
        for i, value in enumerate(values.tolist()):
            if nulls[i]:
                continue
            number = _number(value)
            out[i] = SUPPRESSED if number is None else label(number)
        return out

    return level


def _region_level(digits: int) -> LevelFunction:
    def level(values: npt.NDArray[np.object_]) -> Any:
        nulls = null_mask(values)
        codes = region_codes(values)
        out = np.empty(len(values), dtype=object)
        for i, code in enumerate(codes.tolist()):
            if nulls[i]:
                continue
            out[i] = SUPPRESSED if code is None else code[:digits].ljust(6, "0")
        return out

    return level


def _mapping_level(mapping: Mapping[Any, Sequence[Any]], index: int) -> LevelFunction:
    def level(values: npt.NDArray[np.object_]) -> Any:
        nulls = null_mask(values)
        out = np.empty(len(values), dtype=object)
        for i, value in enumerate(values.tolist()):
            if nulls[i]:
                continue
            try:
                levels = mapping.get(value)
            except TypeError:  # unhashable
                levels = None
            out[i] = levels[index] if levels is not None else SUPPRESSED
        return out

    return level


class LevelCodes(Sequence[npt.NDArray[np.int64]]):
    """Each row's code at every level, computed when asked: ``codes[j]`` is
    ``maps[j][base]``, so only the level-0 codes (one per row) and one small map per level
    (one entry per distinct value) are held, never a row array per level."""

    def __init__(self, base: npt.NDArray[np.int64], maps: Sequence[npt.NDArray[np.int64]]) -> None:
        self.base = base
        self.maps = tuple(maps)

    def __len__(self) -> int:
        return len(self.maps)

    @overload
    def __getitem__(self, level: int) -> npt.NDArray[np.int64]: ...

    @overload
    def __getitem__(self, level: slice) -> Sequence[npt.NDArray[np.int64]]: ...

    def __getitem__(self, level: int | slice) -> Any:
        if isinstance(level, slice):
            return [self.maps[j][self.base] for j in range(len(self.maps))[level]]
        return self.maps[level][self.base]


@dataclass(frozen=True)
class EncodedColumn:
    """A column's codes at every level of its hierarchy, computed once on its distinct values.

    ``codes[j]`` holds each row's code at level ``j`` (0..``cardinality[j]``-1), computed when
    asked from the level-0 codes (see :class:`LevelCodes`), and ``labels[j][code]`` the value
    written for it (level 0 keeps the original values).
    """

    name: str
    level_names: tuple[str, ...]
    codes: Sequence[npt.NDArray[np.int64]]
    cardinality: tuple[int, ...]
    labels: tuple[npt.NDArray[np.object_], ...] = field(repr=False)

    @property
    def height(self) -> int:
        """The top level's index (fully suppressed)."""
        return len(self.level_names) - 1


@dataclass(frozen=True)
class Hierarchy:
    """The ordered generalization levels of one quasi-identifier (0: as is, last: ``"*"``).

    ``functions`` are the levels strictly between the two; ``level_names`` names every level.
    Build one with the class methods (:meth:`date`, :meth:`age`, :meth:`region`, ...).
    """

    kind: str
    level_names: tuple[str, ...]
    functions: tuple[LevelFunction, ...] = field(repr=False, compare=False)
    chained: bool = False
    """When True, each function after the first reads the labels of the level below (district
    codes → city codes), not the raw values: cheaper, and nested by construction."""

    def __post_init__(self) -> None:
        if len(self.level_names) != len(self.functions) + 2:
            raise InvalidArgument("a hierarchy names every level: as is, each function, '*'")
        if len(set(self.level_names)) != len(self.level_names):
            raise InvalidArgument("a hierarchy's level names must differ")

    @property
    def height(self) -> int:
        """The top level's index (fully suppressed)."""
        return len(self.level_names) - 1

    def level_index(self, level: int | str) -> int:
        """The index of a level given by index or by name."""
        if isinstance(level, str):
            if level not in self.level_names:
                allowed = ", ".join(self.level_names)
                raise InvalidArgument(
                    f"no level {level!r} in this {self.kind} hierarchy: {allowed}"
                )
            return self.level_names.index(level)
        if type(level) is not int or not 0 <= level <= self.height:
            raise InvalidArgument(f"a {self.kind} level is 0..{self.height} or a level name")
        return level

    # -- the built-in hierarchies ------------------------------------------------------------

    @classmethod
    def date(cls) -> Hierarchy:
        """Dates (``date``, ``datetime``, ISO or ``YYYYMMDD`` strings): day → month → quarter →
        year → five-year band → ``*``."""
        tos: tuple[Literal["month", "quarter", "year", "5y"], ...] = (
            "month",
            "quarter",
            "year",
            "5y",
        )
        return cls("date", ("day", *tos, SUPPRESSED),
                   tuple(_generalizer_level(GeneralizeDate(to=to)) for to in tos))  # fmt: skip

    @classmethod
    def age(
        cls,
        widths: Sequence[int] = (5, 10, 20),
        *,
        top: int = 80,
        coarse: tuple[int, int] = (20, 60),
    ) -> Hierarchy:
        """Ages (0..150): exact → bands of each width (``"40-44"``, everything from ``top`` as
        ``"80+"``) → ``<20`` / ``20-59`` / ``60+`` (``coarse`` = bottom and top codes) → ``*``.

        Each width must divide the next, and ``top`` and the coarse cut-offs must be multiples
        of the widest band, so that the levels nest.
        """
        widths = tuple(widths)
        if not widths or any(type(w) is not int or w < 1 for w in widths):
            raise InvalidArgument("age band widths are positive integers")
        if any(b % a for a, b in itertools.pairwise(widths)):
            raise InvalidArgument("each age band width must divide the next, so that bands nest")
        bottom, upper = coarse
        widest = widths[-1]
        if type(top) is not int or top % widest or not widest <= top <= 150:
            raise InvalidArgument("top must be a multiple of the widest band, at most 150")
        if type(bottom) is not int or type(upper) is not int or bottom % widest or upper % widest:
            raise InvalidArgument("the coarse cut-offs must be multiples of the widest band")
        if not 0 < bottom < upper <= top:
            raise InvalidArgument("the coarse cut-offs need 0 < bottom < top <= the band top")
        names = tuple(f"{w}y bands" for w in widths)
        functions = tuple(_generalizer_level(AgeBand(width=w, top=top)) for w in widths)
        return cls("age", ("exact", *names, f"<{bottom}/{upper}+", SUPPRESSED),
                   (*functions, _age_coarse(bottom, upper)))  # fmt: skip

    @classmethod
    def numeric(
        cls, widths: Sequence[float], *, bottom: float | None = None, top: float | None = None
    ) -> Hierarchy:
        """Numbers: exact → ``[40, 50)`` bands of each width (values from ``top`` as ``>=top``,
        below ``bottom`` as ``<bottom``) → ``*``. Each width must be a multiple of the one
        before and the cut-offs multiples of every width, so that the bands nest."""
        widths = tuple(widths)
        if not widths or any(_number(w) is None or float(w) <= 0 for w in widths):
            raise InvalidArgument("band widths are positive numbers")
        for a, b in itertools.pairwise(widths):
            if not float(b / a).is_integer():
                raise InvalidArgument("each band width must be a multiple of the one before")
        for cut in (bottom, top):
            if cut is not None and any(not float(cut / w).is_integer() for w in widths):
                raise InvalidArgument("bottom and top must be multiples of every band width")
        names = tuple(f"bands of {w:g}" for w in widths)
        return cls("numeric", ("exact", *names, SUPPRESSED),
                   tuple(_band_level(float(w), bottom, top) for w in widths))  # fmt: skip

    @classmethod
    def region(cls) -> Hierarchy:
        """A GB/T 2260 code, a resident ID, an address or a region name → district code →
        city code → province code → ``*``; unknown places are suppressed."""
        return cls("region", ("as is", "district", "city", "province", SUPPRESSED),
                   tuple(_region_level(d) for d in (6, 4, 2)), chained=True)  # fmt: skip

    @classmethod
    def icd10(cls) -> Hierarchy:
        """ICD-10 codes: code → category (``E11``) → WHO chapter (``IV``) → ``*``."""
        return cls("icd10", ("code", "category", "chapter", SUPPRESSED),
                   tuple(_generalizer_level(GeneralizeICD10(to=to))
                         for to in ("category", "chapter")), chained=True)  # fmt: skip

    @classmethod
    def sex(cls) -> Hierarchy:
        """Sex (or any column shared as is or not at all): as is → ``*``."""
        return cls("sex", ("as is", SUPPRESSED), ())

    @classmethod
    def custom(
        cls,
        levels: Mapping[Any, Sequence[Any]] | Sequence[LevelFunction],
        *,
        names: Sequence[str] | None = None,
        kind: str = "custom",
    ) -> Hierarchy:
        """A user's hierarchy: a mapping value → its labels at levels 1, 2, ... (values not in
        the mapping are suppressed), or a list of callables each mapping an object array of
        distinct values to their labels. A trailing ``"*"`` level is added when missing.
        ``names`` names the levels between "as is" and ``"*"``."""
        if isinstance(levels, Mapping):
            depths = {len(v) for v in levels.values()}
            if len(depths) > 1 or any(isinstance(v, str) for v in levels.values()):
                raise InvalidArgument("every value of a custom hierarchy lists its labels at "
                                      "the same number of levels")  # fmt: skip
            depth = depths.pop() if depths else 0
            if depth and all(v[-1] == SUPPRESSED for v in levels.values()):
                depth -= 1
            functions = tuple(_mapping_level(levels, i) for i in range(depth))
        else:
            functions = tuple(levels)
            if not all(callable(f) for f in functions):
                raise InvalidArgument("custom levels are a mapping or a list of callables")
        if names is None:
            names = tuple(f"level {i + 1}" for i in range(len(functions)))
        names = tuple(names)
        if len(names) != len(functions):
            raise InvalidArgument(f"name the {len(functions)} levels between 'as is' and '*'")
        return cls(kind, ("as is", *names, SUPPRESSED), functions)

    # -- encoding ----------------------------------------------------------------------------

    def encode(self, column: Any, name: str = "column") -> EncodedColumn:
        """Codes of ``column`` at every level, each level computed once on distinct values.

        Raises :class:`InvalidArgument` when a custom level fails or the levels do not nest,
        :class:`UnsupportedColumn` when cells are unhashable (lists, dicts).
        """
        import pandas as pd

        series = column if isinstance(column, pd.Series) else pd.Series(column, dtype=object)
        try:
            base, n0 = column_codes(series)
        except TypeError as exc:  # unhashable cells (lists, dicts): no value to group by
            raise UnsupportedColumn(f"column {name!r} holds unhashable values") from exc
        rows = np.arange(base.size, dtype=np.int64)
        first = np.zeros(n0, dtype=np.int64)
        first[base[::-1]] = rows[::-1]  # the first row of each level-0 code
        values = series.to_numpy(dtype=object)
        distinct = values[first] if base.size else values[:0]
        nulls = null_mask(distinct) if distinct.size else np.zeros(0, dtype=bool)
        maps: list[npt.NDArray[np.int64]] = [np.arange(n0, dtype=np.int64)]
        labels: list[npt.NDArray[np.object_]] = [distinct]
        cards = [n0]
        for index, function in enumerate(self.functions, start=1):
            chain = self.chained and index >= 2
            source = labels[-1] if chain else distinct
            source_nulls = null_mask(source) if chain and source.size else nulls
            out = self._apply(function, source, source_nulls, index)
            codes, uniques = pd.factorize(out, use_na_sentinel=True)
            codes = codes.astype(np.int64)
            width = len(uniques)
            label = np.empty(width + 1, dtype=object)
            label[:width] = np.asarray(uniques, dtype=object)
            if (codes < 0).any():
                codes[codes < 0] = width
                width += 1
            if chain:
                codes = codes[maps[-1]]
            self._check_nested(maps[-1], cards[-1], codes, width, index)
            maps.append(codes)
            labels.append(label[:width])
            cards.append(width)
        maps.append(np.zeros(n0, dtype=np.int64))
        labels.append(np.array([SUPPRESSED], dtype=object))
        cards.append(1)
        codes_by_level = LevelCodes(base, maps)
        return EncodedColumn(name, self.level_names, codes_by_level, tuple(cards), tuple(labels))

    def _apply(
        self,
        function: LevelFunction,
        distinct: npt.NDArray[np.object_],
        nulls: npt.NDArray[np.bool_],
        index: int,
    ) -> npt.NDArray[np.object_]:
        level = self.level_names[index]
        try:
            raw = function(distinct.copy())
            out = np.empty(len(distinct), dtype=object)
            out[:] = list(raw)
        except MemoryError:
            raise
        except Exception as exc:
            raise InvalidArgument(f"{self.kind} level {level!r} failed on the column") from exc
        if out.size:
            bad = null_mask(out) & ~nulls
            out[bad] = SUPPRESSED  # an unreadable value is suppressed, never passed through
            out[nulls] = None
            try:
                hash_ok = all(isinstance(v, Hashable) for v in out.tolist())
            except Exception:  # pragma: no cover - defensive
                hash_ok = False
            if not hash_ok:
                raise InvalidArgument(f"{self.kind} level {level!r} returned unhashable labels")
        return out

    def _check_nested(
        self,
        lower: npt.NDArray[np.int64],
        lower_width: int,
        upper: npt.NDArray[np.int64],
        upper_width: int,
        index: int,
    ) -> None:
        pairs = np.unique(lower * upper_width + upper)
        if pairs.size != lower_width:
            below, level = self.level_names[index - 1], self.level_names[index]
            raise InvalidArgument(
                f"{self.kind} level {level!r} does not generalize level {below!r}: "
                "a value below maps to two values above (levels must nest)"
            )


def as_hierarchy(value: Hierarchy | str) -> Hierarchy:
    """A hierarchy, or a built-in one named ``"date"``, ``"age"``, ``"region"``, ``"icd10"``,
    ``"sex"``."""
    if isinstance(value, Hierarchy):
        return value
    builders: dict[str, Callable[[], Hierarchy]] = {
        "date": Hierarchy.date, "age": Hierarchy.age, "region": Hierarchy.region,
        "icd10": Hierarchy.icd10, "sex": Hierarchy.sex,
    }  # fmt: skip
    if isinstance(value, str) and value in builders:
        return builders[value]()
    raise InvalidArgument("a hierarchy is a Hierarchy or one of: " + ", ".join(builders))
