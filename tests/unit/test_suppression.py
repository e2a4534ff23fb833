"""Small-cell suppression and the personal-data scanner (all data below is made up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates import suppression
from analysis.parallel import ProcessMapper


def test_primary_and_complementary_suppression_by_hand():
    t = pd.DataFrame({
        "kec": ["A", "A", "A", "B", "B", "C", "D", "D", "D"],
        "n":   [3,   10,  7,   2,   4,   3,   3,   0,   8],
    })
    out = suppression.suppress_small_counts(t, "n", min_cell=5, group_cols="kec")
    # A: 3 hidden; the total would reveal it → next smallest (7) hidden too
    # B: both cells small → both "<5", nothing more needed
    # C: single cell: left to whoever publishes its total
    # D: 3 hidden; the next-smallest *positive* cell is 8 (a zero protects nothing)
    assert out["n_display"].tolist() == ["<5", "10", "*", "<5", "<5", "<5", "<5", "0", "*"]
    assert out["suppressed"].tolist() == [True, False, True, True, True, True, True, False, True]
    assert out["n"].tolist() == t["n"].tolist()  # counts untouched, input not modified
    assert "n_display" not in t


def test_whole_table_is_one_group_by_default_and_config_min_cell():
    t = pd.DataFrame({"kel": list("abcd"), "n": [1234, 4, 60, 12]})
    out = suppression.suppress_small_counts(t, "n", lang="id")  # min_cell from settings.yml: 5
    assert out["n_display"].tolist() == ["1.234", "<5", "60", "*"]
    out = suppression.suppress_small_counts(t, "n", min_cell=20, lang="en")
    assert out["n_display"].tolist() == ["1,234", "<20", "60", "<20"]  # two hidden: enough
    out = suppression.suppress_small_counts(t, "n", complementary=False)
    assert out["n_display"].tolist() == ["1.234", "<5", "60", "12"]


def test_several_columns_missing_values_and_zero():
    t = pd.DataFrame({"g": [1, 1, 1], "boys": [0, 6, 9], "girls": [np.nan, 2, 30]})
    out = suppression.suppress_small_counts(t, ["boys", "girls"], group_cols=["g"])
    assert out["boys_display"].tolist() == ["0", "6", "9"]
    assert out["girls_display"].tolist() == ["", "<5", "*"]
    assert out["suppressed"].tolist() == [False, True, True]


def test_no_group_with_a_single_hidden_cell_random_tables():
    rng = np.random.default_rng(3)
    t = pd.DataFrame({"g": rng.integers(0, 30, 600), "n": rng.integers(0, 15, 600)})
    out = suppression.suppress_small_counts(t, "n", group_cols="g")
    hidden = out["n_display"].isin(["<5", "*"])
    size = out.groupby("g")["n"].transform("size")
    per_group = hidden.groupby(out["g"]).transform("sum")
    # a group with a hidden cell and more than one cell has at least two hidden cells
    assert not ((per_group == 1) & (size > 1)).any()
    primary = (t["n"] >= 1) & (t["n"] <= 4)
    assert (out.loc[primary, "n_display"] == "<5").all()
    # complementary cells are never small counts themselves (those are primary)
    assert not (out["n_display"].eq("*") & primary).any()


def test_bad_input_names_the_column():
    with pytest.raises(RakorInputError, match="'n'.*-1.*1 row"):
        suppression.suppress_small_counts(pd.DataFrame({"n": [-1, 3]}), "n")
    with pytest.raises(RakorInputError, match="jumlah"):
        suppression.suppress_small_counts(pd.DataFrame({"n": [1]}), "jumlah")


# --------------------------------------------------------------------------------------------
# The rule for the estimates table (suppression.suppress) and the published copy
# --------------------------------------------------------------------------------------------

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis.estimates.store import published_estimates  # noqa: E402
from analysis.estimates.suppression import suppress  # noqa: E402
from analysis.estimates.table import ESTIMATE_COLUMNS  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from disclosure_audit import revealed_small_counts  # noqa: E402

KOTA = "64.74"


def _row(indicator, code, estimate, *, n=np.nan, unit="count", source="program", method="count",
         breakdown="total", data_period="2025-02"):
    level = {0: "kota", 1: "kota", 2: "kecamatan", 3: "kelurahan"}[code.count(".")]  # 0: a province region
    return dict(period="2025-03", data_period=data_period, area_level=level, area_code=code, area_name=None,
                indicator=indicator, breakdown=breakdown, n=n, n_weighted=n, estimate=estimate, se=np.nan,
                ci_low=np.nan, ci_high=np.nan, df=np.nan, deff=np.nan, p_value=np.nan, method=method,
                source=source, unit=unit, reliability=None, suppressed=False, note=None)


def _table(rows):
    return pd.DataFrame(rows)[ESTIMATE_COLUMNS]


def _counts(indicator, per_kel: dict[str, float], source="dtsen", breakdown="total"):
    """Kelurahan counts with their kecamatan and kota sums (as counts_by_area writes them)."""
    rows = [_row(indicator, c, v, source=source, breakdown=breakdown) for c, v in per_kel.items()]
    kec: dict[str, float] = {}
    for c, v in per_kel.items():
        kec[c.rsplit(".", 1)[0]] = kec.get(c.rsplit(".", 1)[0], 0) + v
    rows += [_row(indicator, c, v, source=source, breakdown=breakdown) for c, v in kec.items()]
    rows.append(_row(indicator, KOTA, sum(per_kel.values()), source=source, breakdown=breakdown))
    return rows


def test_small_counts_are_hidden_with_a_complementary_cell():
    """3 is hidden as "<5"; the kecamatan total would reveal it, so the next smallest (10) is "*"."""
    est = suppress(_table(_counts("dtsen_desil1_families", {"64.74.01.1001": 3, "64.74.01.1002": 10,
                                                            "64.74.01.1003": 20, "64.74.02.1001": 30})), 5)
    by = est.set_index("area_code")
    assert by.loc["64.74.01.1001", "note"] == "<5" and by.loc["64.74.01.1002", "note"] == "*"
    assert not by.loc["64.74.01.1003", "suppressed"] and not by.loc[KOTA, "suppressed"]


def test_a_hidden_kecamatan_is_not_given_away_by_its_kelurahan():
    """Kecamatan 02 holds 3 (hidden); kota − kecamatan 01 would give it unless 01 is hidden too, and
    hiding 01 is useless while its kelurahan are all shown: one of them must go as well."""
    est = suppress(_table(_counts("children_measured", {"64.74.01.1001": 12, "64.74.01.1002": 20,
                                                        "64.74.02.1001": 3}, source="eppgbm")), 5)
    pub = published_estimates(est, 5)
    assert revealed_small_counts(pub, 5) == []
    assert est.set_index("area_code").loc["64.74.02", "note"] == "<5"


def test_zero_is_shown_and_survey_rows_are_exempt_and_labelled():
    rows = _counts("stunting_count", {"64.74.01.1001": 0, "64.74.01.1002": 2, "64.74.01.1003": 4},
                   source="eppgbm")
    rows.append(_row("poverty_p0", KOTA, 0.01, n=3.0, unit="proportion", source="susenas",
                     method="direct:logit"))
    est = suppress(_table(rows), 5)
    assert est.loc[est["estimate"] == 0, "suppressed"].eq(False).all()
    survey = est[est["source"] == "susenas"].iloc[0]
    assert not survey["suppressed"] and survey["note"] == "survey-weighted: RSE rule"


def test_a_rate_is_hidden_when_its_cases_or_non_cases_are_few():
    rows = [_row("wasting", "64.74.01.1001", 3 / 40, n=40.0, unit="proportion", source="eppgbm",
                 method="direct:logit"),   # 3 cases
            _row("wasting", "64.74.01.1002", 38 / 40, n=40.0, unit="proportion", source="eppgbm",
                 method="direct:logit"),   # 2 non-cases
            _row("wasting", "64.74.01.1003", 10 / 40, n=40.0, unit="proportion", source="eppgbm",
                 method="direct:logit"),
            _row("wasting", "64.74.02.1001", 20 / 50, n=50.0, unit="proportion", source="eppgbm",
                 method="direct:logit")]
    est = suppress(_table(rows), 5)
    assert est["suppressed"].tolist() == [True, True, False, False]
    assert est["note"].tolist()[:2] == ["<5", "<5"]


def test_a_change_is_hidden_when_either_figure_is():
    rows = [_row("stunting", "64.74.01.1001", 2 / 50, n=50.0, unit="proportion", source="eppgbm",
                 method="direct:logit", data_period="2024-08"),
            _row("stunting", "64.74.01.1001", 10 / 50, n=50.0, unit="proportion", source="eppgbm",
                 method="direct:logit", data_period="2025-02"),
            _row("stunting_change", "64.74.01.1001", 0.16, n=50.0, unit="proportion", source="eppgbm",
                 method="difference:independent", breakdown="since=2024-08")]
    est = suppress(_table(rows), 5)
    assert est["suppressed"].tolist() == [True, False, True]


def test_min_cell_comes_from_config_without_a_default(monkeypatch):
    from analysis import config

    monkeypatch.setattr(config, "settings", lambda: {"privacy": {}})
    with pytest.raises(RakorInputError, match="privacy.min_cell"):
        suppression.configured_min_cell()
    with pytest.raises(RakorInputError, match="privacy.min_cell"):
        suppression.suppress_small_counts(pd.DataFrame({"n": [1]}), "n")


def _random_table(data, min_cell):
    """Counts, their rates and a sex breakdown per kelurahan / kecamatan / kota."""
    n_kec = data.draw(st.integers(1, 3))
    kel = [f"64.74.0{k}.100{j}" for k in range(1, n_kec + 1) for j in range(1, data.draw(st.integers(1, 4)) + 1)]
    small = st.integers(0, 3 * min_cell)
    target = {c: data.draw(small) for c in kel}
    reached = {c: data.draw(st.integers(0, target[c])) for c in kel}
    rows = _counts("programme_target", target, "program", "programme=x")
    rows += _counts("programme_reached", reached, "program", "programme=x")
    rows += _counts("programme_excluded", {c: target[c] - reached[c] for c in kel}, "program", "programme=x")
    rows += _counts("dtsen_desil1_families", {c: data.draw(small) for c in kel})
    # rates: programme coverage (n = target) and stunting by sex (n = children measured)
    t_sum = {r["area_code"]: r["estimate"] for r in rows if r["indicator"] == "programme_target"}
    r_sum = {r["area_code"]: r["estimate"] for r in rows if r["indicator"] == "programme_reached"}
    for code, t in t_sum.items():
        rows.append(_row("programme_coverage", code, r_sum[code] / t if t else np.nan, n=float(t),
                         unit="proportion", method="ratio:register", breakdown="programme=x"))
    cases = {(c, s): data.draw(small) for c in kel for s in (1, 2)}
    measured = {(c, s): cases[c, s] + data.draw(small) for c in kel for s in (1, 2)}
    for name, d in (("stunting_count", cases), ("children_measured", measured)):
        rows += _counts(name, {c: d[c, 1] + d[c, 2] for c in kel}, "eppgbm")
    areas = {}
    for (c, s), v in cases.items():
        for code in (c, c.rsplit(".", 1)[0], KOTA):
            for bd in ("total", f"sex={s}"):
                k, n = areas.get((code, bd), (0, 0))
                areas[code, bd] = (k + v, n + measured[c, s])
    for (code, bd), (k, n) in areas.items():
        if n:
            rows.append(_row("stunting", code, k / n, n=float(n), unit="proportion", source="eppgbm",
                             method="direct:logit", breakdown=bd))
    return _table(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), min_cell=st.integers(3, 6))
def test_no_published_row_reveals_a_small_count(data, min_cell):
    """For random tables, no route (count, rate × n, total minus parts) recovers 1 … min_cell − 1."""
    table = _random_table(data, min_cell)
    published = published_estimates(suppress(table, min_cell), min_cell)
    assert revealed_small_counts(published, min_cell) == []


def test_a_cross_of_sex_and_age_is_not_given_away_by_its_margins():
    """3 stunted boys aged 0-5 months: age=0-5 (23) minus the girls (20) would give them away, as
    would sex=1 (33) minus the older boys (30); neither route may stay open."""
    cells = {"total": 93, "sex=1": 33, "sex=2": 60, "age=0-5": 23, "age=6-11": 70,
             "sex=1,age=0-5": 3, "sex=2,age=0-5": 20, "sex=1,age=6-11": 30, "sex=2,age=6-11": 40}
    est = _table([_row("stunting_count", "64.74.01", v, source="eppgbm", breakdown=bd) for bd, v in cells.items()])
    pub = published_estimates(suppress(est, 5), 5).set_index("breakdown")["estimate"]
    assert np.isnan(pub["sex=1,age=0-5"])
    assert np.isnan(pub["age=0-5"]) or np.isnan(pub["sex=2,age=0-5"])
    assert np.isnan(pub["sex=1"]) or np.isnan(pub["sex=1,age=6-11"])
    assert revealed_small_counts(published_estimates(suppress(est, 5), 5), 5) == []


def test_a_mean_z_of_fewer_than_min_cell_children_is_hidden_with_its_n():
    est = _table([
        _row("haz_mean", "64.74.01", -1.234, n=3, unit="z", source="eppgbm", method="direct:mean",
             breakdown="sex=1,age=48-59"),
        _row("haz_mean", "64.74.02", -0.9, n=40, unit="z", source="eppgbm", method="direct:mean",
             breakdown="sex=1,age=48-59"),
        _row("haz_mean", "64.74.03", -0.5, n=2, unit="z", source="susenas", method="direct:mean"),
    ])
    out = published_estimates(suppress(est, min_cell=5), min_cell=5).set_index("area_code")
    assert np.isnan(out.loc["64.74.01", "estimate"]) and np.isnan(out.loc["64.74.01", "n"])
    assert out.loc["64.74.01", "note"] == "<5"
    assert out.loc["64.74.02", "estimate"] == -0.9 and out.loc["64.74.02", "n"] == 40
    assert out.loc["64.74.03", "estimate"] == -0.5  # survey rows follow the RSE rule instead


def test_a_small_kab_kota_count_is_protected_against_the_province_total():
    """A province region: its kab/kota add up to it. Kab/kota 65.01 holds 3 (hidden); the province
    total minus the other two would give it unless one of them is hidden too."""
    kk = {"65.01": 3, "65.02": 40, "65.03": 25}
    rows = [_row("dtsen_desil1_families", c, v, source="dtsen") | {"area_level": "kabkota"} for c, v in kk.items()]
    rows.append(_row("dtsen_desil1_families", "65", sum(kk.values()), source="dtsen") | {"area_level": "kota"})
    est = suppress(_table(rows), 5)
    by = est.set_index("area_code")
    assert by.loc["65.01", "note"] == "<5"
    shown = {c: v for c, v in kk.items() if not by.loc[c, "suppressed"]}
    province_shown = not by.loc["65", "suppressed"]
    # by hand: with the total and both other kab/kota shown, 68 - 40 - 25 = 3 would be read off
    assert not (province_shown and len(shown) == 2)
    assert by.loc["65.03", "note"] == "*"  # the smallest positive other cell is the complement
    assert province_shown and not by.loc["65.02", "suppressed"]


def test_null_space_of_independent_blocks_is_the_whole_null_space():
    """The core solved block by block spans the same null space as the whole matrix (scipy's SVD)."""
    from scipy.linalg import null_space

    from analysis.estimates.suppression import _block_null_space

    rng = np.random.default_rng(4)
    a = np.zeros((9, 12))
    # three blocks of sums (rows) over disjoint unknowns (columns), rows and columns shuffled
    for rows, cols in (((0, 1, 2), (0, 1, 2, 3)), ((3, 4, 5, 6), (4, 5, 6, 7, 8)), ((7, 8), (9, 10, 11))):
        for r in rows:
            a[r, rng.choice(cols, size=2, replace=False)] = rng.choice([-1.0, 1.0], size=2)
    a = a[rng.permutation(9)][:, rng.permutation(12)]
    got, want = _block_null_space(a), null_space(a)
    assert got.shape[1] == want.shape[1]
    np.testing.assert_allclose(got @ np.linalg.pinv(got), want @ want.T, atol=1e-9)  # same projector
    np.testing.assert_allclose(a @ got, 0, atol=1e-12)


def test_null_space_of_more_sums_than_unknowns_with_empty_sums():
    """An interface's system has more rows than unknowns, many of them zero: its null space is still
    scipy's (orthonormal, the same projector), from R of a plain QR with the zero rows dropped."""
    from scipy.linalg import null_space

    from analysis.estimates.suppression import _null_space

    rng = np.random.default_rng(11)
    base = rng.choice([-1.0, 0.0, 1.0], size=(12, 30), p=[0.2, 0.6, 0.2])  # rank ≤ 12 of 30 unknowns
    a = np.vstack([base, rng.integers(-2, 3, size=(40, 12)) @ base, np.zeros((25, 30))])
    a = a[rng.permutation(len(a))]  # 77 rows: combinations of the 12 and zero rows, shuffled
    got, want = _null_space(a), null_space(a)
    assert got.shape == want.shape and want.shape[1] >= 18
    np.testing.assert_allclose(got.T @ got, np.eye(got.shape[1]), atol=1e-12)
    np.testing.assert_allclose(got @ got.T, want @ want.T, atol=1e-9)
    assert _null_space(np.zeros((5, 4))).shape == (4, 4)  # no sum: every unknown free


def _determined_rows(basis: np.ndarray) -> np.ndarray:
    """Rows that are zero in every vector the columns span (an orthonormal basis of them)."""
    from scipy.linalg import orth

    q = orth(basis) if basis.shape[1] else basis
    return np.linalg.norm(q, axis=1) < 1e-9


def _null_vectors(a, codes, k):
    from analysis.estimates import suppression

    return suppression._area_null_vectors(a, codes, np.random.default_rng(7), k)


def test_area_by_area_null_space_solves_across_areas_by_hand(monkeypatch):
    """By hand: the province total P = K1 + K2 is shown, kab/kota K2 equals its single kecamatan
    K2a (shown), and K1 = K1a + K1b with K1a shown. Then K2, K1 = P − K2 and K1b = K1 − K1a are
    read off, though they sit in two kab/kota and two levels; K1b's desa d1 + d2 are not."""
    from scipy.sparse import csr_matrix

    from analysis.estimates import suppression

    monkeypatch.setattr(suppression, "AREA_SPLIT_FROM", 0)
    codes = ["65.01", "65.02", "65.01.02", "65.01.02.2001", "65.01.02.2002"]  # K1, K2, K1b, d1, d2
    a = np.array([[1, 1, 0, 0, 0],      # P (shown) = K1 + K2
                  [1, 0, -1, 0, 0],     # K1 = K1a (shown) + K1b
                  [0, 1, 0, 0, 0],      # K2 = K2a (shown)
                  [0, 0, 1, -1, -1]],   # K1b = d1 + d2
                 dtype=float)
    assert suppression._area_split(csr_matrix(a), codes) is not None  # split, not the whole matrix
    for k in (1, 3):  # one random solution is enough to tell the determined cells
        x = _null_vectors(a, codes, k)
        assert x.shape == (5, k)
        assert (np.abs(x).max(axis=1) < 1e-12).tolist() == [True, True, True, False, False]
        np.testing.assert_allclose(a @ x, 0, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_area_by_area_null_space_is_the_whole_null_space(seed, monkeypatch):
    """A province's sums (desa in kecamatan in kab/kota, a cross of breakdowns, the province's
    own cells) solved area by area: as many random solutions as the null space's dimension span
    scipy's SVD null space of the whole matrix, and a single one is zero in the same (determined)
    cells; the interface is solved area by area again one level up."""
    from scipy.linalg import null_space
    from scipy.sparse import csr_matrix

    from analysis.estimates import suppression

    monkeypatch.setattr(suppression, "AREA_SPLIT_FROM", 20)
    rng = np.random.default_rng(seed)
    codes, rel = ["65"] * 3, []
    for k in range(1, 4):
        kab = len(codes)
        codes.append(f"65.0{k}")
        for c in range(1, 4):
            kec = len(codes)
            codes.append(f"65.0{k}.0{c}")
            desa = list(range(len(codes), len(codes) + 4))
            codes += [f"65.0{k}.0{c}.200{d}" for d in range(1, 5)]
            rel.append([kec, *desa])                                        # kecamatan = its desa
            for _ in range(3):                                              # breakdowns, crosses
                rel.append(list(rng.choice(desa, size=2, replace=False)))
        rel.append([kab, *[i for i, c in enumerate(codes) if c.count(".") == 2 and c.startswith(f"65.0{k}")]])
    rel.append([0, *[i for i, c in enumerate(codes) if c.count(".") == 1]])  # province = kab/kota
    rel += [[0, 1, 2], [1, 4]]
    a = np.zeros((len(rel), len(codes)))
    for i, cells in enumerate(rel):
        a[i, cells[0]] = 1.0
        a[i, cells[1:]] = rng.choice([-1.0, 1.0], size=len(cells) - 1)
    a = a[rng.permutation(len(rel))]
    want = null_space(a)
    got = _null_vectors(a, codes, want.shape[1])
    assert suppression._area_split(csr_matrix(a), codes) is not None
    assert np.linalg.matrix_rank(got, tol=1e-8) == want.shape[1]
    np.testing.assert_allclose(a @ got, 0, atol=1e-10)
    np.testing.assert_allclose(got @ np.linalg.pinv(got), want @ want.T, atol=1e-8)  # same projector
    assert (_determined_rows(got) == _determined_rows(want)).all()
    assert _determined_rows(want).any() and not _determined_rows(want).all()
    one = _null_vectors(a, codes, 1)[:, 0]
    assert ((np.abs(one) < 1e-9) == _determined_rows(want)).all()


def _merged(parts: list[tuple]) -> tuple:
    """The systems of ``_parts`` as one (the whole table's, settled at once)."""
    values, relations, rows, n_cells, protected = {}, [], [], [], {}
    for v, r, w, n, p in parts:
        values |= v
        relations += r
        rows += w
        n_cells += n
        protected |= p
    return values, relations, rows, n_cells, protected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), min_cell=st.integers(3, 6))
