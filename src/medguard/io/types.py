"""Which Arrow type a column of text takes: a number or a date only when nothing is lost.

The rule (:func:`infer_types`), applied to a sample of each column (the first block of a CSV
file, several megabytes):

- a column becomes ``int64`` when every value reads as an integer *and writes back as the same
  text* (so ``007``, ``+5`` and ``1,000`` stay strings), and no value has 11 digits or more: a
  mobile number (11), a legacy ID (15), a resident ID (18), a bank card (16-19) are identifiers,
  whose later rows may hold an ``X``, a ``+86`` or more than 64 bits (a leading-zero record
  number is caught by the first condition);
- ``float64`` when every value reads as a plain decimal number (digits, one point, a sign:
  ``3.5``, ``-0.25``, ``12``) with at most 15 significant digits (what a double holds exactly),
  fewer than 11 before the point, and no leading zero before other digits (``007.5``);
- ``date32`` when every value is an ISO date ``YYYY-MM-DD`` that writes back as itself;
- ``timestamp[s]`` when every value is ``YYYY-MM-DD HH:MM:SS`` (or with ``T``) that reads back
  as the same instant;
- ``bool`` for ``true`` / ``false`` (lower case) only;
- otherwise ``string``. A column with no value in the sample is ``string`` too.

So an identifier never becomes a number, and a number read from text writes back as text
holding the same information. A value further on that does not fit the sampled type stops the
read with :class:`~medguard.errors.UnreadableInput` naming the column (read with
``all_strings=True``, or give the column's type in ``schema``, to read such a file).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["infer_types"]

_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9]\d*)(?:\.\d+)?|[-+]?\.\d+")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
_ID_DIGITS = 11
_FLOAT_DIGITS = 15


def infer_types(sample: Any) -> dict[str, Any]:
    """The Arrow type of each column of ``sample`` (a record batch of strings), by the rule
    in this module's docstring."""
    return {name: _column_type(sample.column(i)) for i, name in enumerate(sample.schema.names)}


def _column_type(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    values = column.drop_null()
    if len(values) == 0:
        return pa.string()
    for kind, fits in (
        (pa.int64(), _fits_int),
        (pa.float64(), _fits_float),
        (pa.date32(), _fits_date),
        (pa.timestamp("s"), _fits_timestamp),
        (pa.bool_(), _fits_bool),
    ):
        try:
            if fits(pa, pc, values):
                return kind
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            continue
    return pa.string()


def _fits_int(pa: Any, pc: Any, values: Any) -> bool:
    numbers = pc.cast(values, pa.int64())
    if not pc.all(pc.equal(pc.cast(numbers, pa.string()), values)).as_py():
        return False
    digits = pc.utf8_length(pc.replace_substring(values, "-", ""))
    return bool(pc.max(digits).as_py() < _ID_DIGITS)


def _fits_float(pa: Any, pc: Any, values: Any) -> bool:
    if not pc.all(pc.match_substring_regex(values, f"^(?:{_PLAIN_DECIMAL.pattern})$")).as_py():
        return False
    significant = pc.utf8_length(
        pc.replace_substring_regex(values, r"^[-+]?0*\.?0*|\.", "")  # digits after leading zeros
    )
    if pc.max(significant).as_py() > _FLOAT_DIGITS:
        return False
    whole = pc.utf8_length(pc.replace_substring_regex(values, r"^[-+]|\..*$", ""))
    if pc.max(whole).as_py() >= _ID_DIGITS:  # an identifier, even written with a fraction
        return False
    pc.cast(values, pa.float64())  # raises when one is not a number after all
    return True


def _fits_date(pa: Any, pc: Any, values: Any) -> bool:
    dates = pc.cast(values, pa.date32())
    return bool(pc.all(pc.equal(pc.cast(dates, pa.string()), values)).as_py())


def _fits_timestamp(pa: Any, pc: Any, values: Any) -> bool:
    if not pc.all(pc.match_substring_regex(values, f"^{_TIMESTAMP.pattern}$")).as_py():
        return False
    stamps = pc.cast(values, pa.timestamp("s"))
    written = pc.cast(stamps, pa.string())
    return bool(pc.all(pc.equal(written, pc.replace_substring(values, "T", " "))).as_py())


def _fits_bool(pa: Any, pc: Any, values: Any) -> bool:
    return bool(pc.all(pc.is_in(values, pa.array(["true", "false"]))).as_py())
