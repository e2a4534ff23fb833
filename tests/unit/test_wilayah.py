"""Area names to Kemendagri codes (analysis.intake.gazetteer)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.intake import gazetteer as wilayah
from analysis.intake.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer(threshold=88)


def s(*values):
    return pd.Series(list(values), dtype="str")


def test_gazetteer_content(gaz):
    # DOMAIN.md §2: 3 kecamatan, 15 kelurahan.
    assert len(gaz.kecamatan) == 3 and len(gaz.kelurahan) == 15
    assert gaz.name("64.74.01.1003") == "Lok Tuan"
    assert gaz.parent["64.74.02.1006"] == "64.74.02"


def test_exact_alias_fuzzy_and_rejects(gaz):
    v = s("Lok Tuan", "API-API ", "Kel. Guntung", "Loktuan", "Tj. Laut", "Tanjung Laut Indh",
          "Bontang", "xyz", None)
    m = gaz.match(v)
    assert m.code.tolist()[:6] == ["64.74.01.1003", "64.74.01.1006", "64.74.01.1004",
                                   "64.74.01.1003", "64.74.02.1001", "64.74.02.1006"]
    assert m.reason.tolist()[6:8] == ["unknown_kelurahan", "unknown_kelurahan"]
    assert pd.isna(m.code.iloc[8]) and pd.isna(m.reason.iloc[8])  # missing stays missing
    c = m.corrections.set_index("value")
    assert c.loc["Loktuan", "method"] == "alias" and c.loc["Loktuan", "corrected_to"] == "Lok Tuan"
    assert c.loc["Tanjung Laut Indh", "method"] == "fuzzy"
    # Indel ratio: 2*17 matching chars / (17 + 18) = 97.14
    assert c.loc["Tanjung Laut Indh", "score"] == pytest.approx(200 * 17 / 35)
    assert "API-API " not in c.index  # a normalised exact match is not a correction


def test_threshold_is_a_reject_not_a_guess():
    # "satimpu" vs "satimpo": 6 common characters, Indel ratio 2*6/(7+7) = 85.7
    assert Gazetteer(threshold=85).match(s("Satimpu")).code.iloc[0] == "64.74.02.1004"
    assert Gazetteer(threshold=88).match(s("Satimpu")).reason.iloc[0] == "unknown_kelurahan"


def test_ambiguous_names():
    g = Gazetteer(threshold=50)
    # Equally far from "Berbas Tengah" and "Berbas Pantai".
    r = g.match(s("Berbas"))
    assert r.reason.iloc[0] == "ambiguous_kelurahan" and pd.isna(r.code.iloc[0])


def test_kelurahan_checked_against_kecamatan(gaz):
    m = gaz.match(s("Kanaan", "Kanaan"), kecamatan_code=s("64.74.03", "64.74.01"))
    assert m.code.tolist()[0] == "64.74.03.1003" and pd.isna(m.code.iloc[1])
    assert m.reason.iloc[1] == "kelurahan_not_in_kecamatan"


def test_kecamatan(gaz):
    m = gaz.match(s("Btg Utara", "BONTANG SELATAN", "Kec. Bontang Barat", "Bontang"), "kecamatan")
    assert m.code.tolist()[:3] == ["64.74.01", "64.74.02", "64.74.03"]
    assert m.reason.iloc[3] == "unknown_kecamatan"


def test_fuzzy_once_per_distinct_name(gaz, monkeypatch):
    calls = []
    real = wilayah.fuzz.ratio

    class Counting:
        @staticmethod
        def ratio(a, b):
            calls.append(a)
            return real(a, b)

    monkeypatch.setattr(wilayah, "fuzz", Counting)
    v = s(*(["Tanjung Laut Indh"] * 5000 + ["Guntung"] * 5000 + ["Bontang"] * 3))
    m = gaz.match(v)
    assert set(calls) == {"tanjung laut indh", "bontang"}
    assert len(calls) == 2 * 15  # each distinct unmatched name against the 15 kelurahan
    c = m.corrections.set_index("value")
    assert c.loc["Tanjung Laut Indh", "n_rows"] == 5000


def test_truncated_name_of_several_kelurahan_is_ambiguous(gaz):
    # "gunung" vs "guntung": 6 common characters, Indel ratio 2*6/(6+7) = 92.3 (>= 88), and the
    # next best official name is far below; but "gunung" is the start of both "Gunung Elai" and
    # "Gunung Telihan": taking Guntung would be a guess.
    assert wilayah.fuzz.ratio("gunung", "guntung") == pytest.approx(1200 / 13)
    m = gaz.match(s("Gunung", "GUNUNG ", "Gunung Elai"))
    assert m.reason.tolist()[:2] == ["ambiguous_kelurahan"] * 2
    assert m.code.isna().tolist() == [True, True, False] and m.corrections.empty
    # With a lower threshold "Berbas" (start of Berbas Tengah and Berbas Pantai) is ambiguous too.
    assert Gazetteer(threshold=50).match(s("Berbas")).reason.iloc[0] == "ambiguous_kelurahan"


def test_truncation_of_one_name_and_typos_still_match(gaz):
    # "berbas tenga" is the start of Berbas Tengah only: 2*12/(12+13) = 96 -> Berbas Tengah.
    # "tanjung luat": 11 characters in common with "tanjung laut", 2*11/24 = 91.7 -> Tanjung Laut.
    m = gaz.match(s("Berbas Tenga", "Tanjung Luat", "Loktuan", "API-API", "Tanjung Laut",
                    "Gn. Elai", "Gunung Elay"))
    assert m.code.tolist() == ["64.74.02.1002", "64.74.02.1001", "64.74.01.1003", "64.74.01.1006",
                               "64.74.02.1001", "64.74.01.1005", "64.74.01.1005"]
    assert m.reason.isna().all()
    # A name far from every official name stays unknown (a reject all the same), even if it
    # starts several of them: "Bontang" is the city; "tanjung" vs "tanjung laut" is 2*7/19 = 73.7.
    assert gaz.match(s("Bontang", "Tanjung")).reason.tolist() == ["unknown_kelurahan"] * 2


def test_names_normalised_by_the_one_normaliser_match_exactly(gaz):
    # case, spaces, hyphens, underscores, dots and a Kel./Kec. prefix do not count
    # (analysis.intake.names.normalise_name, kind "area"): exact matches, not corrections.
    v = s("KEL. LOK_TUAN ", "kelurahan  api.api", "Tanjung-Laut")
    m = gaz.match(v)
    assert m.code.tolist() == ["64.74.01.1003", "64.74.01.1006", "64.74.02.1001"]
    assert m.corrections.empty
    k = gaz.match(s("Kec. Bontang-Utara"), level="kecamatan")
    assert k.code.tolist() == ["64.74.01"] and k.corrections.empty


@pytest.mark.parametrize(("region", "written", "code"), [
    ("65.01", "Tj. Palas Hulu", "65.01.01.1001"),  # Tanjung Palas Hulu, Kabupaten Bulungan
    ("65.01", "Gn Putih", "65.01.01.2005"),  # Gunung Putih
    ("65.01", "Mara 1", "65.01.02.2003"),  # Mara I: the numeral as a digit
    ("62.08", "Sei Raja", "62.08.02.2005"),  # Sungai Raja, Kabupaten Sukamara
    ("62.08", "P. Nibung", "62.08.02.2002"),  # Pulau Nibung
    ("62.08", "Sg. Bundung", "62.08.02.2004"),  # Sungai Bundung, beside Sungai Baru
])
def test_shortened_words_of_place_names_match_in_every_region(region, written, code):
    # No alias file: the shortenings are known for every region, not only Bontang's list.
    gaz = Gazetteer(wilayah.region_table(region), aliases={}, threshold=90)
    got = gaz.match(s(written), "kelurahan")
    assert got.code.iloc[0] == code
    assert got.corrections["method"].tolist() == ["alias"]  # a spelling, reported among the corrections


def test_a_shortening_of_two_official_names_is_not_a_match():
    t = pd.DataFrame({"kode": ["99.01", "99.01.01", "99.01.01.2001", "99.01.01.2002"],
                      "level": ["kota", "kecamatan", "kelurahan", "kelurahan"],
                      "nama": ["Kabupaten X", "Kec", "Sungai Raya", "Sei Raya"],
                      "kode_kecamatan": ["", "99.01.01", "99.01.01", "99.01.01"]})
    gaz = Gazetteer(t, aliases={}, threshold=90)
    assert gaz.match(s("Sei Raya"), "kelurahan").code.iloc[0] == "99.01.01.2002"  # written as it is
    got = gaz.match(s("Sg Raya"), "kelurahan")  # Sungai Raya or Sei Raya: not a guess
    assert pd.isna(got.code.iloc[0]) and got.reason.iloc[0] == "ambiguous_kelurahan"
