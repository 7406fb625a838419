"""The sharing stage checks itself: k per person on what ops leave, the search, the re-scan."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline, Policy
from medguard.lifecycle.checks import CheckFailed


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring.generate()


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return sharing_extract(300)


@pytest.fixture(scope="module")
def shared(ring: Keyring, extract: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    result = Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient="cdc").run(extract)
    return result.frame, result.summary


def test_k_per_subject_equals_an_independent_groupby(shared: tuple[pd.DataFrame, object]) -> None:
    """k is the smallest class in distinct people, on the released columns and on what the
    pseudonymized resident ID still shows (its birth-year band and sex, read off the output)."""
    frame, summary = shared
    out = frame.copy()
    pseudonym = out["resident_id"].astype(str)
    out["birth_band"] = pseudonym.str.slice(6, 10).astype(int) // 5
    out["id_sex"] = pseudonym.str.slice(16, 17).astype(int) % 2
    quasi = ["sex", "birth_date", "address", "birth_band", "id_sex"]
    per_class = out.groupby(quasi, dropna=False)["patient_id"].nunique()
    assert per_class.min() == summary.k  # type: ignore[attr-defined]
    assert summary.k >= 3  # type: ignore[attr-defined]


def test_the_pseudonym_is_a_quasi_identifier(ring: Keyring, extract: pd.DataFrame) -> None:
    """A pseudonymized resident ID that keeps birth year and sex counts in k (the plan says so):
    keeping the exact birth year makes k unreachable where the five-year band passes."""
    data = sharing_policy(k=3, max_suppressed=0.02).to_dict()
    data["fields"]["resident_id"]["sharing"] = {
        "op": "pseudonymize", "kind": "resident_id", "birth": "year", "region": "province",
    }  # fmt: skip
    with pytest.raises(CheckFailed, match=r"resident_id\.birth_year"):
        Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(extract)


def test_no_input_identifier_value_appears_in_the_output(
    shared: tuple[pd.DataFrame, object], extract: pd.DataFrame
) -> None:
    """After a sharing run no name, ID, phone, address or patient ID of the input is anywhere
    in the output, in any cell or inside any note."""
    frame, _ = shared
    cells = {str(v) for v in frame.to_numpy().ravel() if v is not None}
    text = "\n".join(cells)
    for column in ("name", "resident_id", "mobile", "address", "patient_id"):
        for value in extract[column].unique():
            assert value not in cells, column
            assert value not in text, column


def test_dates_in_notes_shift_with_the_date_column(shared: tuple[pd.DataFrame, object]) -> None:
    """The visit date inside each note moved exactly as the row's visit_date column did."""
    frame, _ = shared
    for note, day in zip(frame["note"], frame["visit_date"], strict=True):
        found = re.findall(r"\d{4}-\d{2}-\d{2}", note)
        assert found == [str(day)[:10]]


def test_recipients_get_unrelated_pseudonyms(ring: Keyring, extract: pd.DataFrame) -> None:
    """Two recipients' extracts do not join: different pseudonyms for the same people."""
    runs = [
        Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient=who).run(extract)
        for who in ("cdc", "university")
    ]
    a, b = (set(r.frame["resident_id"]) for r in runs)
    assert not a & b


def test_suppression_is_bounded_and_reported(shared: tuple[pd.DataFrame, object]) -> None:
    """Suppressed rows are at most max_suppressed of the input and the summary counts them."""
    frame, summary = shared
    assert summary.rows_in - summary.rows_out == summary.suppressed_rows  # type: ignore[attr-defined]
    assert summary.suppressed_rows <= 0.1 * summary.rows_in  # type: ignore[attr-defined]
    assert len(frame) == summary.rows_out  # type: ignore[attr-defined]


def test_direct_identifier_kept_is_refused_before_any_row(
    ring: Keyring, extract: pd.DataFrame
) -> None:
    """A level-3 mobile kept as it is: refused at plan time, naming the field."""
    data = sharing_policy().to_dict()
    data["fields"]["mobile"] = {"category": "personal_attribute", "level": 3, "kind": "phone",
                                "sharing": {"op": "keep"}}  # fmt: skip
    with pytest.raises(CheckFailed, match="'mobile'"):
        Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(extract)


def test_no_checks_outside_sharing(ring: Keyring, extract: pd.DataFrame) -> None:
    """The processing stage runs without the sharing checks (nothing suppressed)."""
    result = Pipeline(sharing_policy(), stage="processing", keyring=ring).run(extract)
    assert result.summary.k is None
    assert len(result.frame) == len(extract)


def test_levels_fixed_by_the_policy(ring: Keyring, extract: pd.DataFrame) -> None:
    """generalize: fixed applies the policy's levels (no search); k is still checked."""
    data = sharing_policy().to_dict()
    data["checks"]["sharing"]["k_anonymity"].update(
        {"generalize": "fixed", "levels": {"birth_date": "5y", "address": "*"}}
    )
    result = Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(extract)
    assert result.summary.checks["levels"]["birth_date"] == "5y"
    assert result.summary.checks["levels"]["address"] == "*"
    assert all(re.fullmatch(r"\d{4}-\d{4}", v) for v in result.frame["birth_date"])
    assert set(result.frame["address"]) == {"*"}
    data["checks"]["sharing"]["k_anonymity"]["levels"] = {"birth_date": "5y", "address": "city"}
    with pytest.raises(CheckFailed, match="k=3"):  # too precise for 300 people: refused
        Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(extract)


def test_hierarchy_names_are_checked() -> None:
    """An unknown hierarchy is a policy error naming the path and the allowed names."""
    data = sharing_policy().to_dict()
    data["checks"]["sharing"]["k_anonymity"]["hierarchies"] = {"address": "postcode"}
    with pytest.raises(Exception, match=r"hierarchies\.address.*region"):
        Policy.from_dict(data)
