"""Maps: what the reader sees on the rendered image (pixels), the class limits and the alt text.

Four hand-made squares in a 2 × 2 grid; each test reads the colour of the rendered PNG inside a
square (away from its name at the centre) or on its edge, so it checks what is drawn, not how.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analysis import config
from analysis.briefs import maps, plots
from analysis.briefs.sections import maps as map_section
from analysis.briefs.sections.context import BriefContext, area_names
from analysis.intake import boundaries

A, B, C, D = "64.74.01.1001", "64.74.01.1002", "64.74.01.1003", "64.74.01.1004"
SIZE = 0.02
CELLS = {A: (117.40, 0.10), B: (117.42, 0.10), C: (117.40, 0.12), D: (117.42, 0.12)}  # lower-left corners


@pytest.fixture
def shapes():
    return gpd.GeoDataFrame({"kode": list(CELLS), "nama": ["Aa", "Bb", "Cc", "Dd"]},
                            geometry=[box(x, y, x + SIZE, y + SIZE) for x, y in CELLS.values()], crs="EPSG:4326")


def rows(values: dict, reliability=None, suppressed=()) -> pd.DataFrame:
    reliability = reliability or {}
    return pd.DataFrame({"area_code": list(values), "area_name": list(values), "estimate": list(values.values()),
                         "reliability": [reliability.get(c, "reliable") for c in values],
                         "suppressed": [c in suppressed for c in values]})


def pixels(fig, code: str, fx: float, fy: float, half: int = 3) -> np.ndarray:
    """RGB pixels of a small window at fraction (fx, fy) of a square (0, 0 = lower left)."""
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    ax = fig.axes[0]
    x, y = CELLS[code]
    px, py = ax.transData.transform((x + fx * SIZE, y + fy * SIZE))
    row, col = int(round(img.shape[0] - py)), int(round(px))
    return img[row - half:row + half + 1, col - half:col + half + 1].reshape(-1, 3)


def draw(shapes, data, **kw):
    kw.setdefault("title", "Prevalensi stunting per kelurahan, Februari 2025")
    kw.setdefault("source_note", "e-PPGBM Februari 2025")
    return maps.choropleth(shapes, data, **kw)


def test_suppressed_cell_is_grey_and_others_are_coloured(shapes):
    fig = draw(shapes, rows({A: 0.12, B: 0.18, C: 0.25, D: 0.29}, suppressed={C}))
    grey = pixels(fig, C, 0.25, 0.25)
    assert np.ptp(grey, axis=1).max() <= 2  # R = G = B: grey
    assert 120 <= grey.mean() <= 190
    coloured = pixels(fig, A, 0.25, 0.25)
    assert (coloured[:, 2] - coloured[:, 0]).min() > 15  # blue ramp: more blue than red


def test_unreliable_estimate_is_hatched(shapes):
    fig = draw(shapes, rows({A: 0.12, B: 0.13, C: 0.25, D: 0.29}, reliability={B: "unreliable"}))
    plain, hatched = pixels(fig, A, 0.25, 0.25, half=6), pixels(fig, B, 0.25, 0.25, half=6)
    # A and B are in the same class (10–15%): one flat colour in A, dark hatch lines across B
    assert plain.std(axis=0).max() < 2
    assert hatched.std(axis=0).max() > 20
    assert hatched.sum(axis=1).min() < plain.sum(axis=1).min() - 150


def test_focus_kelurahan_is_outlined(shapes):
    fig = draw(shapes, rows({A: 0.12, B: 0.12, C: 0.12, D: 0.12}), focus=[A])
    # the outer edge (bottom side, middle) of A is dark; the same edge of B is not
    edge_a, edge_b = pixels(fig, A, 0.5, 0.0, half=2), pixels(fig, B, 0.5, 0.0, half=2)
    assert edge_a.sum(axis=1).min() < 100
    assert edge_b.sum(axis=1).min() > 300


def test_alt_text_starts_with_peta_or_map_and_names_the_extremes(shapes):
    data = rows({A: 0.12, B: 0.18, C: 0.25, D: 0.29}, reliability={B: "unreliable"})
    peta = draw(shapes, data, lang="id")
    assert plots.alt_text(peta).startswith("Peta")
    assert "Dd 29,0%" in plots.alt_text(peta) and "Aa 12,0%" in plots.alt_text(peta)
    assert "tidak andal" in plots.alt_text(peta)
    en = draw(shapes, data, lang="en", title="Stunting prevalence by kelurahan, February 2025")
    assert plots.alt_text(en).startswith("Map")
    assert "Dd 29.0%" in plots.alt_text(en)


def test_alt_text_of_many_areas_names_a_few_and_counts_the_rest():
    # a province's desa map: 30 areas, 20 hidden, the 10 shown all 0 (a count map)
    codes = [f"64.74.01.{1001 + i}" for i in range(30)]
    grid = gpd.GeoDataFrame({"kode": codes, "nama": [f"Desa {i:02d}" for i in range(30)]},
                            geometry=[box(117.4 + 0.02 * (i % 6), 0.1 + 0.02 * (i // 6),
                                          117.42 + 0.02 * (i % 6), 0.12 + 0.02 * (i // 6)) for i in range(30)],
                            crs="EPSG:4326")
    data = rows(dict.fromkeys(codes, 0), suppressed=set(codes[10:]))
    alt = plots.alt_text(draw(grid, data, percent=False, title="Keluarga miskin ekstrem"))
    assert "Semua 0." in alt and "tertinggi" not in alt.lower()
    hidden = alt[alt.index("(disembunyikan): "):]
    assert hidden.startswith("(disembunyikan): Desa 10, Desa 11,") and "Desa 21 dan 8 lainnya." in hidden
    assert "Desa 22" not in alt
    en = plots.alt_text(draw(grid, data, percent=False, lang="en", title="Extreme-poor families"))
    assert "All 0." in en and "and 8 more." in en


def test_legend_classes_read_in_the_language():
    # 13.6–28.8%: width 15.2 points / 5 classes = 3.04 → the round width 5 → 10, 15, 20, 25, 30
    edges = maps.class_breaks([0.136, 0.19, 0.288], scale=100)
    assert np.allclose(edges, [0.10, 0.15, 0.20, 0.25, 0.30])
    assert maps.class_labels(np.array([0.025, 0.05, 0.075]), "id") == ["2,5–5%", "5–7,5%"]
    assert maps.class_labels(np.array([0.025, 0.05, 0.075]), "en") == ["2.5–5%", "5–7.5%"]
    assert maps.class_labels(np.array([1, 50, 100]), "id", percent=False, integer=True) == ["1–49", "50–99"]


def test_count_map_has_a_class_for_zero(shapes):
    fig = draw(shapes, rows({A: 0, B: 60, C: 140, D: 210}), percent=False, title="Keluarga miskin ekstrem")
    assert "0, 50–99, 100–149, 150–199, 200–249" in plots.alt_text(fig)


def test_no_boundaries_or_no_matching_shape_gives_none(shapes):
    data = rows({A: 0.12})
    assert draw(None, data) is None
    assert draw(shapes.iloc[0:0], data) is None
    assert draw(shapes, rows({"64.74.03.1003": 0.2})) is None


def test_section_without_boundaries_shows_the_ranked_chart(monkeypatch):
    shown = []
    monkeypatch.setattr(plots, "show", lambda fig, *a, **k: shown.append(fig))
    monkeypatch.setattr(map_section, "md", lambda text: None)
    monkeypatch.setattr(map_section, "heading", lambda *a, **k: None)
    monkeypatch.setattr(boundaries, "load_boundaries", lambda *a, **k: None)
    est = pd.DataFrame({"period": "2025-03", "data_period": "2025-02", "area_level": "kelurahan",
                        "area_code": [A, B], "area_name": ["Bontang Kuala", "Bontang Baru"], "indicator": "stunting",
                        "breakdown": "total", "estimate": [0.2, 0.3], "ci_low": [0.15, 0.25], "ci_high": [0.25, 0.35],
                        "method": "direct:logit", "source": "eppgbm", "reliability": "reliable", "suppressed": False,
                        "note": None})
    ctx = BriefContext(est=est, period="2025-03", lang="id", level="kecamatan", code="64.74.01",
                       sub_level="kelurahan", names=area_names(), focus=[], region_code="64.74",
                       settings=config.settings())
    map_section.area_maps(ctx)
    assert len(shown) == 1
    alt = plots.alt_text(shown[0])
    assert not alt.startswith("Peta")
    # ranked: the highest first
    assert "Tertinggi Bontang Baru 30,0%" in alt


def test_ranked_charts_a_page_at_a_time_hidden_last(monkeypatch):
    """Without boundaries the areas are ranked in charts of at most RANKED_ROWS_PER_CHART rows, the
    shown ones by value, the hidden ones after them by name (not where their value would put them)."""
    import pandas as pd

    from analysis.briefs import plots
    from analysis.briefs.sections import maps as section

    monkeypatch.setattr(plots, "show", lambda fig: None)
    monkeypatch.setattr(section, "RANKED_ROWS_PER_CHART", 2)
    rows = pd.DataFrame({"label": ["A", "B", "C", "D", "E"], "estimate": [0.1, 0.9, 0.5, 0.95, 0.3],
                         "suppressed": [False, True, False, False, False]})
    drawn = []
    section._ranked(rows, "T", lambda part, title: drawn.append((part["label"].tolist(), title)))
    assert drawn == [(["D", "C"], "T\n(1/3)"), (["E", "A"], "T\n(2/3)"), (["B"], "T\n(3/3)")]
