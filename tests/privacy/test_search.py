"""Tests for medguard.privacy.search and .hierarchy: minimal results checked by brute force."""

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medguard.cn.region_lookup import region_code, region_codes
from medguard.errors import InvalidArgument, MedguardError, PrivacyError, UnsupportedColumn
from medguard.privacy import (
    GeneralizationResult,
    Hierarchy,
    NoSolution,
    search_generalization,
)

# -- an independent brute force ------------------------------------------------------------------


def _generalized(df, encoded, node):
    """The table with each column at the node's level (the hierarchy's labels), as a frame."""
    out = {}
    for (name, enc), level in zip(encoded.items(), node, strict=True):
        out[name] = enc.labels[level][enc.codes[level]]
    return pd.DataFrame(out, index=df.index)


def _brute_force(df, hierarchies, k, subject, max_suppressed, l=None, sensitive=None):  # noqa: E741
    """Every node: (satisfied, suppressed rows, precision loss), by a plain pandas groupby."""
    names = list(hierarchies)
    heights = [h.height for h in hierarchies.values()]
    allowed = math.floor(max_suppressed * len(df) + 1e-9)
    results = {}
    encoded = {name: h.encode(df[name], name) for name, h in hierarchies.items()}
    for node in itertools.product(*(range(h + 1) for h in heights)):
        gen = _generalized(df, encoded, node)
        gen = gen.map(lambda v: "<null>" if v is None or v != v else repr(v))
        gen["_who"] = df[subject].to_numpy() if subject else np.arange(len(df))
        if sensitive is not None:
            gen["_sens"] = df[sensitive].to_numpy()
        groups = gen.groupby(names, dropna=False)
        sizes = groups["_who"].transform("nunique")
        small = sizes < k
        if l is not None:
            small |= groups["_sens"].transform("nunique") < l
        s = int(small.sum())
        n, m = len(df), len(names)
        per_row = sum(lvl / h for lvl, h in zip(node, heights, strict=True))
        loss = (per_row * (n - s) + m * s) / (n * m)
        results[node] = (s <= allowed, s, loss)
    minimal = {
        node
        for node, (ok, _, _) in results.items()
        if ok
        and all(
            not results[(*node[:i], node[i] - 1, *node[i + 1 :])][0]
            for i in range(len(node))
            if node[i] > 0
        )
    }
    return results, minimal


def _visits(n=60, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "pid": rng.integers(0, n // 3, n),
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["男", "女"], n),
            "region": rng.choice(["440305", "440306", "110105", "北京市海淀区学院路1号"], n),
            "visit": rng.choice(["2025-01-03", "2025-02-11", "2025-05-20", "2024-11-30"], n),
        }
    )


H = {"age": Hierarchy.age(), "sex": Hierarchy.sex(), "region": Hierarchy.region(),
     "visit": Hierarchy.date()}  # fmt: skip


@pytest.mark.parametrize(("k", "max_suppressed"), [(2, 0.0), (3, 0.05), (4, 0.2)])
def test_result_is_minimal_and_least_loss_among_minimal_nodes(k, max_suppressed):
    """Checked exhaustively: the answer is a minimal satisfying node with the least loss."""
    df = _visits()
    result = search_generalization(df, H, k=k, subject="pid", max_suppressed=max_suppressed)
    results, minimal = _brute_force(df, H, k, "pid", max_suppressed)
    chosen = tuple(result.levels.values())
    assert chosen in minimal
    assert {tuple(n.values()) for n, _ in result.minimal_nodes} == minimal
    assert result.loss == pytest.approx(min(results[m][2] for m in minimal))
    assert result.suppressed_rows == results[chosen][1]
    assert result.nodes_evaluated <= result.lattice_size == len(results)


@pytest.mark.parametrize("loss", ["entropy", "discernibility"])
def test_other_losses_choose_among_the_same_minimal_nodes(loss):
    """With entropy or discernibility the minimal set is the same; the chosen one is least."""
    df = _visits()
    result = search_generalization(df, H, k=3, subject="pid", loss=loss)
    _, minimal = _brute_force(df, H, 3, "pid", 0.05)
    assert {tuple(n.values()) for n, _ in result.minimal_nodes} == minimal
    assert result.loss == min(value for _, value in result.minimal_nodes)
    assert result.loss_metric == loss


