"""Figures: palette, titles, units, source lines, alt text, number formats, privacy of bars."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.briefs import plots  # noqa: E402
from analysis.errors import RakorInputError  # noqa: E402

KEL = pd.DataFrame({
    "area_name": ["Bontang Kuala", "Bontang Baru", "Lok Tuan", "Guntung"],
    "estimate": [0.182, 0.21, 0.15, 0.12],
    "ci_low": [0.151, 0.17, 0.10, 0.08],
    "ci_high": [0.217, 0.25, 0.21, 0.17],
    "reliability": ["reliable", "caution", "unreliable", "reliable"],
})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def test_palette_is_okabe_ito():
    # Okabe & Ito (2008), Color Universal Design, the eight colours (hex from the source)
    published = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                 "#CC79A7"}
    assert set(plots.PALETTE) == published
    plots.set_theme()
    cycle = [c.upper() for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.upper() for c in plots.PALETTE]


def test_forest_plot_has_title_units_source_refs_and_alt():
    fig = plots.forest_plot(KEL, "area_name", ref_lines={"Kota": 0.182, "Target": 0.14},
                            title="Prevalensi stunting per kelurahan", xlabel="Prevalensi stunting",
                            source_note="e-PPGBM, Agustus 2024", lang="id", highlight=["Lok Tuan"])
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Prevalensi stunting per kelurahan"
    assert ax.get_xlabel() == "Prevalensi stunting (%)"
    assert "Sumber: e-PPGBM, Agustus 2024" in _texts(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == KEL["area_name"].tolist()
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Lok Tuan"]
    xs = sorted(line.get_xdata()[0] for line in ax.get_lines())
    assert xs == pytest.approx([0.14, 0.182])
    alt = plots.alt_text(fig)
    assert alt.startswith("Prevalensi stunting per kelurahan.")
    assert "Bontang Baru 21,0%" in alt and "Guntung 12,0%" in alt and "Target 14,0%" in alt
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("tidak andal" in t for t in legend) and any("hati-hati" in t for t in legend)


def test_percent_ticks_use_decimal_comma_in_indonesian():
    for lang, sep, other in (("id", ",", "."), ("en", ".", ",")):
        fig = plots.trend_plot(
            pd.DataFrame({"data_period": ["2024-02", "2024-08"], "estimate": [0.012, 0.014],
                          "ci_low": [0.010, 0.011], "ci_high": [0.014, 0.017]}),
            title="Tren", source_note="e-PPGBM", lang=lang)
        ax = fig.axes[0]
        ax.set_ylim(0.010, 0.017)
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert labels and all(lab.endswith("%") for lab in labels)
        assert any(sep in lab for lab in labels) and not any(other in lab for lab in labels)
        xt = [t.get_text() for t in ax.get_xticklabels()]
        assert xt == (["Feb 2024", "Agu 2024"] if lang == "id" else ["Feb 2024", "Aug 2024"])


def test_bar_counts_hide_suppressed_bars_and_label_them():
    df = pd.DataFrame({"kel": ["A", "B", "C", "D"], "n": [40, 3, 1200, 9]})
    fig = plots.bar_counts(df, "kel", "n", title="Keluarga desil 1", xlabel="Jumlah keluarga",
                           source_note="DTSEN Juni 2024", lang="id")
    ax = fig.axes[0]
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches,
                                                          strict=True)}
    # 3 is a primary suppression and 9 the complementary one: no bar length to give them away
    assert widths == {"C": 1200, "A": 40, "B": 0, "D": 0}
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["1.200", "40", "<5", "*"]
    assert ax.get_xlabel() == "Jumlah keluarga"
    assert "3" not in plots.alt_text(fig).replace("1.200", "")


def test_upset_like_labels_combinations():
    df = pd.DataFrame({"dtsen": [True, True, False], "eppgbm": [True, False, True],
                       "n": [120, 45, 30]})
    fig = plots.upset_like(df, ["dtsen", "eppgbm"], set_labels={"dtsen": "DTSEN",
                           "eppgbm": "e-PPGBM"}, title="Kombinasi sumber", xlabel="Jumlah keluarga",
                           source_note="DTSEN; e-PPGBM", lang="id")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["DTSEN + e-PPGBM", "hanya DTSEN", "hanya e-PPGBM"]
    fig = plots.upset_like(df, ["dtsen", "eppgbm"], title="Source combinations",
                           source_note="DTSEN", lang="en")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][1] == "dtsen only"


def test_every_figure_needs_title_and_source():
    with pytest.raises(RakorInputError, match="source"):
        plots.forest_plot(KEL, "area_name", title="x", source_note="")
    with pytest.raises(RakorInputError, match="title"):
        plots.bar_counts(pd.DataFrame({"k": ["a"], "n": [10]}), "k", "n", source_note="x")
    with pytest.raises(RakorInputError, match="nope"):
        plots.forest_plot(KEL, "nope", title="x", source_note="y")


def test_show_puts_alt_text_in_output_metadata(monkeypatch):
    captured = {}

    def fake_display(obj, raw=False, metadata=None):
        captured.update(obj=obj, raw=raw, metadata=metadata)

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    fig = plots.forest_plot(KEL, "area_name", title="Judul", source_note="e-PPGBM")
    plots.show(fig)
    assert captured["raw"] is True
    md = captured["metadata"]["image/png"]
    assert md["alt"] == plots.alt_text(fig) and md["alt"].startswith("Judul.")
    assert md["width"] == round(plots.FIG_WIDTH_IN * 96)
    png = base64.b64decode(captured["obj"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend will not show it twice
    # identical figures give identical bytes (reviewers compare reruns)
    a = plots.png_bytes(plots.forest_plot(KEL, "area_name", title="J", source_note="s"))
    b = plots.png_bytes(plots.forest_plot(KEL, "area_name", title="J", source_note="s"))
    assert a == b


def test_burndown_plot_names_each_kelurahan_first_and_last_count():
    from analysis.briefs.plots import alt_text, burndown_plot

    pts = pd.DataFrame({"area_name": ["Lok Tuan"] * 3 + ["Api-api"] * 2,
                        "date": pd.to_datetime(["2025-02-20", "2025-03-10", "2025-04-09", "2025-02-20", "2025-04-09"]),
                        "remaining": [380, 340, 330, 12, 0]})
    fig = burndown_plot(pts, "2025-02-20", "2025-05-31", "2025-04-09", title="Sisa keluarga",
                        source_note="Pendataan RT Maret 2025", upper={"Lok Tuan": 159.0})
    assert alt_text(fig) == "Sisa keluarga. Lok Tuan: 380 → 330; Api-api: 12 → 0."
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == ["Lok Tuan", "Api-api"]
    # the straight line to zero runs from the first count on day 0 to 0 on the deadline
    line = panels[0].get_lines()[1]
    assert list(line.get_ydata()) == [380.0, 0]


@pytest.mark.parametrize(("limits", "expected"), [
    ((0.0, 0.3), ["0%", "5%", "10%", "15%", "20%", "25%", "30%"]),  # steps of 5 points: no decimals
    ((0.1, 0.105), ["10,0%", "10,1%", "10,2%", "10,3%", "10,4%", "10,5%"]),  # steps of 0.1 point: one
])
def test_percent_ticks_take_the_decimals_of_their_spacing(limits, expected):
    fig, ax = plt.subplots()
    ax.set_ylim(*limits)
    ax.yaxis.set_major_formatter(plots.PercentFormatter("id"))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 5, 10]))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    fmt = ax.yaxis.get_major_formatter()
    one_by_one = [fmt(v) for v in ax.yaxis.get_majorticklocs()]
    plt.close(fig)
    assert labels == expected and one_by_one == expected


def _two_panel_figure():
    """A figure with long tick labels, titles and a legend on two Axes (made with matplotlib only)."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.FIG_WIDTH_IN, 3.2))
    for k, ax in enumerate(axes):
        ax.barh([f"Kelurahan dengan nama panjang {i}" for i in range(5)], [3, 1, 4, 1, 5][k:] + [9] * k)
        ax.set_title(f"Panel {k}", loc="left")
        ax.set_xlabel("Jumlah keluarga")
        ax.plot([0, 5], [0, 4], label="garis")
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.2))
    fig.text(0.01, 0.01, "Sumber: contoh", ha="left", va="bottom", wrap=True)
    return fig


