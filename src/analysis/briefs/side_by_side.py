"""The "Menyandingkan data" section: official, survey and register figures side by side (issue 14).

Stunting: the published surveys (SSGI/SKI), the register (e-PPGBM by name, the monthly report,
the published register figure), participation D/S and the worst-case population bounds, in one
table and one chart. Poverty: BPS's official P0 series, the household-survey estimate with its
CI, the register's desil-1 share and the RT listing's count. The sentences say plainly when the
register lies outside the survey's interval and why that can happen.

Everything is selected from the estimates table and formatted with
:mod:`analysis.briefs.narrative`; no statistic is computed here (the shares, participation and
bounds are rows of the table, built in :mod:`analysis.estimates.coverage`).
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.briefs import narrative, plots
from analysis.errors import RakorInputError

__all__ = ["show_side_by_side", "side_by_side"]

COLUMNS = {
    "id": ["Topik", "Sumber", "Jenis", "Wilayah", "Periode data", "Angka", "IK 95% / batas", "Keterangan"],
    "en": ["Topic", "Source", "Kind", "Area", "Data period", "Figure", "95% CI / bounds", "Remarks"],
}
_W = {
    "id": {
        "stunting": "Stunting", "poverty": "Kemiskinan",
        "survey_pub": "survei (dipublikasikan)", "register_pub": "register (dipublikasikan)",
        "by_name": "register (data by name)", "monthly": "register (laporan bulanan)",
        "bounds": "batas populasi (kasus terburuk)", "bps": "angka resmi BPS",
        "bps_extreme": "angka resmi kemiskinan ekstrem",
        "our_survey": "survei rumah tangga (estimasi)", "our_extreme": "survei rumah tangga, kemiskinan ekstrem",
        "desil1": "register DTSEN", "rt": "pendataan RT",
        "eppgbm": "e-PPGBM", "eppgbm_monthly": "e-PPGBM bulanan", "eppgbm_bounds": "e-PPGBM dan sasaran balita",
        "susenas": "Survei rumah tangga", "dtsen": "DTSEN, keluarga desil 1", "pendataan_rt": "Pendataan RT",
        "bounds_prefix": "batas", "participation": "partisipasi D/S", "families": "keluarga",
        "capped": "lebih banyak balita diukur daripada sasaran", "rt_candidates": "calon keluarga miskin ekstrem",
        "s_report": "sasaran: Sasaran_Balita", "s_dtsen": "sasaran: balita di DTSEN",
    },
    "en": {
        "stunting": "Stunting", "poverty": "Poverty",
        "survey_pub": "survey (published)", "register_pub": "register (published)",
        "by_name": "register (by name)", "monthly": "register (monthly report)",
        "bounds": "population bounds (worst case)", "bps": "BPS official figure",
        "bps_extreme": "official extreme-poverty figure",
        "our_survey": "household survey (estimate)", "our_extreme": "household survey, extreme poverty",
        "desil1": "DTSEN register", "rt": "RT listing",
        "eppgbm": "e-PPGBM", "eppgbm_monthly": "e-PPGBM monthly", "eppgbm_bounds": "e-PPGBM and target children",
        "susenas": "Household survey", "dtsen": "DTSEN, decile-1 families", "pendataan_rt": "RT listing",
        "bounds_prefix": "bounds", "participation": "participation D/S", "families": "families",
        "capped": "more children measured than targeted", "rt_candidates": "extreme-poverty candidate families",
        "s_report": "target: Sasaran_Balita", "s_dtsen": "target: under-fives in DTSEN",
    },
}


# ---------------------------------------------------------------------------------- selection

def _is_missing(x: Any) -> bool:
    return narrative._is_missing(x)


def _select(est: pd.DataFrame, indicator: str, code: str, *, source: str | None = None,
            method_prefix: str | None = None) -> pd.DataFrame:
    rows = est[(est["indicator"] == indicator) & (est["area_code"] == code) & (est["breakdown"] == "total")]
    if source is not None:
        rows = rows[rows["source"] == source]
    if method_prefix is not None:
        rows = rows[rows["method"].astype(str).str.startswith(method_prefix)]
    return rows.sort_values(["data_period", "method"], kind="stable")


def _published(est: pd.DataFrame, indicator: str, code: str, kota: str) -> pd.DataFrame:
    """Published figures of the area; for a kecamatan without its own, the kota's (context)."""
    rows = _select(est, indicator, code, source="published")
    if rows.empty and code != kota:
        rows = _select(est, indicator, kota, source="published")
    return rows


