"""Resident IDs → resident IDs that validate: real region, real birth date, sex and check kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import ascii_digits, codepoint_groups, strings_from_codepoints
from medguard.cn import regions, resident_id
from medguard.errors import DomainTooSmall, InvalidArgument, InvalidIdentifier
from medguard.hazmat.ff1 import MIN_DOMAIN_SIZE
from medguard.ops.pseudonym_core import (
    _EPOCH,
    _SMALL,
    Pseudonymizer,
    _days_from_ymd,
    _to_digits,
    _ymd_from_days,
)

__all__ = ["DEFAULT_BIRTH_AS_OF", "PseudonymizeResidentID"]


def _county_codes() -> npt.NDArray[np.int64]:
    """Every county-level GB/T 2260 code (current and retired) of the mainland provinces."""
    table = regions._table()[0]
    codes = [
        int(code)
        for code, name in table.items()
        if code[4:] != "00" and name != "市辖区" and int(code[:2]) < 70
    ]
    return np.array(sorted(codes), dtype=np.int64)


_COUNTIES = _county_codes()
_COUNTY_PROVINCE = _COUNTIES // 10000
_PROVINCE_MAX = int(np.bincount(_COUNTY_PROVINCE).max())
_WEIGHTS = np.array(resident_id.WEIGHTS, dtype=np.int32)
_CHECK = np.frombuffer(resident_id.CHECK_CHARS.encode(), dtype=np.uint8)


#: The reference date of birth-date blocks when ``as_of`` is not given (see
#: :class:`PseudonymizeResidentID`). Part of the pseudonym format: it never changes.
DEFAULT_BIRTH_AS_OF = dt.date(2025, 12, 31)
_BLOCK_DAYS = {"keep": 1, "year": 366, "age_band": 5 * 365 + 2}


@dataclass(frozen=True)
class PseudonymizeResidentID(Pseudonymizer):
    """Resident ID → resident ID that validates, keeps what you ask, and maps back with the key.

    ``region``: ``"any"`` (any real county code), ``"province"`` (same province), ``"keep"``.
    ``birth``: ``"year"`` (same year), ``"keep"``, ``"window"`` (same ``window_days`` block,
    counted from 1900-01-01), ``"age_band"`` (same five-year band of birth years).
    ``keep_sex``: the sequence keeps its parity. Residence permits (81/82/83) and foreigner IDs
    keep their prefix. Legacy 15-digit IDs come out in the 18-character form.

    Birth dates are never in the future, and the pseudonym is a pure function of the key,
    ``context``, the options and the value (the same on any day; :meth:`reverse` works on any
    later day). Both hold because the blocks are cut at a fixed reference date ``as_of``
    (default :data:`DEFAULT_BIRTH_AS_OF`, 2025-12-31), not at today:

    - a birth date on or before ``as_of`` moves within its block cut at ``as_of``, so the
      pseudonym's birth date is on or before ``as_of`` as well;
    - a birth date after ``as_of`` is **kept** (its block is that one day; region and sequence
      still change). No bijection can move such dates without either depending on the
      calendar or producing future dates, so set ``as_of`` to the last day whose births you
      want hidden (not after today: :meth:`apply` refuses a future ``as_of``) and keep it for
      the life of the pseudonym space, like the key and the context: changing it changes the
      pseudonyms of people born in the block that holds the old ``as_of``.

    ``today`` only sets the day against which *inputs* are validated (a birth date after it
    is invalid input); it has no effect on the pseudonyms.
    """

    region: Literal["any", "province", "keep"] = "any"
    birth: Literal["year", "keep", "window", "age_band"] = "year"
    window_days: int = 365
    keep_sex: bool = True
    today: dt.date | None = None
    as_of: dt.date | None = None

    kind: ClassVar[str] = "resident_id"

    def _validate(self) -> None:
        super()._validate()
        if self.region not in ("any", "province", "keep"):
            raise InvalidArgument("region must be 'any', 'province' or 'keep'")
        if self.birth not in ("year", "keep", "window", "age_band"):
            raise InvalidArgument("birth must be 'year', 'keep', 'window' or 'age_band'")
        if (
            isinstance(self.window_days, bool)
            or not isinstance(self.window_days, int)
            or not 1 <= self.window_days <= 36_525
        ):
            raise InvalidArgument("window_days must be an integer from 1 to 36525")
        for name in ("today", "as_of"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, dt.date) or isinstance(value, dt.datetime)
            ):
                raise InvalidArgument(f"{name} must be a datetime.date")
        if self.allow_small_domain:
            return
        regions_max = {"keep": 1, "province": _PROVINCE_MAX, "any": _COUNTIES.size}[self.region]
        days_max = self.window_days if self.birth == "window" else _BLOCK_DAYS[self.birth]
        largest = regions_max * days_max * (500 if self.keep_sex else 1000)
        if largest < MIN_DOMAIN_SIZE:
            raise DomainTooSmall(
                f"with region={self.region!r} and birth={self.birth!r} no resident ID has more "
                f"than {largest:,} possible pseudonyms (< {MIN_DOMAIN_SIZE:,}): they can be "
                "brute-forced; pass allow_small_domain=True to accept the risk"
            )

    def _before_run(self, inverse: bool) -> None:
        if not inverse and self.as_of is not None and self.as_of > (self.today or _today()):
            raise InvalidArgument(
                "as_of is after today: pseudonyms could be born in the future; "
                "choose a reference date that has passed"
            )

    def _transform(self, values: list[str], inverse: bool) -> Any:
        """Each distinct ID mapped once when IDs repeat (a patient's visits), else row by row:
        the map is a function of the value alone, so both give the same pseudonyms."""
        distinct = list(dict.fromkeys(values))
        if len(distinct) * 4 > len(values) * 3:
            return self._transform_rows(values, inverse)
        found = dict(zip(distinct, self._transform_rows(distinct, inverse), strict=True))
        return [found[v] for v in values]

    def _transform_rows(self, values: list[str], inverse: bool) -> list[Any]:
        result: list[Any] = [None] * len(values)
        codes18: list[npt.NDArray[Any]] = []
        positions: list[npt.NDArray[np.intp]] = []
        groups = codepoint_groups(values)
        if 18 in groups:
            rows, codes = groups[18]
            ok = resident_id.valid_codepoints(codes, today=self.today)
            good = ascii_digits(codes[ok]).copy()  # full-width digits folded to ASCII
            good[good == ord("x")] = ord("X")
            codes18.append(good)
            positions.append(rows[ok])
        done = np.zeros(len(values), dtype=bool)
        for p in positions:
            done[p] = True
        fixed = []
        for i in np.flatnonzero(~done).tolist():
            try:
                fixed.append((i, resident_id.parse(values[i], today=self.today).number))
            except InvalidIdentifier:
                continue
        if fixed:
            text = "".join(number for _, number in fixed).encode("ascii")
            codes18.append(np.frombuffer(text, dtype=np.uint8).reshape(-1, 18))
            positions.append(np.array([i for i, _ in fixed], dtype=np.intp))
        if not positions:
            return result
        rows = np.concatenate(positions)
        out, status = self._map_ids(np.concatenate(codes18), inverse)
        for i, s, state in zip(
            rows.tolist(), strings_from_codepoints(out), status.tolist(), strict=True
        ):
            result[i] = s if state == 0 else (_SMALL if state == 2 else None)
        return result

    def _blocks(
        self, days: npt.NDArray[np.int64], years: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Start (days since 1900-01-01) and size of each date's block, cut at ``as_of``."""
        if self.birth == "keep":
            return days.copy(), np.ones_like(days)
        if self.birth == "window":
            start = (days // self.window_days) * self.window_days
            end = start + self.window_days
        else:
            width = 1 if self.birth == "year" else 5
            first = (years // width) * width
            start = _year_start(first)
            end = _year_start(first + width)
        as_of = self.as_of or DEFAULT_BIRTH_AS_OF
        last = int((np.datetime64(as_of, "D") - _EPOCH).astype(np.int64))
        end = np.minimum(end, last + 1)
        late = days > last  # born after as_of: the block is the day itself
        start = np.where(late, days, start)
        end = np.where(late, days + 1, end)
        return start, end - start

    def _map_ids(
        self, codes: npt.NDArray[np.uint8], inverse: bool
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int8]]:
        """Map ``(k, 18)`` ASCII IDs; status 0 mapped, 1 invalid, 2 domain too small."""
        k = codes.shape[0]
        digits = (codes[:, :17] - 48).astype(np.int32)
        region = (digits[:, :6] @ (10 ** np.arange(5, -1, -1, dtype=np.int32))).astype(np.int64)
        years = (digits[:, 6:10] @ np.array([1000, 100, 10, 1], dtype=np.int32)).astype(np.int64)
        months = (digits[:, 10] * 10 + digits[:, 11]).astype(np.int64)
        mdays = (digits[:, 12] * 10 + digits[:, 13]).astype(np.int64)
        days = _days_from_ymd(years, months, mdays)
        seq = (digits[:, 14:17] @ np.array([100, 10, 1], dtype=np.int32)).astype(np.int64)
        parity = seq % 2
        seq_size = 500 if self.keep_sex else 1000
        seq_index = seq // 2 if self.keep_sex else seq

        permit = (digits[:, 0] >= 8) | (self.region == "keep")
        if self.region == "keep":
            region_index = np.zeros(k, dtype=np.int64)
            region_size = np.ones(k, dtype=np.int64)
            group = np.zeros(k, dtype=np.int64)
        else:
            pos = np.searchsorted(_COUNTIES, region)
            pos_clipped = np.minimum(pos, _COUNTIES.size - 1)
            known = _COUNTIES[pos_clipped] == region
            if self.region == "province":
                province = region // 10000
                lo = np.searchsorted(_COUNTY_PROVINCE, province, side="left")
                hi = np.searchsorted(_COUNTY_PROVINCE, province, side="right")
                region_index, region_size, group = pos_clipped - lo, hi - lo, province
            else:
                region_index = pos_clipped
                region_size = np.full(k, _COUNTIES.size, dtype=np.int64)
                group = np.zeros(k, dtype=np.int64)
            ok_region = known | permit
            region_index = np.where(permit, 0, region_index)
            region_size = np.where(permit, 1, region_size)
            group = np.where(permit, -1 - region, group)
        ok = ok_region if self.region != "keep" else np.ones(k, dtype=bool)

        start, size_days = self._blocks(days, years)
        offset = days - start
        ok &= (offset >= 0) & (offset < size_days)
        index = ((region_index * size_days + offset) * seq_size + seq_index).astype(np.uint64)
        sizes = region_size * size_days * seq_size
        status = np.where(ok, 0, 1).astype(np.int8)
        floor = 2 if self.allow_small_domain else MIN_DOMAIN_SIZE
        small = ok & (sizes < floor)
        status[small] = 2
        ok &= ~small
        new_index = np.zeros(k, dtype=np.uint64)
        # One keyed map per domain: rows sharing a region list and a domain size.
        ok_rows = np.flatnonzero(ok)
        group_key = group[ok_rows] * (1 << 40) + sizes[ok_rows]
        uniq, inverse_rows = np.unique(group_key, return_inverse=True)
        order = np.argsort(inverse_rows, kind="stable")
        bounds = np.searchsorted(inverse_rows[order], np.arange(uniq.size + 1))
        for g in range(uniq.size):
            members = ok_rows[order[bounds[g] : bounds[g + 1]]]
            size = int(sizes[members[0]])
            new_index[members] = self._map(
                index[members],
                size,
                f"{self.region}|{self.birth}|{int(group[members[0]])}",
                inverse,
            )
        new_index = new_index.astype(np.int64)
        new_seq_index = new_index % seq_size
        rest = new_index // seq_size
        new_offset = rest % size_days
        new_region_index = rest // size_days
        new_seq = new_seq_index * 2 + parity if self.keep_sex else new_seq_index
        if self.region == "keep":
            new_region = region
        else:
            base = (
                np.searchsorted(_COUNTY_PROVINCE, region // 10000)
                if self.region == "province"
                else 0
            )
            candidate = _COUNTIES[np.minimum(base + new_region_index, _COUNTIES.size - 1)]
            new_region = np.where(permit, region, candidate)
        new_ymd = _ymd_from_days(start + new_offset)
        body = np.concatenate(
            [_to_digits(new_region, 6), _to_digits(new_ymd, 8), _to_digits(new_seq, 3)], axis=1,
        )  # fmt: skip
        check = _CHECK[(body.astype(np.int32) @ _WEIGHTS) % 11]
        out = np.concatenate([body + 48, check[:, None]], axis=1).astype(np.uint8)
        return out, status


def _today() -> dt.date:
    return dt.date.today()


def _year_start(years: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return _days_from_ymd(years, np.ones_like(years), np.ones_like(years))