def test_independent_systems_settled_apart_give_the_plan_of_the_whole_table(data, min_cell):
    """The programme, DTSEN and stunting cells share no sum: settled one by one, in any order or at
    once as one system (as before the split), the same rows are hidden."""
    from analysis.estimates import suppression

    table = _random_table(data, min_cell)
    split = suppression.plan_suppression(table, min_cell, lambda fn, parts: [fn(p) for p in parts[::-1]][::-1])
    whole = suppression.plan_suppression(table, min_cell, lambda fn, parts: [fn(_merged(parts))])
    alone = suppression.plan_suppression(table, min_cell)
    for plan in (whole, alone):
        for name in ("hidden", "primary", "hide_n"):
            np.testing.assert_array_equal(getattr(plan, name), getattr(split, name))


def test_systems_are_split_by_shared_sums_and_data_period():
    """Two data periods of one count and an unrelated count: three systems, each holding a small
    cell; a count without small cells has nothing to settle."""
    from analysis.estimates import suppression

    rows = []
    for period in ("2024-08", "2025-02"):
        rows += [{**r, "data_period": period} for r in _counts("children_measured", {
            "64.74.01.1001": 3, "64.74.01.1002": 10, "64.74.02.1001": 30}, source="eppgbm")]
    rows += _counts("dtsen_desil1_families", {"64.74.01.1001": 2, "64.74.01.1002": 12, "64.74.02.1001": 7})
    rows += _counts("dtsen_members", {"64.74.01.1001": 20, "64.74.01.1002": 12, "64.74.02.1001": 70})
    table = _table(rows)
    parts = []
    plan = suppression.plan_suppression(table, 5, lambda fn, p: parts.extend(p) or [fn(x) for x in p])
    assert len(parts) == 3
    assert all(len({c[3] for c in part[0]}) == 1 and len({c[0] for c in part[0]}) == 1 for part in parts)
    assert not any(c[0] == "dtsen_members" for part in parts for c in part[0])
    pub = published_estimates(suppress(table, 5), 5)
    assert revealed_small_counts(pub, 5) == [] and plan.hidden.sum() >= 6


