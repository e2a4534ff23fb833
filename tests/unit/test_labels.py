"""The one label module: every key in both languages, month names once, policy numbers from config."""

from __future__ import annotations

import copy
import re
import string
from pathlib import Path

import pytest

import analysis
from analysis import config
from analysis.briefs import labels, narrative


@pytest.mark.parametrize("group", sorted(labels.GROUPS))
def test_every_label_has_both_languages(group):
    for key, pair in labels.GROUPS[group].items():
        assert isinstance(pair, tuple) and len(pair) == 2, (group, key)
        id_, en = pair
        assert isinstance(id_, str) and isinstance(en, str) and id_.strip() and en.strip(), (group, key)


@pytest.mark.parametrize("key", sorted(labels.TEXT))
def test_templates_name_the_same_values_in_both_languages(key):
    fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in labels.TEXT[key]]
    assert fields[0] == fields[1], key


def test_months_in_both_languages():
    for table in (labels.MONTHS, labels.MONTHS_SHORT):
        assert set(table) == set(labels.LANGS)
        assert all(len(names) == 12 for names in table.values())
    assert labels.MONTHS["id"][7] == "Agustus" and labels.MONTHS_SHORT["id"][4] == "Mei"
    assert narrative.fmt_period("2024-08", "id") == "Agustus 2024"
    assert narrative.fmt_period("2024-08", "en", short=True) == "Aug 2024"


def test_month_names_are_written_once():
    src = Path(analysis.__file__).parent
    holders = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
               if re.search(r"[\"']Desember[\"']", p.read_text(encoding="utf-8"))]
    assert holders == ["briefs/labels.py"]


def test_text_fills_policy_values_from_config():
    pol = labels.policy()
    s = config.settings()
    assert pol["min_cell"] == s["privacy"]["min_cell"]
    note = labels.text("suppressed_note", "id")
    assert note.startswith(f"<{pol['min_cell']}: jumlah 1–{pol['min_cell'] - 1} disembunyikan")
    rel = s["estimation"]["reliability"]
    assert f"RSE {rel['reliable_max_rse']}–{rel['caution_max_rse']}%" in labels.text("table_note", "en")


def test_policy_follows_other_settings():
    s = copy.deepcopy(config.settings())
    s["privacy"]["min_cell"] = 3
    s["estimation"]["ci_method_rare"] = "korn-graubard"
    s["estimation"]["reliability"] = {"reliable_max_rse": 30, "caution_max_rse": 60}
    pol = labels.policy(s)
    assert (pol["min_cell"], pol["small_range"]) == (3, "1–2")
    assert pol["ci_method_rare_name"] == "Korn-Graubard"
    assert (pol["reliable_max_rse"], pol["caution_max_rse"]) == (30, 60)


def test_notes_sources_and_lookups():
    assert labels.note("belum tercapai", "en") == "not met"
    assert labels.note("tercapai", "id") == "tercapai"
    assert labels.note("something new", "en") == "something new"
    assert labels.source_name("eppgbm") == "e-PPGBM"
    assert labels.pick(labels.HEADERS["change"], "en") == "Change (points)"
    with pytest.raises(analysis.errors.RakorInputError, match="language must be one of id, en"):
        labels.pick(labels.HEADERS["change"], "fr")


def test_labels_by_language_have_the_same_keys():
    id_, en = labels.labels("id"), labels.labels("en")
    assert id_.keys() == en.keys()
    for group in id_:
        assert id_[group].keys() == en[group].keys(), group


def test_a_desa_brief_says_desa_and_a_kelurahan_brief_kelurahan_in_a_mixed_kabupaten():
    from analysis.briefs.labels import village_prefix

    assert village_prefix("62.08.01.2003", "id") == "Desa "
    assert village_prefix("62.08.01.1001", "id") == "Kelurahan "
    assert village_prefix("64.74.01.1003", "en") == "Kelurahan "
