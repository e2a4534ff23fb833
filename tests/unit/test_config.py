"""Loading config/settings.yml: a broken or incomplete file stops at once, naming the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from analysis import config
from analysis.errors import RakorInputError


@pytest.fixture
def good() -> dict:
    return copy.deepcopy(config.settings())


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A temporary config/ folder, read instead of the real one (the cache is cleared around it)."""
    monkeypatch.setattr(config, "CONFIG_DIR", tmp_path)
    config.load_yaml.cache_clear()
    yield tmp_path
    config.load_yaml.cache_clear()


def test_the_workspace_settings_are_valid(good):
    config.validate_settings(good)  # no error
    assert isinstance(good["privacy"]["min_cell"], int) and good["privacy"]["min_cell"] > 0


@pytest.mark.parametrize("dotted", ["privacy.min_cell", "estimation.reliability.caution_max_rse",
                                    "region.code", "sae.n_boot", "programmes"])
def test_a_missing_key_is_named(good, dotted):
    *parents, last = dotted.split(".")
    node = good
    for p in parents:
        node = node[p]
    del node[last]
    with pytest.raises(RakorInputError, match=f"`{dotted}` is missing"):
        config.validate_settings(good)


@pytest.mark.parametrize("value", [0, -5, "5", 5.5, True, None])
def test_min_cell_must_be_a_positive_whole_number(good, value):
    good["privacy"]["min_cell"] = value
    with pytest.raises(RakorInputError, match=r"`privacy\.min_cell` must be a positive whole number; got"):
        config.validate_settings(good)


def test_wrong_types_and_values_are_named(good):
    cases = [
        (("region", "code"), 64.74, "region.code"),            # unquoted in YAML: a float
        (("estimation", "ci_method"), "wald-normal", "estimation.ci_method"),
        (("sae", "variance"), "delta", "sae.variance"),
        (("convergence", "poor_max_desil"), 11, "convergence.poor_max_desil"),
        (("focus_kelurahan", "codes"), ["64.74.01"], "focus_kelurahan.codes"),
        (("poverty_line_table", "extreme_choice"), 391000, "poverty_line_table.extreme_choice"),
    ]
    for path, value, named in cases:
        bad = copy.deepcopy(good)
        node = bad
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
        with pytest.raises(RakorInputError, match=named.replace(".", r"\.")):
            config.validate_settings(bad)
    bad = copy.deepcopy(good)
    bad["programmes"][0]["kind"] = "bantuan"
    with pytest.raises(RakorInputError, match="`programmes`"):
        config.validate_settings(bad)


def test_rse_thresholds_in_order(good):
    good["estimation"]["reliability"]["reliable_max_rse"] = 60
    with pytest.raises(RakorInputError, match="reliable_max_rse.*must be below"):
        config.validate_settings(good)


def test_option_lists_are_those_of_the_estimators():
    """The checks accept exactly what the estimators accept (no second list to drift)."""
    from analysis.estimation import small_area, survey

    def options(dotted):
        expected, ok = config.SETTINGS_SPEC[dotted]
        return expected

    for m in survey.CI_METHODS:
        assert config.SETTINGS_SPEC["estimation.ci_method"][1](m)
    assert not config.SETTINGS_SPEC["estimation.ci_method"][1]("wald")
    for o in survey.LONELY_PSU_OPTIONS:
        assert config.SETTINGS_SPEC["estimation.lonely_psu"][1](o)
    for b in small_area._BENCH_METHODS:
        assert config.SETTINGS_SPEC["sae.benchmark"][1](b)
    assert "one of" in options("sae.method")


def test_loading_a_broken_file_names_file_line_and_key(good, config_dir):
    (config_dir / "settings.yml").write_text("privacy:\n  min_cell: 5\n bad indent: [\n", encoding="utf-8")
    with pytest.raises(RakorInputError, match=r"settings\.yml is not valid YAML at line \d+"):
        config.settings()
    config.load_yaml.cache_clear()
    del good["privacy"]
    (config_dir / "settings.yml").write_text(yaml.safe_dump(good), encoding="utf-8")
    with pytest.raises(RakorInputError, match=r"settings\.yml: the setting `privacy\.min_cell` is missing"):
        config.settings()
    config.load_yaml.cache_clear()
    (config_dir / "settings.yml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(RakorInputError, match="must hold a mapping"):
        config.settings()
    config.load_yaml.cache_clear()
    (config_dir / "settings.yml").unlink()
    with pytest.raises(RakorInputError, match="is missing; restore it"):
        config.settings()


def test_restricted_folders_are_owner_only_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0o000)
    try:
        leaf = config.make_restricted_dir(tmp_path / "processed" / "restricted" / "worklists" / "2025-03")
    finally:
        os.umask(old)
    for folder in (leaf, leaf.parent, leaf.parent.parent):
        assert (folder.stat().st_mode & 0o777) == 0o700, folder
    assert (tmp_path / "processed").stat().st_mode & 0o777 == 0o777  # above restricted/: untouched
    assert "27/2022" in config.RESTRICTED_NOTICE


def test_a_folder_with_only_a_region_configuration_is_not_taken_for_the_checkout(tmp_path, monkeypatch):
    """``rakor init --config DIR/config`` writes DIR/config/settings.yml; rakor run from DIR must
    still find the notebooks of the checkout, not look for DIR/notebooks."""
    from analysis.config import find_root

    monkeypatch.delenv("RAKOR_ROOT", raising=False)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yml").write_text("privacy: {min_cell: 5}\n")
    assert find_root(tmp_path) == config.ROOT
    (tmp_path / "notebooks").mkdir()
    assert find_root(tmp_path) == tmp_path