def test_k_in_subjects_matches_an_independent_groupby():
    """The k reported is the smallest kept class in distinct patients, as a groupby says."""
    df = _visits(n=200, seed=5)
    result = search_generalization(df, H, k=4, subject="pid", max_suppressed=0.1)
    qi = list(H)
    by_class = result.data.groupby(qi, dropna=False)["pid"].nunique()
    assert int(by_class.min()) == result.k >= 4
    assert len(result.data) == len(df) - result.suppressed_rows
    gone = df.loc[~df.index.isin(result.data.index), "pid"]
    assert result.suppressed_subjects == gone.nunique()


def test_visits_of_one_patient_count_once():
    """Ten visits of one patient do not make a class of ten: k is counted in people."""
    df = pd.DataFrame({"pid": ["P1"] * 10 + [f"Q{i}" for i in range(10)],
                       "sex": ["女"] * 10 + ["男"] * 10})  # fmt: skip
    result = search_generalization(df, {"sex": "sex"}, k=5, subject="pid", max_suppressed=0.0)
    assert result.level_names == {"sex": "*"}  # as is, the women's class is one person
    by_rows = search_generalization(df, {"sex": "sex"}, k=5, max_suppressed=0.0)
    assert by_rows.level_names == {"sex": "as is"}


def test_l_diversity_is_checked_exhaustively():
    """With l and a sensitive column (rows), the minimal set matches the brute force."""
    df = _visits(n=80, seed=9).assign(dx=lambda d: np.resize(["I10", "E11", "J18"], len(d)))
    hs = {"age": Hierarchy.age(), "sex": Hierarchy.sex(), "visit": Hierarchy.date()}
    result = search_generalization(df, hs, k=2, l=2, sensitive="dx", max_suppressed=0.1)
    _, minimal = _brute_force(df, hs, 2, None, 0.1, l=2, sensitive="dx")
    assert {tuple(n.values()) for n, _ in result.minimal_nodes} == minimal


_ROW = st.tuples(
    st.integers(0, 7),
    st.sampled_from(["x", "y", "z", None]),
    st.sampled_from(["2025-01-03", "2025-04-09", "2024-12-31", "bad", None]),
    st.integers(0, 9),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(_ROW, min_size=1, max_size=30),
    k=st.integers(1, 4),
    max_suppressed=st.sampled_from([0.0, 0.1, 0.3]),
    by_subject=st.booleans(),
)
def test_pruning_never_skips_a_better_node(rows, k, max_suppressed, by_subject):
    """On random small tables the search finds exactly the brute force's minimal nodes, and
    the least loss among them (or NoSolution exactly when the top fails)."""
    df = pd.DataFrame(rows, columns=["n", "c", "d", "pid"])
    hs = {
        "n": Hierarchy.numeric([2, 4]),
        "c": Hierarchy.custom({"x": ["xy"], "y": ["xy"], "z": ["z"]}),
        "d": Hierarchy.date(),
    }
    subject = "pid" if by_subject else None
    results, minimal = _brute_force(df, hs, k, subject, max_suppressed)
    if not minimal:
        with pytest.raises(NoSolution):
            search_generalization(df, hs, k=k, subject=subject, max_suppressed=max_suppressed)
        return
    result = search_generalization(df, hs, k=k, subject=subject, max_suppressed=max_suppressed)
    assert {tuple(n.values()) for n, _ in result.minimal_nodes} == minimal
    assert result.loss == pytest.approx(min(results[m][2] for m in minimal))


def test_no_solution_when_fewer_than_k_subjects():
    """Fewer than k patients in the whole table: even all '*' fails, NoSolution is raised."""
    df = pd.DataFrame({"pid": [1, 1, 2, 3], "sex": ["男", "女", "男", "女"]})
    with pytest.raises(NoSolution, match="k=4") as info:
        search_generalization(df, {"sex": "sex"}, k=4, subject="pid")
    assert isinstance(info.value, PrivacyError)
    assert isinstance(info.value, MedguardError)
    assert "男" not in str(info.value)


def test_fixed_levels_are_kept():
    """A policy's fixed levels (by index or name) are not searched."""
    df = _visits(n=120)
    result = search_generalization(df, H, k=3, subject="pid", fixed={"visit": "year", "sex": 0})
    assert result.levels["visit"] == 3
    assert result.levels["sex"] == 0
    assert set(result.data["visit"]) <= {"2024", "2025"}
    assert result.lattice_size == 6 * 5
    with pytest.raises(InvalidArgument, match="no level"):
        search_generalization(df, H, k=3, fixed={"visit": "decade"})
    with pytest.raises(InvalidArgument, match="without a hierarchy"):
        search_generalization(df, H, k=3, fixed={"pid": 0})