def test_tight_layout_measuring_each_axes_once_gives_matplotlibs_layout_and_pixels():
    plots.set_theme()
    rect = (0, 0.08, 1, 0.95)
    theirs, ours = _two_panel_figure(), _two_panel_figure()
    theirs.tight_layout(rect=rect)
    calls = []
    for ax in ours.axes:
        measure = ax.get_tightbbox
        ax.get_tightbbox = lambda *a, _m=measure, **k: calls.append(1) or _m(*a, **k)
    plots.tight_layout(ours, rect=rect)
    assert len(calls) == len(ours.axes)  # matplotlib alone measures each Axes twice with a rect
    for a, b in zip(theirs.axes, ours.axes, strict=True):
        assert a.get_position().bounds == b.get_position().bounds
    for ax in ours.axes:
        del ax.get_tightbbox
        assert "get_tightbbox" not in vars(ax)  # the method is the class's again
    assert plots.png_bytes(ours) == plots.png_bytes(theirs)


def test_png_bytes_are_savefigs_and_the_layout_engine_is_kept():
    import io

    plots.set_theme()
    fig = _two_panel_figure()
    fig.tight_layout(rect=(0, 0.08, 1, 1))  # leaves a placeholder layout engine on the figure
    engine = fig.get_layout_engine()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})  # matplotlib's own path
    assert plots.png_bytes(fig) == buf.getvalue()
    assert fig.get_layout_engine() is engine