def _doubled_here_only(part: tuple) -> int:
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:  # a pool's process dies
        os._exit(1)
    return 2 * part[0][0]


def test_a_broken_process_pool_runs_the_parts_here_and_says_so():
    with pytest.warns(RuntimeWarning, match="process pool broke.*_doubled_here_only runs in this process"):
        got = ProcessMapper(workers=2)(_doubled_here_only, [([1],), ([2],), ([3],)])
    assert got == [2, 4, 6]


def test_a_process_pool_settles_the_systems_to_the_same_plan():
    """``ProcessMapper`` (the pandas engine's, here with the pool forced on) hides the same rows."""
    from analysis.estimates import suppression

    rows = []
    for period in ("2024-08", "2025-02"):
        rows += [{**r, "data_period": period} for r in _counts("children_measured", {
            "64.74.01.1001": 3, "64.74.01.1002": 10, "64.74.01.1003": 4, "64.74.02.1001": 30}, source="eppgbm")]
    table = _table(rows)
    pooled = suppression.plan_suppression(table, 5, ProcessMapper(workers=2))
    alone = suppression.plan_suppression(table, 5)
    for name in ("hidden", "primary", "hide_n"):
        np.testing.assert_array_equal(getattr(pooled, name), getattr(alone, name))
    assert pooled.hidden.sum() >= 4
