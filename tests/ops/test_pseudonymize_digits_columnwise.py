"""Record numbers: the column-wise road gives exactly the value-by-value road's pseudonyms."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.ops.pseudonym_core import _FieldPseudonymizer
from medguard.ops.pseudonymize_numbers import PseudonymizeDigits
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
_VALUE = st.one_of(
    st.from_regex(r"[A-Za-z]{0,3}[0-9]{0,20}", fullmatch=True),
    st.text(alphabet="0123456789AZaz+- \n\u3000１２", max_size=22),
)


def _by_value(op: PseudonymizeDigits, values: list[str], inverse: bool = False) -> list[object]:
    return list(_FieldPseudonymizer._transform(op, values, inverse))


@settings(max_examples=150, deadline=None)
@given(st.lists(_VALUE, max_size=40), st.booleans(), st.booleans())
def test_columnwise_equals_value_by_value(values: list[str], keep: bool, one_way: bool) -> None:
    """Every value, valid or not, short or long, gets what the value-by-value road gives."""
    op = PseudonymizeDigits(RING, keep_prefix=keep, one_way=one_way)
    assert list(op._transform(values, False)) == _by_value(op, values)


def test_repeated_values_and_reversal() -> None:
    """Repeated numbers map once and alike; reversible pseudonyms come back."""
    values = ["ZY20250001", "ZY20250001", "MZ20250001", "0012345678", "ZY2025000"] * 3
    op = PseudonymizeDigits(RING, keep_prefix=True)
    out = op._transform(values, False)
    assert out == _by_value(op, values)
    assert out[0] == out[1]
    assert out[0] != out[2]
    assert op.reverse(op.apply(values)) == values