def _is_register_pub(row: pd.Series) -> bool:
    return str(row["method"]).startswith("published:e-PPGBM")


def _survey_name(row: pd.Series) -> str:
    return str(row["method"]).removeprefix("published:")


def _by_period(rows: pd.DataFrame) -> dict[str, pd.Series]:
    return {str(r["data_period"]): r for _, r in rows.iterrows()}


# --------------------------------------------------------------------------------- formatting

def _value(row: pd.Series | None, lang: str) -> str:
    if row is None:
        return ""
    if bool(row.get("suppressed", False)) and not _is_missing(row.get("note")):
        return str(row["note"])
    if str(row.get("unit")) == "count":
        return narrative.fmt_int(row["estimate"], lang)
    return narrative.fmt_pct(row["estimate"], lang, decimals=_decimals(row))


def _decimals(row: pd.Series) -> int:
    """BPS publishes poverty rates with two decimals (3,74%): show them as published."""
    return 2 if row.get("source") == "published" and "poverty" in str(row.get("indicator")) else 1


def _ci(row: pd.Series, lang: str) -> str:
    if _is_missing(row.get("ci_low")) or _is_missing(row.get("ci_high")):
        return ""
    return narrative.fmt_ci(row["ci_low"], row["ci_high"], lang)


def _range(low: Any, high: Any, lang: str) -> str:
    return f"{narrative.fmt_pct(low, lang)}{narrative.DASH}{narrative.fmt_pct(high, lang)}"


def _when(row: pd.Series, lang: str) -> str:
    """Published figures by year (the survey's name tells the rest); others by month."""
    period = str(row["data_period"])
    return period[:4] if row["source"] == "published" else narrative.fmt_period(period, lang)


def _area_name(est: pd.DataFrame, code: str) -> str:
    names = est.loc[(est["area_code"] == code) & est["area_name"].notna(), "area_name"]
    return str(names.iloc[0]) if len(names) else code


def _name_of(row: pd.Series, default: str | None = None) -> str:
    name = row.get("area_name")
    return str(name) if not _is_missing(name) and str(name) else (default or str(row["area_code"]))


def _participation_note(row: pd.Series | None, lang: str) -> str:
    if row is None or _is_missing(row.get("estimate")):
        return ""
    W = _W[lang]
    text = f"{W['participation']} {narrative.fmt_pct(row['estimate'], lang)}"
    note = "" if _is_missing(row.get("note")) else str(row["note"])
    if "Sasaran_Balita" in note and "DTSEN" not in note:
        text += f" ({W['s_report']})"
    elif "DTSEN" in note and "Sasaran_Balita" not in note:
        text += f" ({W['s_dtsen']})"
    return text


# ------------------------------------------------------------------------------------ section

