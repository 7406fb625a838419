"""Names → plausible Chinese names drawn with a keyed hash from the name tables (one-way)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from medguard.cn import names
from medguard.errors import InvalidArgument, InvalidIdentifier
from medguard.ops.pseudonym_core import Pseudonymizer

__all__ = ["PseudonymizeName"]


_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣建国峰志文博晨阳天昊"
_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕萍红琳丹洁颖雪慧倩婷佳怡晶欣梅莉璐薇琪瑶雯月蕾桂兰"
_SURNAME_LIST = tuple(s for s in names.SURNAME_FREQUENCY if s not in names.COMPOUND_SURNAMES)
_SURNAME_CUMULATIVE = np.cumsum([names.SURNAME_FREQUENCY[s] for s in _SURNAME_LIST])


@dataclass(frozen=True)
class PseudonymizeName(Pseudonymizer):
    """Names → plausible names drawn deterministically (keyed) from the name tables.

    Same name, keyring and context → same pseudonym. ``keep_surname`` keeps the surname;
    ``sex`` (``"male"``/``"female"``) picks given-name characters of that sex. Always one-way.
    """

    keep_surname: bool = False
    sex: Literal["male", "female"] | None = None
    kind: ClassVar[str] = "name"

    def __post_init__(self) -> None:
        object.__setattr__(self, "one_way", True)
        super().__post_init__()

    def _validate(self) -> None:
        super()._validate()
        if self.sex not in (None, "male", "female"):
            raise InvalidArgument("sex must be None, 'male' or 'female'")

    def reverse(self, values: Any) -> Any:
        """Names are one-way: always raises."""
        raise InvalidArgument("name pseudonyms are one-way and cannot be reversed")

    def _transform(self, values: list[str], inverse: bool) -> list[str | None]:
        key, _, _ = self._derived()
        pool = {"male": _MALE, "female": _FEMALE, None: _MALE + _FEMALE}[self.sex]
        out: list[str | None] = []
        for value in values:
            try:
                parsed = names.parse(value)
            except InvalidIdentifier:
                out.append(None)
                continue
            digest = hmac.digest(key, value.encode(), "sha256")
            if self.keep_surname:
                surname = parsed.surname
            else:
                point = int.from_bytes(digest[:8], "big") / 2**64 * _SURNAME_CUMULATIVE[-1]
                surname = _SURNAME_LIST[int(np.searchsorted(_SURNAME_CUMULATIVE, point, "right"))]
            given_len = min(max(len(parsed.given), 1), 2)
            given = "".join(pool[digest[8 + j] % len(pool)] for j in range(given_len))
            out.append(surname + given)
        return out
