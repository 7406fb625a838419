"""Chinese identifier knowledge: parse, validate, normalize and generate. No cryptography.

One module per identifier, each with ``is_valid``, ``parse`` (a typed result, or
:class:`medguard.errors.InvalidIdentifier` with the reason), ``normalize`` and ``generate``:

- :mod:`~medguard.cn.resident_id`: resident IDs (18 and legacy 15), HMT residence permits,
  foreigner permanent-residence IDs; ``is_valid_array`` for whole columns
- :mod:`~medguard.cn.phone`: mobiles (allocated segments) and landlines; ``is_mobile_array``
- :mod:`~medguard.cn.uscc`: unified social credit codes
- :mod:`~medguard.cn.bank_card`: bank cards (Luhn); ``luhn_valid_array``
- :mod:`~medguard.cn.passport`: passports and travel permits
- :mod:`~medguard.cn.hk_id`: Hong Kong identity cards
- :mod:`~medguard.cn.names`: surname tables, ``split_name``
- :mod:`~medguard.cn.address`: addresses split into province, city, district
- :mod:`~medguard.cn.regions`, :mod:`~medguard.cn.dates`, :mod:`~medguard.cn.normalize`:
  shared tables and checks
"""
