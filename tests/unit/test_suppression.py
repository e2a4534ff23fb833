"""Small-cell suppression and the personal-data scanner (all data below is made up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates import suppression


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