def test_mark_keeps_suppressed_rows_with_stars():
    """suppressed='mark' keeps every row, with all searched columns '*' on suppressed ones."""
    df = _visits(n=100)
    removed = search_generalization(df, H, k=3, subject="pid", max_suppressed=0.2)
    marked = search_generalization(df, H, k=3, subject="pid", max_suppressed=0.2,
                                   suppressed="mark")  # fmt: skip
    assert len(marked.data) == len(df)
    stars = (marked.data[list(H)] == "*").all(axis=1)
    assert int(stars.sum()) >= removed.suppressed_rows


def test_dirty_values_are_suppressed_not_raised():
    """None, NaN, bad dates, unknown regions, bytes and odd ages become '*' or stay null."""
    df = pd.DataFrame(
        {
            "pid": range(8),
            "visit": ["2025-01-03", None, np.nan, "2025-13-40", b"x", dt.date(2025, 1, 9),
                      "2025-01-20", 20250104],
            "region": ["火星基地", None, "999999", "440305", 440305.0, "广东省深圳市南山区",
                       "深圳市", True],
            "age": [30, -1, "old", None, float("inf"), 151, 31.0, "32"],
        }
    )  # fmt: skip
    hs = {"visit": "date", "region": "region", "age": "age"}
    result = search_generalization(df, hs, k=1, fixed={"visit": "month", "region": "city",
                                                       "age": "5y bands"})  # fmt: skip
    out = result.data
    assert out["visit"].tolist() == ["2025-01", None, None, "*", "*", "2025-01", "2025-01",
                                     "2025-01"]  # fmt: skip
    assert out["region"].tolist() == ["*", None, "*", "440300", "*", "440300", "440300", "*"]
    assert out["age"].tolist() == ["30-34", "*", "*", None, "*", "*", "30-34", "30-34"]


def test_levels_must_nest():
    """A custom hierarchy whose level splits a class of the level below is refused."""
    df = pd.DataFrame({"v": ["a", "b", "c"]})
    bad = Hierarchy.custom([lambda v: ["1", "1", "2"], lambda v: ["p", "q", "q"]])
    with pytest.raises(InvalidArgument, match="nest"):
        search_generalization(df, {"v": bad}, k=1)
    failing = Hierarchy.custom([lambda v: 1 / 0])
    with pytest.raises(InvalidArgument, match="failed"):
        search_generalization(df, {"v": failing}, k=1)


def test_custom_hierarchy_from_a_mapping():
    """A mapping value → levels generalizes; values missing from it are suppressed."""
    df = pd.DataFrame({"dx": ["E11.9", "E10.1", "I10", "Z99"] * 3, "pid": range(12)})
    h = Hierarchy.custom({"E11.9": ["E11", "diabetes"], "E10.1": ["E10", "diabetes"],
                          "I10": ["I10", "hypertension"]}, names=["category", "group"])  # fmt: skip
    result = search_generalization(df, {"dx": h}, k=6, subject="pid", max_suppressed=0.5)
    assert result.level_names == {"dx": "group"}
    assert set(result.data["dx"]) == {"diabetes"}
    assert result.suppressed_rows == 6


def test_arguments_are_checked():
    """Bad arguments raise InvalidArgument naming the problem."""
    df = _visits(n=20)
    for kwargs, message in [
        ({"k": 0}, "k must"),
        ({"k": 2, "max_suppressed": 1.0}, "max_suppressed"),
        ({"k": 2, "loss": "gain"}, "loss"),
        ({"k": 2, "l": 2}, "needs both"),
        ({"k": 2, "suppressed": "hide"}, "suppressed"),
    ]:
        with pytest.raises(InvalidArgument, match=message):
            search_generalization(df, H, **kwargs)
    with pytest.raises(InvalidArgument, match="not in the table"):
        search_generalization(df, {"nope": "sex"}, k=2)
    with pytest.raises(InvalidArgument, match="hierarchy is"):
        search_generalization(df, {"sex": "gender"}, k=2)
    with pytest.raises(InvalidArgument, match="missing IDs"):
        search_generalization(df.assign(pid=None), H, k=2, subject="pid")
    with pytest.raises(NoSolution):
        search_generalization(df.iloc[:0], H, k=2)
    with pytest.raises(UnsupportedColumn, match="unhashable"):
        search_generalization(pd.DataFrame({"a": [[1], [2]]}), {"a": "sex"}, k=1)


