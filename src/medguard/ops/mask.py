"""Display masking by the conventions of GB/T 35273-2020 and common Chinese practice.

Each mask is a frozen, typed object a policy can name (``to_config`` / ``from_config``) with one
method, :meth:`Mask.apply`, that takes a value or a whole column (list, tuple, numpy array,
pandas Series, pyarrow array) and returns the same kind, nulls preserved:

===================  ==============================  ======================
mask                 default                          example
===================  ==============================  ======================
:class:`MaskName`    surname kept                     张*, 张**, 欧阳**
:class:`MaskResidentID`  first 6 and last 4           500103********1234
:class:`MaskPhone`   first 3 and last 4 (mobile)      138****1234
:class:`MaskBankCard`    first 6 and last 4           622202*********1234
:class:`MaskEmail`   first character and domain       z***@163.com
:class:`MaskAddress` down to the district             广东省深圳市南山区****
:class:`MaskPassport`    first 1 and last 3           E*****678
:class:`KeepEnds`    any string: first N, last M      ab****yz
===================  ==============================  ======================

Masks never reveal more than configured: when a value is too short for ``first + last`` to
leave at least a third of it hidden, fewer characters are kept. Invalid or unexpected input (a
bad check digit, a number where a string was expected) is never passed through: it is masked
completely, keeping only its length, and counted in the :class:`MaskReport`; with
``strict=True`` it raises :class:`~medguard.errors.InvalidIdentifier` naming the row instead.
Text holding a lone surrogate is such a value; ``None``, NaN, ``pd.NA`` and ``NaT`` are nulls.

Options are checked when a mask is built: counts must be non-negative integers, and for
identifiers of a fixed length ``first + last`` may show at most two thirds of the longest valid
value (``MaskResidentID(first=-5)`` or ``first=10, last=4`` raise
:class:`~medguard.errors.InvalidArgument`; :meth:`Mask.from_config` raises
:class:`~medguard.errors.PolicyError`).

The work is done on whole columns: strings are grouped by length into numpy code-point
matrices, validated and masked with array operations; numpy unicode arrays and pyarrow string
arrays of ASCII values are masked without creating a Python string per value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from medguard._column import (
    as_column,
    codepoint_groups,
    encodable,
    fixed_width_codes,
    is_column,
    is_null,
    strings_from_codepoints,
)
from medguard.cn import address, bank_card, names, passport, phone, resident_id
from medguard.errors import InvalidArgument, InvalidIdentifier, PolicyError
from medguard.ops.base import OpContext

__all__ = [
    "KeepEnds",
    "Mask",
    "MaskAddress",
    "MaskBankCard",
    "MaskEmail",
    "MaskName",
    "MaskPassport",
    "MaskPhone",
    "MaskReport",
    "MaskResidentID",
    "mask_address",
    "mask_bank_card",
    "mask_email",
    "mask_name",
    "mask_passport",
    "mask_phone",
    "mask_resident_id",
    "mask_string",
]

Codes = npt.NDArray[Any]


@dataclass(frozen=True)
class MaskReport:
    """Counts from one masking run: every non-null value is either masked or invalid."""

    total: int
    masked: int
    invalid: int
    nulls: int


def _keep_counts(length: int, first: int, last: int) -> tuple[int, int]:
    """Shrink ``first``/``last`` so that at least a third of the value stays hidden.

    18-character IDs keep 6 + 4, 11-digit mobiles 3 + 4, as configured; a short value that
    ``first + last`` would (almost) reveal keeps fewer characters instead: the larger count
    gives way first, ``last`` on a tie. Constant time, whatever the counts (``10**8`` too).
    """
    budget = length - (length + 2) // 3
    excess = first + last - budget
    if excess <= 0:
        return first, last
    if last >= first:  # the larger count shrinks towards the smaller one
        cut = min(excess, last - first)
        last -= cut
    else:
        cut = min(excess, first - last)
        first -= cut
    if excess > cut:  # now equal: they shrink by turns, ``last`` first
        return (budget + 1) // 2, budget // 2
    return first, last


# The longest valid value of each kind with a fixed length: options that would show more than
# two thirds of it are configuration errors, refused when the mask is built.
_MAX_TEXT_OPTION = 64  # e-mail local parts are at most 64 characters (RFC 5321)


@dataclass(frozen=True)
class Mask:
    """Base of every mask: ``apply`` a value or column; ``apply_with_report`` also counts.

    Subclasses define ``_mask_codes`` (vectorized: a ``(k, length)`` code-point matrix in,
    masked matrix and validity out) and/or ``_mask_one`` (one string in, masked string or None
    when invalid); rows the vectorized path rejects get a second chance in ``_mask_one``, so
    formatted values (``+86 138-0013-8000``) are handled without slowing the common case.
    """

    char: str = "*"
    strict: bool = False

    kind: ClassVar[str] = "string"
    _registry: ClassVar[dict[str, type[Mask]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            Mask._registry[cls.kind] = cls

    def __post_init__(self) -> None:
        if not isinstance(self.char, str) or len(self.char) != 1:
            raise InvalidArgument("the mask character must be exactly one character")
        if not encodable(self.char):
            raise InvalidArgument("the mask character must be valid Unicode (not a surrogate)")
        if not isinstance(self.strict, bool):
            raise InvalidArgument("strict must be True or False")

    def _check_count(self, name: str, value: object, *, minimum: int = 0) -> int:
        """An integer option (not a bool) of at least ``minimum``."""
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise InvalidArgument(f"{self.kind} mask: {name} must be an integer")
        if value < minimum:
            raise InvalidArgument(f"{self.kind} mask: {name} must be at least {minimum}")
        return int(value)

    def _check_flag(self, name: str, value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidArgument(f"{self.kind} mask: {name} must be True or False")

    def _check_ends(self, first: object, last: object, longest: int | None) -> None:
        """``first``/``last`` are counts; with a fixed ``longest`` length, they must leave at
        least a third of such a value hidden (``_keep_counts`` would silently show less)."""
        keep = self._check_count("first", first) + self._check_count("last", last)
        if longest is not None and keep > longest - (longest + 2) // 3:
            raise InvalidArgument(
                f"{self.kind} mask: first + last = {keep} would show more than two thirds "
                f"of a {longest}-character value (at most {longest - (longest + 2) // 3})"
            )

    # -- public API -------------------------------------------------------------------------
    def apply(self, values: Any) -> Any:
        """Mask one value or a whole column; returns the same kind."""
        return self.apply_with_report(values)[0]

    def apply_with_report(self, values: Any) -> tuple[Any, MaskReport]:
        """Mask and return ``(result, MaskReport)``."""
        if not is_column(values):
            if is_null(values):  # None, NaN, pd.NA, NaT: a null stays null
                return None, MaskReport(1, 0, 0, 1)
            out, invalid = self._mask_objects(np.array([values], dtype=object))
            self._check_strict(invalid)
            return out[0], MaskReport(1, 1 - int(invalid[0]), int(invalid[0]), 0)
        fast = self._fast_path(values)
        if fast is not None:
            return fast
        data = as_column(values)
        out, invalid = self._mask_objects(data.values, data.nulls)
        self._check_strict(invalid)
        nulls = int(data.nulls.sum())
        n_invalid = int(invalid.sum())
        report = MaskReport(len(data), len(data) - nulls - n_invalid, n_invalid, nulls)
        return data.rebuild(out), report

    def to_config(self) -> dict[str, Any]:
        """The mask as plain data, for policies: ``{"op": "mask", "kind": ..., options...}``."""
        return {"op": "mask", "kind": self.kind, **asdict(self)}

    @staticmethod
    def from_config(config: dict[str, Any]) -> Mask:
        """Build a mask from :meth:`to_config` output.

        Unknown kinds, unknown options and unusable option values (a negative ``first``, a
        ``first + last`` that would show most of an ID) raise
        :class:`~medguard.errors.PolicyError`, an :class:`~medguard.errors.InvalidArgument`.
        """
        if not isinstance(config, dict):
            raise PolicyError("a mask configuration must be a mapping")
        options = dict(config)
        if options.pop("op", "mask") != "mask":
            raise PolicyError("not a mask configuration (op must be 'mask')")
        kind = options.pop("kind", None)
        cls = Mask._registry.get(str(kind))
        if cls is None:
            raise PolicyError(f"unknown mask kind {kind!r}")
        try:
            return cls(**options)
        except PolicyError:
            raise
        except (InvalidArgument, TypeError) as exc:
            raise PolicyError(f"bad options for mask {kind!r}: {exc}") from None

    # -- implementation ---------------------------------------------------------------------
    def _mask_codes(self, codes: Codes) -> tuple[Codes, npt.NDArray[np.bool_]] | None:
        """Vectorized masking of equal-length values; None when this mask has no such path."""
        return None

    def _mask_one(self, value: str) -> str | None:
        """Mask one string, or return None when it is not a valid value of this kind."""
        return None

    def _full(self, value: object) -> str:
        """The value fully masked: its length only (of its text form for non-strings)."""
        try:
            text = value if isinstance(value, str) else str(value)
        except Exception:  # str() failed (a huge int, a broken object): masked, not echoed
            return self.char
        return self.char * len(text)

    def _mask_objects(
        self, values: npt.NDArray[np.object_], nulls: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
        n = values.shape[0]
        out = np.empty(n, dtype=object)
        done = np.zeros(n, dtype=bool) if nulls is None else nulls.copy()
        invalid = np.zeros(n, dtype=bool)
        for _length, (rows, codes) in codepoint_groups(values).items():
            if nulls is not None:
                keep = ~nulls[rows]
                rows, codes = rows[keep], codes[keep]
            result = self._mask_codes(codes)
            if result is None:
                continue
            masked, ok = result
            good = rows[ok]
            out[good] = strings_from_codepoints(masked[ok])
            done[good] = True
        for i in np.flatnonzero(~done).tolist():
            value = values[i]
            # A lone surrogate cannot be encoded: like a non-string, the value is invalid.
            usable = isinstance(value, str) and encodable(value)
            masked_one = self._mask_one(value) if usable else None
            if masked_one is None:
                invalid[i] = True
                masked_one = self._full(value)
            out[i] = masked_one
        return out, invalid

    def _check_strict(self, invalid: npt.NDArray[np.bool_]) -> None:
        if self.strict and invalid.any():
            row = int(np.flatnonzero(invalid)[0])
            raise InvalidIdentifier(self.kind, "value does not validate, cannot mask", row=row)

    def _fast_path(self, values: Any) -> tuple[Any, MaskReport] | None:
        """Mask equal-length numpy unicode and pyarrow ASCII columns without Python strings."""
        fast = fixed_width_codes(values)
        if fast is None:
            return None
        codes, rebuild = fast
        result = self._mask_codes(codes)
        if result is None or not result[1].all():
            return None  # some values need the per-value path: take the general one
        n = len(codes)
        return rebuild(result[0]), MaskReport(n, n, 0, 0)

    def _keep_ends_codes(self, codes: Codes, first: int, last: int) -> Codes:
        length = codes.shape[1]
        first, last = _keep_counts(length, first, last)
        wide = codes.dtype == np.uint8 and ord(self.char) > 127
        out = codes.astype(np.uint32) if wide else codes.copy()
        out[:, first : length - last] = ord(self.char)
        return out

    def _keep_ends_str(self, value: str, first: int, last: int) -> str:
        first, last = _keep_counts(len(value), first, last)
        return value[:first] + self.char * (len(value) - first - last) + value[len(value) - last :]


@dataclass(frozen=True)
class KeepEnds(Mask):
    """Any string: keep the first ``first`` and last ``last`` characters, mask the rest."""

    first: int = 1
    last: int = 1
    kind: ClassVar[str] = "string"

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_ends(self.first, self.last, None)

    def _mask_codes(self, codes: Codes) -> tuple[Codes, npt.NDArray[np.bool_]]:
        return self._keep_ends_codes(codes, self.first, self.last), np.ones(len(codes), bool)


@dataclass(frozen=True)
class _ValidatedKeepEnds(Mask):
    """Keep ends of values that validate with a vectorized checker at known lengths."""

    first: int = 0
    last: int = 0
    _lengths: ClassVar[tuple[int, ...]] = ()
    _longest: ClassVar[int | None] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_ends(self.first, self.last, self._longest or max(self._lengths, default=0))

    def _check(self, codes: Codes) -> npt.NDArray[np.bool_]:
        raise NotImplementedError

    def _normalize(self, value: str) -> str | None:
        raise NotImplementedError

    def _mask_codes(self, codes: Codes) -> tuple[Codes, npt.NDArray[np.bool_]]:
        if codes.shape[1] not in self._lengths:
            return codes, np.zeros(len(codes), dtype=bool)
        return self._keep_ends_codes(codes, self.first, self.last), self._check(codes)

    def _mask_one(self, value: str) -> str | None:
        normal = self._normalize(value)
        if normal is None:
            return None
        return self._keep_ends_str(normal, self.first, self.last)


@dataclass(frozen=True)
class MaskResidentID(_ValidatedKeepEnds):
    """Resident IDs: keep the region (first 6) and last 4 by default; ``first=1`` for 5***1234."""

    first: int = 6
    last: int = 4
    kind: ClassVar[str] = "resident_id"
    _lengths: ClassVar[tuple[int, ...]] = (15, 18)
    _longest: ClassVar[int | None] = 18

    def _check(self, codes: Codes) -> npt.NDArray[np.bool_]:
        return resident_id.valid_codepoints(codes)

    def _normalize(self, value: str) -> str | None:
        try:
            return resident_id.parse(value).number
        except InvalidIdentifier:
            return None


@dataclass(frozen=True)
class MaskPhone(_ValidatedKeepEnds):
    """Phones: mobiles keep the first 3 and last 4 (138****1234); landlines keep the area code
    and the last ``landline_last`` digits (023-****4321)."""

    first: int = 3
    last: int = 4
    landline_last: int = 4
    kind: ClassVar[str] = "phone"
    _lengths: ClassVar[tuple[int, ...]] = (11,)

    def __post_init__(self) -> None:
        super().__post_init__()
        # Landline subscriber numbers have 7 or 8 digits: at most 5 of 8 may show.
        if self._check_count("landline_last", self.landline_last) > 5:
            raise InvalidArgument("phone mask: landline_last may be at most 5")

    def _check(self, codes: Codes) -> npt.NDArray[np.bool_]:
        return phone.mobile_codepoints(codes)

    def _normalize(self, value: str) -> str | None:
        return None  # unused: _mask_one below handles both kinds

    def _mask_one(self, value: str) -> str | None:
        try:
            parsed = phone.parse(value)
        except InvalidIdentifier:
            return None
        if parsed.kind == "mobile":
            return self._keep_ends_str(parsed.number, self.first, self.last)
        subscriber = parsed.number[len(parsed.prefix) :]
        _, last = _keep_counts(len(subscriber), 0, self.landline_last)
        hidden = self.char * (len(subscriber) - last) + subscriber[len(subscriber) - last :]
        return f"{parsed.prefix}-{hidden}"


@dataclass(frozen=True)
class MaskBankCard(_ValidatedKeepEnds):
    """Bank cards (Luhn-valid, 16-19 digits): keep the BIN (first 6) and last 4."""

    first: int = 6
    last: int = 4
    kind: ClassVar[str] = "bank_card"
    _lengths: ClassVar[tuple[int, ...]] = (16, 17, 18, 19)
    _longest: ClassVar[int | None] = 19

    def _check(self, codes: Codes) -> npt.NDArray[np.bool_]:
        return bank_card.luhn_codepoints(codes)

    def _normalize(self, value: str) -> str | None:
        normal = bank_card.normalize(value)
        return normal if bank_card.is_valid(normal) else None


@dataclass(frozen=True)
class MaskPassport(_ValidatedKeepEnds):
    """Passports and travel permits: keep the first 1 and last 3 characters (E*****678)."""

    first: int = 1
    last: int = 3
    kind: ClassVar[str] = "passport"
    _longest: ClassVar[int | None] = 9  # E12345678, G12345678, H12345678

    def _normalize(self, value: str) -> str | None:
        normal = passport.normalize(value)
        return normal if passport.is_valid(normal) else None


_EMAIL = re.compile(r"^([^@\s]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")


@dataclass(frozen=True)
class MaskEmail(Mask):
    """E-mail addresses: keep the first ``first`` characters and the domain: z***@163.com.

    The local part is replaced by a fixed run of ``width`` mask characters, hiding its length.
    """

    first: int = 1
    width: int = 3
    kind: ClassVar[str] = "email"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self._check_count("first", self.first) > _MAX_TEXT_OPTION:
            raise InvalidArgument(f"email mask: first may be at most {_MAX_TEXT_OPTION}")
        if self._check_count("width", self.width, minimum=1) > _MAX_TEXT_OPTION:
            raise InvalidArgument(f"email mask: width may be at most {_MAX_TEXT_OPTION}")

    def _mask_one(self, value: str) -> str | None:
        m = _EMAIL.match(value.strip())
        if m is None:
            return None
        local, domain = m.groups()
        keep, _ = _keep_counts(len(local), self.first, 0)
        return f"{local[:keep]}{self.char * self.width}@{domain}"


@dataclass(frozen=True)
class MaskAddress(Mask):
    """Addresses: keep the administrative part down to ``keep`` and mask the rest.

    ``keep`` is ``"district"`` (default), ``"city"``, ``"province"`` or ``"none"``. The rest is
    replaced by ``width`` mask characters (hiding its length) unless ``preserve_length``.
    """

    keep: str = "district"
    width: int = 4
    preserve_length: bool = False
    kind: ClassVar[str] = "address"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.keep, str) or self.keep not in (
            "district",
            "city",
            "province",
            "none",
        ):
            raise InvalidArgument("keep must be 'district', 'city', 'province' or 'none'")
        if self._check_count("width", self.width, minimum=1) > _MAX_TEXT_OPTION:
            raise InvalidArgument(f"address mask: width may be at most {_MAX_TEXT_OPTION}")
        self._check_flag("preserve_length", self.preserve_length)

    def _mask_one(self, value: str) -> str | None:
        try:
            parsed = address.parse(value)
        except InvalidIdentifier:
            return None
        levels = {"none": (), "province": ("province",), "city": ("province", "city"),
                  "district": ("province", "city", "district")}[self.keep]  # fmt: skip
        kept = "".join(getattr(parsed, level) or "" for level in levels)
        normal = address.normalize(value)
        hidden_len = len(normal) - len(kept) if self.preserve_length else self.width
        return kept + self.char * max(hidden_len, 1)


@dataclass(frozen=True)
class MaskName(Mask):
    """Chinese names: keep the surname (compound surnames too) and mask the given name.

    ``keep_last=True`` also keeps the last given character of three-character names (张*明).
    ``keep_surname=False`` masks everything but the length.
    """

    keep_surname: bool = True
    keep_last: bool = False
    kind: ClassVar[str] = "name"

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_flag("keep_surname", self.keep_surname)
        self._check_flag("keep_last", self.keep_last)

    def _mask_codes(self, codes: Codes) -> tuple[Codes, npt.NDArray[np.bool_]]:
        k, length = codes.shape
        han = (codes >= 0x3400) & (codes <= 0x9FFF)
        # Already-masked names (张*) stay valid, so masking is idempotent.
        given_ok = (han[:, 1:] | (codes[:, 1:] == ord(self.char))).all(axis=1)
        ok = han[:, 0] & given_ok & (2 <= length <= 6)
        out = np.full_like(codes, ord(self.char), dtype=np.uint32)
        if not self.keep_surname or length < 2:
            return out, ok
        surname_len = np.ones(k, dtype=np.int64)
        if length >= 3:
            pairs = codes[:, 0].astype(np.uint64) << np.uint64(32) | codes[:, 1].astype(np.uint64)
            surname_len[np.isin(pairs, _COMPOUND_KEYS)] = 2
        out[:, 0] = codes[:, 0]
        two = surname_len == 2
        out[two, 1] = codes[two, 1]
        if self.keep_last and length >= 3:
            keep_last = (length - surname_len) >= 2
            out[keep_last, -1] = codes[keep_last, -1]
        return out, ok

    def _mask_one(self, value: str) -> str | None:
        try:
            parsed = names.parse(value)
        except InvalidIdentifier:
            return None
        if not self.keep_surname:
            return self.char * len(parsed.surname + parsed.given)
        given = parsed.given
        sep = "·" if "·" in names.normalize(value) else ""
        if self.keep_last and len(given) >= 2:
            return parsed.surname + sep + self.char * (len(given) - 1) + given[-1]
        return parsed.surname + sep + self.char * len(given)


_NO_CONTEXT = OpContext()  # masks need no keyring, subject or record ID

_COMPOUND_KEYS = np.array(
    sorted((ord(s[0]) << 32) | ord(s[1]) for s in names.COMPOUND_SURNAMES), dtype=np.uint64
)


def _function(cls: type[Mask], doc: str) -> Callable[..., Any]:
    """The front-door recipe of one mask: build the ``mask`` operation and run it."""

    def mask(values: Any, **options: Any) -> Any:
        # The operation module builds on this one, so it is imported when a recipe runs.
        from medguard.ops.masking import MaskOp

        return MaskOp(cls(**options)).apply(values, _NO_CONTEXT)[0]

    mask.__doc__ = doc
    mask.__name__ = f"mask_{cls.kind}"
    return mask


mask_name = _function(MaskName, "Mask names (value or column); options as :class:`MaskName`.")
mask_resident_id = _function(
    MaskResidentID, "Mask resident IDs (value or column); options as :class:`MaskResidentID`."
)
mask_phone = _function(MaskPhone, "Mask phones (value or column); options as :class:`MaskPhone`.")
mask_bank_card = _function(
    MaskBankCard, "Mask bank cards (value or column); options as :class:`MaskBankCard`."
)
mask_email = _function(MaskEmail, "Mask e-mails (value or column); options as :class:`MaskEmail`.")
mask_address = _function(
    MaskAddress, "Mask addresses (value or column); options as :class:`MaskAddress`."
)
mask_passport = _function(
    MaskPassport, "Mask passports (value or column); options as :class:`MaskPassport`."
)
mask_string = _function(
    KeepEnds, "Mask any string (value or column); options as :class:`KeepEnds`."
)
