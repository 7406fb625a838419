"""Phone numbers → phone numbers: mobiles in allocated segments, landlines keep the area code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from medguard._column import ascii_digits, codepoint_groups, strings_from_codepoints
from medguard.cn import phone
from medguard.errors import InvalidIdentifier
from medguard.ops.pseudonym_core import _FieldPseudonymizer, _to_digits

__all__ = ["PseudonymizePhone"]


@dataclass(frozen=True)
class PseudonymizePhone(_FieldPseudonymizer):
    """Phone numbers → phone numbers of the same kind.

    Mobiles (``+86``/``0086`` prefixes, spaces and dashes accepted) become 11-digit compact
    mobiles of an allocated segment (``keep_segment=True`` keeps the first three digits, e.g.
    ``138``). Landlines keep their area code and become ``<area code>-<subscriber>`` with a
    subscriber number of the same length whose first digit is 2-9; an extension is kept as
    ``转<extension>``.
    """

    keep_segment: bool = False
    kind: ClassVar[str] = "phone"
    _segments: ClassVar[tuple[str, ...]] = tuple(sorted(phone.MOBILE_SEGMENTS))

    def _transform(self, values: list[str], inverse: bool) -> Any:
        """Compact mobiles take a vectorized path; everything else the per-value one."""
        mapped = np.empty(len(values), dtype=object)
        fast = np.zeros(len(values), dtype=bool)
        groups = codepoint_groups(values)
        if 11 in groups:
            rows, codes = groups[11]
            ok = phone.mobile_codepoints(codes)
            rows, codes = rows[ok], codes[ok]
            fast[rows] = True
            mapped[rows] = self._map_mobiles(codes, inverse)
        rest = np.flatnonzero(~fast)
        if rest.size:
            mapped[rest] = super()._transform([values[i] for i in rest.tolist()], inverse)
        return mapped

    def _map_mobiles(self, codes: npt.NDArray[Any], inverse: bool) -> list[str]:
        """Same pseudonyms as the per-value path (same index, domain and tweak), as arrays."""
        digits = (ascii_digits(codes) - np.uint8(48)).astype(np.int64)
        segment = digits[:, :3] @ np.array([100, 10, 1])
        rest = digits[:, 3:] @ (10 ** np.arange(7, -1, -1))
        if self.keep_segment:
            new = self._map(rest.astype(np.uint64), 10**8, "8", inverse).astype(np.int64)
            new_segment, new_rest = segment, new
        else:
            table = np.array([int(s) for s in self._segments])
            index = np.searchsorted(table, segment) * 10**8 + rest
            size = len(self._segments) * 10**8
            new = self._map(index.astype(np.uint64), size, "11", inverse).astype(np.int64)
            new_segment, new_rest = table[new // 10**8], new % 10**8
        body = np.concatenate([_to_digits(new_segment, 3), _to_digits(new_rest, 8)], axis=1)
        return strings_from_codepoints(body + np.uint8(48))

    def _split(self, value: str) -> tuple[str, str, str] | None:
        try:
            parsed = phone.parse(value)
        except InvalidIdentifier:
            return None
        if parsed.kind == "mobile":
            if self.keep_segment:
                return parsed.number[:3], parsed.number[3:], ""
            return "", parsed.number, ""
        ext = f"转{parsed.extension}" if parsed.extension else ""
        return parsed.prefix + "-", "L" + parsed.number[len(parsed.prefix) :], ext

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        if digits.startswith("L"):  # landline subscriber: first digit 2-9
            body = digits[1:]
            tail = 10 ** (len(body) - 1)
            return (int(body[0]) - 2) * tail + int(body[1:]), 8 * tail, 100 + len(body)
        if len(digits) == 11:  # whole mobile: segment index and eight digits
            segment = self._segments.index(digits[:3])
            return segment * 10**8 + int(digits[3:]), len(self._segments) * 10**8, 11
        return int(digits), 10 ** len(digits), len(digits)

    def _free_value(self, index: int, group: int, template: str) -> str:
        if group > 100:
            tail = 10 ** (group - 101)
            return f"{index // tail + 2}{index % tail:0{group - 101}d}"
        if group == 11:
            return self._segments[index // 10**8] + f"{index % 10**8:08d}"
        return f"{index:0{group}d}"