def test_result_repr_and_html_show_levels_not_values():
    """The repr and the notebook HTML show levels and figures, never a row's values."""
    df = _visits(n=100)
    result = search_generalization(df, H, k=3, subject="pid")
    assert isinstance(result, GeneralizationResult)
    text, html = repr(result), result._repr_html_()
    assert "k=" in text
    assert "nodes evaluated" in text
    assert "<table" in html
    assert "学院路" not in text + html
    assert "440305" not in text + html


def test_age_and_numeric_hierarchies_refuse_bands_that_do_not_nest():
    """Widths that do not divide each other, or cut-offs off the bands, are refused."""
    with pytest.raises(InvalidArgument):
        Hierarchy.age((5, 8))
    with pytest.raises(InvalidArgument):
        Hierarchy.age((5, 10, 20), top=85)
    with pytest.raises(InvalidArgument):
        Hierarchy.numeric([2, 3])
    with pytest.raises(InvalidArgument):
        Hierarchy.numeric([10], top=15)


# -- region lookup -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("北京市朝阳区建国路88号", "110105"),
        ("广东省深圳市南山区科技园路18号3栋502", "440305"),
        ("上海市浦东新区张江路", "310115"),
        ("深圳南山区", "440305"),
        ("浙江杭州西湖区文三路", "330106"),
        ("吉林市船营区", "220204"),
        ("辽宁省朝阳市双塔区", "211302"),
        ("海淀区", "110108"),
        ("广东省", "440000"),
        ("北京", "110000"),
        ("深圳市", "440300"),
        ("广东省不存在区", "440000"),
        ("44030519900101123X", "440305"),
        ("440305", "440305"),
        (440305, "440305"),
        ("朝阳区", None),  # Beijing or Changchun: ambiguous, not guessed
        ("南山区", None),
        ("999999", None),
        ("火星", None),
        ("", None),
        (None, None),
        (440305.0, None),
        (True, None),
        ("北" * 500, None),
    ],
)
def test_region_code_from_addresses_names_and_codes(text, code):
    """Addresses and names resolve to the deepest GB/T 2260 level that is unambiguous."""
    assert region_code(text) == code


def test_region_codes_maps_a_column():
    """region_codes maps each value of a column, unhashable values to None."""
    out = region_codes(["北京市海淀区", None, ["x"], "北京市海淀区"])
    assert out.tolist() == ["110108", None, None, "110108"]


def test_generated_addresses_resolve_to_their_district():
    """Addresses generated from the GB/T 2260 table resolve to a district named in them."""
    import random

    from medguard.cn import address, regions

    rng = random.Random(7)
    hits = 0
    for _ in range(500):
        text = address.generate(rng)
        code = region_code(text)
        hits += code is not None and code[4:] != "00" and (regions.name_of(code) or "~") in text
    assert hits >= 495


def test_region_hierarchy_reads_addresses():
    """The region hierarchy takes addresses and IDs to district, city and province codes."""
    enc = Hierarchy.region().encode(pd.Series(["广东省深圳市南山区xx路", "44030619800101002X"]))
    assert [enc.labels[j][enc.codes[j]].tolist() for j in (1, 2, 3)] == [
        ["440305", "440306"],
        ["440300", "440300"],
        ["440000", "440000"],
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet="北京市朝阳区广东省深圳南山县州自治0123456789X", max_size=20),
        st.integers(),
        st.floats(),
        st.none(),
        st.binary(max_size=8),
    )
)
def test_region_code_never_raises_and_gives_known_codes(value):
    """Any value gives None or a six-digit GB/T 2260 code that the table knows."""
    from medguard.cn import regions

    code = region_code(value)
    assert code is None or (len(code) == 6 and regions.is_known(code))


def test_entropy_loss_matches_its_definition():
    """Non-uniform entropy: -log2(count of original / count of generalized) over kept cells,
    suppressed rows counted as '*', divided by the all-'*' table's."""
    df = _visits(n=150, seed=11)
    result = search_generalization(df, H, k=3, subject="pid", loss="entropy", max_suppressed=0.1)
    kept = df.index.isin(result.data.index)
    total = top = 0.0
    for name, hierarchy in H.items():
        enc = hierarchy.encode(df[name], name)
        level = result.levels[name]
        original = pd.Series(enc.codes[0]).map(pd.Series(enc.codes[0]).value_counts())
        general = pd.Series(enc.codes[level]).map(pd.Series(enc.codes[level]).value_counts())
        cells = np.log2(general.to_numpy() / original.to_numpy())
        stars = np.log2(len(df) / original.to_numpy())
        total += float(np.where(kept, cells, stars).sum())
        top += float(stars.sum())
    assert result.loss == pytest.approx(total / top)
    assert result.suppressed_rows > 0