def side_by_side(estimates: pd.DataFrame, area_code: str, lang: str = "id", *,
                 poverty_line=None) -> tuple[pd.DataFrame, Figure | None, list[str]]:
    """The "Menyandingkan data" section of a brief: one table, one stunting chart, sentences.

    Parameters
    ----------
    estimates
        The estimates table (rows of several rakor periods: the latest ``period`` is used).
    area_code
        The brief's area: the kota (``"64.74"``) or a kecamatan. Published figures of the area,
        or of its kota when the area has none (shown with the kota's name).
    lang
        ``"id"`` (default) or ``"en"``.
    poverty_line
        Optional :class:`analysis.estimation.poverty_lines.ResolvedLine` of the survey estimate:
        a sentence then says which line and year it used.

    Returns
    -------
    (table, figure, sentences)
        ``table``: formatted strings, columns :data:`COLUMNS` (topic, source, kind, area, data
        period, figure, CI or bounds, remarks), stunting rows first; ``table.attrs["sources"]``
        maps each published survey's name to its citation (the table's source note); ``figure``: the stunting
        chart (``None`` without stunting rows), with ``_alt_text`` for :func:`plots.show`;
        ``sentences``: the narrative, in order.

    Notes
    -----
    Selected rows: ``stunting`` (``published``, e-PPGBM ``direct:*``, ``eppgbm_bulanan``),
    ``weighing_participation``, ``stunting_population_bounds``, ``poverty_p0`` and
    ``extreme_poverty_p0`` (``published`` and the survey's ``direct:*``), ``dtsen_desil1_share``,
    ``dtsen_desil1_families`` and ``rt_extreme_candidates`` (the area's row, else its kelurahan's).
    The register is compared with the survey of the same year when there is one.
    """
    narrative._check_lang(lang)
    if not isinstance(estimates, pd.DataFrame):
        raise RakorInputError(f"estimates must be a DataFrame; got {type(estimates).__name__}")
    est = estimates
    if "period" in est and est["period"].nunique() > 1:
        est = est[est["period"] == est["period"].max()]
    code = str(area_code)
    kota = ".".join(code.split(".")[:2])
    W, cols = _W[lang], COLUMNS[lang]
    name = _area_name(est, code)
    table_rows: list[list[str]] = []

    def add(topic: str, source: str, kind: str, row: pd.Series, figure: str | None = None,
            interval: str | None = None, remark: str = "") -> None:
        table_rows.append([topic, source, kind, _name_of(row), _when(row, lang),
                           _value(row, lang) if figure is None else figure,
                           _ci(row, lang) if interval is None else interval, remark])

    # Stunting ------------------------------------------------------------------------------
    pub = _published(est, "stunting", code, kota)
    survey_pub = pub[[not _is_register_pub(r) for _, r in pub.iterrows()]] if len(pub) else pub
    register_pub = pub[[_is_register_pub(r) for _, r in pub.iterrows()]] if len(pub) else pub
    by_name = _select(est, "stunting", code, source="eppgbm", method_prefix="direct")
    monthly = _select(est, "stunting", code, source="eppgbm_bulanan")
    participation = _by_period(_select(est, "weighing_participation", code))
    bounds = _select(est, "stunting_population_bounds", code)
    citations: dict[str, str] = {}
    for _, r in survey_pub.iterrows():
        add(W["stunting"], _survey_name(r), W["survey_pub"], r)
    for _, r in register_pub.iterrows():
        add(W["stunting"], _survey_name(r), W["register_pub"], r, remark=_confirm(r, lang))
    for _, r in by_name.iterrows():
        add(W["stunting"], W["eppgbm"], W["by_name"], r,
            remark=_participation_note(participation.get(str(r["data_period"])), lang))
    for _, r in monthly.iterrows():
        add(W["stunting"], W["eppgbm_monthly"], W["monthly"], r)
    for _, r in bounds.iterrows():
        capped = "capped" in str(r.get("note", ""))
        interval = ("" if _is_missing(r["ci_low"]) else
                    f"{W['bounds_prefix']} {_range(r['ci_low'], r['ci_high'], lang)}")
        add(W["stunting"], W["eppgbm_bounds"], W["bounds"], r, figure="", interval=interval,
            remark=W["capped"] if capped else "")

    # Poverty -------------------------------------------------------------------------------
    bps = _published(est, "poverty_p0", code, kota)
    bps_extreme = _published(est, "extreme_poverty_p0", code, kota)
    survey = _select(est, "poverty_p0", code, source="susenas", method_prefix="direct")
    survey_extreme = _select(est, "extreme_poverty_p0", code, source="susenas", method_prefix="direct")
    desil1 = _select(est, "dtsen_desil1_share", code)
    desil1_count = _by_period(_select(est, "dtsen_desil1_families", code))
    rt = _select(est, "rt_extreme_candidates", code)
    if rt.empty:  # the listing is counted in the focus kelurahan: show each one inside the area
        rt = est[(est["indicator"] == "rt_extreme_candidates") & (est["breakdown"] == "total")
                 & est["area_code"].astype(str).str.startswith(code + ".")].sort_values("area_code")
    for _, r in bps.iterrows():
        add(W["poverty"], _survey_name(r), W["bps"], r)
    for _, r in bps_extreme.iterrows():
        add(W["poverty"], _survey_name(r), W["bps_extreme"], r)
    for part in (survey_pub, register_pub, bps, bps_extreme):
        for _, r in part.iterrows():
            citations[_survey_name(r)] = _remark(r)
    for _, r in survey.tail(1).iterrows():
        add(W["poverty"], W["susenas"], W["our_survey"], r,
            remark=narrative.reliability_label(r.get("reliability"), lang))
    for _, r in survey_extreme.tail(1).iterrows():
        add(W["poverty"], W["susenas"], W["our_extreme"], r,
            remark=narrative.reliability_label(r.get("reliability"), lang))
    for _, r in desil1.tail(1).iterrows():
        count = desil1_count.get(str(r["data_period"]))
        remark = "" if count is None else (f"{_value(count, lang)} {narrative.labels(lang)['text']['of']} "
                                           f"{narrative.fmt_int(r['n'], lang)} {W['families']}")
        add(W["poverty"], W["dtsen"], W["desil1"], r, remark=remark)
    for _, r in rt.iterrows():
        add(W["poverty"], W["pendataan_rt"], W["rt"], r, remark=W["rt_candidates"])

    table = pd.DataFrame(table_rows, columns=cols)
    table.attrs["sources"] = {k: v for k, v in citations.items() if v}
    figure = _stunting_figure(survey_pub, register_pub, by_name, monthly, bounds, name, lang)
    sentences = _stunting_sentences(survey_pub, register_pub, by_name, participation, bounds, name, lang)
    sentences += _poverty_sentences(bps, survey, desil1, desil1_count, rt, name, lang, poverty_line)
    return table, figure, sentences


