"""GB/T 39725-2020 sensitivity levels of the entity types, and the masked samples reports show.

Direct identifiers (a resident ID, a name, a phone number, a bank card, a passport, a military,
social-security or driving document, an account ID such as QQ or WeChat) are level 4;
quasi-identifiers (an address, a date of birth, an e-mail, a record number, an IP address, a
company code, a device ID or MAC address, a vehicle plate, a workplace or school, an age of 90
or over, a URL) level 3; data with no personal identifier level 2. Reports never show a raw value:
:func:`masked_sample` keeps at most two characters at each end and hides at least a third.
"""

from __future__ import annotations

from medguard.ops.mask import KeepEnds

__all__ = ["DIRECT", "QUASI", "level_of", "masked_sample"]

DIRECT = frozenset(
    {"CN_RESIDENT_ID", "CN_HMT_PERMIT", "PERSON", "PHONE_NUMBER", "CN_BANK_CARD",
     "CN_PASSPORT", "HK_ID_CARD", "CN_MILITARY_ID", "CN_SOCIAL_SECURITY_CARD",
     "CN_DRIVING_LICENSE", "ACCOUNT_ID"}
)  # fmt: skip
QUASI = frozenset(
    {"LOCATION", "DATE_TIME", "EMAIL_ADDRESS", "CN_MEDICAL_RECORD_NUMBER", "IP_ADDRESS", "CN_USCC",
     "DEVICE_ID", "MAC_ADDRESS", "CN_VEHICLE_PLATE", "ORGANIZATION", "AGE", "URL"}
)  # fmt: skip
_SAMPLE_MASK = KeepEnds(first=2, last=2)


def level_of(entity: str | None) -> int:
    """4 for a direct identifier, 3 for a quasi-identifier, 2 otherwise (GB/T 39725-2020)."""
    if entity in DIRECT:
        return 4
    if entity in QUASI:
        return 3
    return 2


def masked_sample(value: str) -> str:
    """``value`` masked for display: ``11**************2X``, ``张*``."""
    masked: str = _SAMPLE_MASK.apply(value)
    return masked