def _remark(row: pd.Series) -> str:
    return "" if _is_missing(row.get("note")) else str(row["note"])


def _confirm(row: pd.Series, lang: str) -> str:
    """A published figure whose source says it is still to be confirmed is marked in the table."""
    if "to confirm" in _remark(row).lower():
        return "sumber perlu dikonfirmasi" if lang == "id" else "source to be confirmed"
    return ""


# ------------------------------------------------------------------------------------ figure

def _stunting_figure(survey_pub, register_pub, by_name, monthly, bounds, name: str, lang: str) -> Figure | None:
    """Stunting over time: published surveys, the register with its CI, and the population bounds."""
    if all(len(x) == 0 for x in (survey_pub, register_pub, by_name, monthly, bounds)):
        return None
    plots.set_theme()
    W = _W[lang]
    colours = plots.OKABE_ITO
    fig, ax = plt.subplots(figsize=(plots.FIG_WIDTH_IN, 4.2))

    def when(rows: pd.DataFrame) -> pd.Series:
        return pd.to_datetime(rows["data_period"].astype(str) + "-15")

    described = []
    b = bounds[bounds["ci_low"].notna()]
    if len(b):
        ax.vlines(when(b), b["ci_low"].astype(float), b["ci_high"].astype(float), color=colours["vermillion"],
                  linewidth=9, alpha=0.3, label=W["bounds"], zorder=1)
        last = b.iloc[-1]
        described.append(f"{W['bounds']} {narrative.fmt_period(last['data_period'], lang)} "
                         f"{_range(last['ci_low'], last['ci_high'], lang)}")
    series = ((survey_pub, W["survey_pub"], colours["orange"], "D", "--"),
              (by_name, f"{W['eppgbm']}, {W['by_name']}", colours["blue"], "o", "-"),
              (monthly, W["eppgbm_monthly"], colours["sky_blue"], "s", "-"),
              (register_pub, W["register_pub"], colours["blue"], "s", "none"))
    for rows, label, colour, marker, style in series:
        if rows.empty:
            continue
        x, y = when(rows), rows["estimate"].astype(float)
        hollow = style == "none"
        ax.plot(x, y, linestyle="" if hollow else style, marker=marker, color=colour, linewidth=1.8,
                markersize=7, markerfacecolor="white" if hollow else colour, label=label, zorder=3)
        lo, hi = rows["ci_low"].astype(float), rows["ci_high"].astype(float)
        has = lo.notna() & hi.notna()
        if has.any():
            ax.errorbar(x[has], y[has], yerr=[(y - lo)[has], (hi - y)[has]], fmt="none", ecolor=colour,
                        elinewidth=1.2, capsize=3, zorder=2)
        for _, r in rows.iterrows():
            who = _survey_name(r) if r["source"] == "published" else \
                f"{label} {narrative.fmt_period(r['data_period'], lang)}"
            described.append(f"{who} {narrative.fmt_pct(r['estimate'], lang)}")
    ax.yaxis.set_major_formatter(plots.PercentFormatter(lang))
    ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _pos: narrative.fmt_period(mdates.num2date(x).strftime("%Y-%m"), lang, short=True)))
    ax.set_ylabel(("Prevalensi stunting" if lang == "id" else "Stunting prevalence") + " (%)")
    ax.set_xlabel("Periode data" if lang == "id" else "Data period")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(0, -0.14), ncol=2, fontsize=8)
    title = (f"Stunting {name}: survei, register, batas populasi" if lang == "id"
             else f"Stunting, {name}: surveys, register, bounds")
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    published = pd.concat([survey_pub, register_pub]).sort_values("data_period", kind="stable")
    names = list(dict.fromkeys(_survey_name(r) for _, r in published.iterrows()))
    parts = names + ([W["eppgbm"]] if len(by_name) or len(bounds) else []) + \
        ([W["eppgbm_monthly"]] if len(monthly) else [])
    fig.text(0.01, 0.01, narrative.source_line("; ".join(parts), lang), ha="left", va="bottom",
             fontsize=plots.SOURCE_FONTSIZE, color="#444444", wrap=True)
    plots.tight_layout(fig, rect=(0, 0.05, 1, 1))  # each Axes measured once
    fig._alt_text = f"{title}. " + "; ".join(described) + "."
    fig._title = title
    return fig


# --------------------------------------------------------------------------------- sentences

def _same_year(rows: pd.DataFrame, year: str) -> pd.Series | None:
    hit = rows[rows["data_period"].astype(str).str[:4] == year]
    return hit.iloc[-1] if len(hit) else None


def _stunting_sentences(survey_pub, register_pub, by_name, participation, bounds, name, lang) -> list[str]:
    W = _W[lang]
    out: list[str] = []
    survey = survey_pub.iloc[-1] if len(survey_pub) else None
    register, reg_label = None, ""
    if survey is not None:  # the register of the survey's year, when there is one
        year = str(survey["data_period"])[:4]
        register = _same_year(by_name, year)
        reg_label = W["eppgbm"]
        if register is None:
            register = _same_year(register_pub, year)
            reg_label = _survey_name(register) if register is not None else ""
    if register is None and len(by_name):
        register, reg_label = by_name.iloc[-1], W["eppgbm"]
    if register is None and len(register_pub):
        register = register_pub.iloc[-1]
        reg_label = _survey_name(register)
    reg_when = "" if register is None else narrative.fmt_period(register["data_period"], lang)
    reg_text = "" if register is None else (reg_label if register["source"] == "published"
                                            else f"{reg_label} ({reg_when})")
    part = None if register is None else participation.get(str(register["data_period"]))
    p_text = "" if part is None or _is_missing(part.get("estimate")) else narrative.fmt_pct(part["estimate"], lang)

    if survey is not None and register is not None:
        s, r = float(survey["estimate"]), float(register["estimate"])
        s_area = _name_of(survey, name)
        ci = _ci(survey, lang)
        if lang == "id":
            text = (f"Menurut {_survey_name(survey)}, prevalensi stunting {s_area} "
                    f"{narrative.fmt_pct(s, lang)}{f' ({ci})' if ci else ''}; register {reg_text} "
                    f"mencatat {narrative.fmt_pct(r, lang)} dari balita yang ditimbang.")
        else:
            text = (f"According to {_survey_name(survey)}, stunting prevalence in {s_area} was "
                    f"{narrative.fmt_pct(s, lang)}{f' ({ci})' if ci else ''}; the register {reg_text} "
                    f"records {narrative.fmt_pct(r, lang)} of the children weighed.")
        out.append(text)
        has_ci = not (_is_missing(survey.get("ci_low")) or _is_missing(survey.get("ci_high")))
        direction = ("lower" if r < s else "higher" if r > s else "equal")
        words = {"id": {"lower": "lebih rendah dari", "higher": "lebih tinggi dari", "equal": "sama dengan"},
                 "en": {"lower": "lower than", "higher": "higher than", "equal": "equal to"}}[lang]
        outside = has_ci and not (float(survey["ci_low"]) <= r <= float(survey["ci_high"]))
        if has_ci:
            out.append(("Angka register berada di luar interval kepercayaan survei "
                        f"({words[direction]} batas {'bawah' if r < s else 'atas'})." if outside else
                        "Angka register berada di dalam interval kepercayaan survei.") if lang == "id" else
                       ("The register figure lies outside the survey's confidence interval "
                        f"({'below the lower' if r < s else 'above the upper'} bound)." if outside else
                        "The register figure lies within the survey's confidence interval."))
        else:
            out.append(f"Sumber {_survey_name(survey)} yang tercatat tidak memuat interval kepercayaan; "
                       f"angka register {words[direction]} angka survei." if lang == "id" else
                       f"The recorded source of {_survey_name(survey)} gives no confidence interval; "
                       f"the register figure is {words[direction]} the survey figure.")
        if str(survey["data_period"])[:4] != str(register["data_period"])[:4]:
            out.append(f"Keduanya dari tahun yang berbeda ({str(survey['data_period'])[:4]} dan "
                       f"{str(register['data_period'])[:4]})." if lang == "id" else
                       f"The two come from different years ({str(survey['data_period'])[:4]} and "
                       f"{str(register['data_period'])[:4]}).")
        if outside or (not has_ci and direction != "equal"):
            out.append(_why(p_text, reg_when, lang))
    elif register is not None:
        out.append(f"Register {reg_text} mencatat prevalensi stunting "
                   f"{narrative.fmt_pct(register['estimate'], lang)} dari balita yang ditimbang; "
                   "tidak ada angka survei yang dipublikasikan untuk dibandingkan." if lang == "id" else
                   f"The register {reg_text} records a stunting prevalence of "
                   f"{narrative.fmt_pct(register['estimate'], lang)} among the children weighed; "
                   "no published survey figure is available to compare.")

    b = bounds.iloc[-1] if len(bounds) else None
    if b is not None:
        when = narrative.fmt_period(b["data_period"], lang)
        if _is_missing(b["ci_low"]):
            out.append(f"Batas populasi {when} tidak dapat dihitung: jumlah sasaran balita tidak tersedia."
                       if lang == "id" else
                       f"The population bounds for {when} cannot be given: the number of target children "
                       "is not available.")
        else:
            text = (f"Tanpa asumsi apa pun tentang balita yang tidak diukur, prevalensi stunting seluruh balita "
                    f"sasaran {name} pada {when} berada antara {narrative.fmt_pct(b['ci_low'], lang)} dan "
                    f"{narrative.fmt_pct(b['ci_high'], lang)} (batas kasus terburuk)" if lang == "id" else
                    f"Assuming nothing about the children not measured, stunting among all target children "
                    f"in {name} in {when} lies between {narrative.fmt_pct(b['ci_low'], lang)} and "
                    f"{narrative.fmt_pct(b['ci_high'], lang)} (worst-case bounds)")
            if "capped" in str(b.get("note", "")):
                text += ("; lebih banyak balita diukur daripada sasaran, jadi sasaran kemungkinan kurang hitung"
                         if lang == "id" else
                         "; more children were measured than targeted, so the target is likely an undercount")
            same = None if survey is None else (str(survey["data_period"])[:4] == str(b["data_period"])[:4])
            if same:
                inside = float(b["ci_low"]) <= float(survey["estimate"]) <= float(b["ci_high"])
                text += ((f"; angka {_survey_name(survey)} berada {'di dalam' if inside else 'di luar'} batas ini")
                         if lang == "id" else
                         f"; the {_survey_name(survey)} figure lies {'within' if inside else 'outside'} these bounds")
            out.append(text + ".")
    return out


def _why(p_text: str, reg_when: str, lang: str) -> str:
    if lang == "id":
        who = (f"register hanya mencakup balita yang ditimbang (partisipasi D/S {p_text} pada {reg_when})"
               if p_text else "register hanya mencakup balita yang ditimbang")
        return (f"Perbedaan ini bisa terjadi karena {who}; balita yang tidak datang ke posyandu bisa berbeda "
                "dari yang datang (misalnya lebih sering dari keluarga miskin atau jauh dari posyandu); "
                "pengukuran panjang/tinggi badan di posyandu kurang baku dibanding survei (alat, posisi ukur, "
                "pembulatan); dan survei memiliki galat sampel serta waktu pengukuran yang berbeda.")
    who = (f"the register covers only the children weighed (participation D/S {p_text} in {reg_when})"
           if p_text else "the register covers only the children weighed")
    return (f"The difference can arise because {who}; children who do not come to the posyandu can differ "
            "from those who do (for instance, more often from poor families or far from a posyandu); "
            "length/height measurement at the posyandu is less standardised than in a survey (equipment, "
            "position, rounding); and the survey has sampling error and measures at another time.")


def _poverty_sentences(bps, survey, desil1, desil1_count, rt, name, lang, poverty_line) -> list[str]:
    out: list[str] = []
    official = bps.iloc[-1] if len(bps) else None
    ours = survey.iloc[-1] if len(survey) else None
    if official is not None:
        out.append(f"Angka kemiskinan resmi BPS untuk {_name_of(official, name)}: "
                   f"{_value(official, lang)} ({str(official['data_period'])[:4]})."
                   if lang == "id" else
                   f"BPS's official poverty rate for {_name_of(official, name)}: "
                   f"{_value(official, lang)} ({str(official['data_period'])[:4]}).")
    if ours is not None:
        ci = _ci(ours, lang)
        text = (f"Estimasi survei rumah tangga ({narrative.fmt_period(ours['data_period'], lang)}): "
                f"{narrative.fmt_pct(ours['estimate'], lang)}{f' ({ci})' if ci else ''}" if lang == "id" else
                f"The household-survey estimate ({narrative.fmt_period(ours['data_period'], lang)}): "
                f"{narrative.fmt_pct(ours['estimate'], lang)}{f' ({ci})' if ci else ''}")
        if official is not None and ci:
            same = str(official["data_period"])[:4] == str(ours["data_period"])[:4]
            inside = float(ours["ci_low"]) <= float(official["estimate"]) <= float(ours["ci_high"])
            if same:
                text += (f"; angka BPS berada {'di dalam' if inside else 'di luar'} interval ini" if lang == "id"
                         else f"; the BPS figure lies {'within' if inside else 'outside'} this interval")
            else:
                text += ("; tahunnya berbeda dari angka BPS, jadi perbandingan hanya gambaran" if lang == "id"
                         else "; it is of another year than the BPS figure, so the comparison is indicative only")
        out.append(text + ".")
        if poverty_line is not None:
            from analysis.estimation.poverty_lines import line_sentence

            out.append(f"Estimasi ini memakai {line_sentence(poverty_line, lang)}." if lang == "id" else
                        f"This estimate uses the {line_sentence(poverty_line, lang)}.")
    if len(desil1):
        d = desil1.iloc[-1]
        count = desil1_count.get(str(d["data_period"]))
        n_text = "" if count is None else f" ({_value(count, lang)} {_W[lang]['families']})"
        out.append(f"Di DTSEN, {narrative.fmt_pct(d['estimate'], lang)} keluarga {name} berada di desil 1"
                   f"{n_text}. Desil 1 adalah peringkat kesejahteraan (sepersepuluh termiskin secara nasional "
                   "menurut uji proksi), bukan angka kemiskinan, sehingga tidak sebanding langsung dengan "
                   "persentase penduduk miskin." if lang == "id" else
                   f"In DTSEN, {narrative.fmt_pct(d['estimate'], lang)} of {name}'s families are in decile 1"
                   f"{n_text}. Decile 1 is a welfare ranking (the nation's poorest tenth by a proxy-means test), "
                   "not a poverty rate, so it is not directly comparable with the share of poor persons.")
    if len(rt):
        items = ", ".join(f"{r['area_name']} {_value(r, lang)}" for _, r in rt.iterrows())
        out.append(f"Pendataan RT mencatat calon keluarga miskin ekstrem: {items}."
                   if lang == "id" else
                   f"The RT listing records extreme-poverty candidate families: {items}.")
    return out


def show_side_by_side(estimates: pd.DataFrame, area_code: str, lang: str = "id", *,
                      poverty_line=None, heading_level: int = 2) -> None:
    """Display the section in a brief notebook: heading, sentences, table, chart.

    Parameters
    ----------
    estimates, area_code, lang, poverty_line
        As :func:`side_by_side`.
    heading_level
        Markdown heading level of the section title (the briefs' sections use 2).
    """
    from IPython.display import Markdown, display

    from analysis.briefs import render

    table, figure, sentences = side_by_side(estimates, area_code, lang, poverty_line=poverty_line)
    title = "Menyandingkan data" if lang == "id" else "Side by side: official, survey and register figures"
    display(Markdown("#" * heading_level + " " + title))
    if table.empty:
        display(Markdown(narrative.labels(lang)["text"]["not_available"]))
        return
    if sentences:
        display(Markdown(" ".join(sentences)))
    caption = ("Angka resmi, survei dan register untuk wilayah ini" if lang == "id"
               else "Official, survey and register figures for this area")
    sources = table.attrs.get("sources") or {}
    note = narrative.source_line("; ".join(f"{k}: {v}" for k, v in sources.items()), lang) if sources else None
    render.show_table(table, caption=caption, note=note, numeric_cols=[COLUMNS[lang][5]])
    if figure is not None:
        plots.show(figure)
