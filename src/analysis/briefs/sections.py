"""Sections of the rakor briefs, read from the estimates table (the brief computes no statistic).

A brief notebook builds one :class:`Brief` and calls one method per cell; each method displays a
section (Markdown, an HTML table, a figure). Selections and formatting live here so that the
kecamatan brief (``03``) and the city brief (``04``) share them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from analysis import config
from analysis.briefs import narrative, plots, render
from analysis.estimates.table import KOTA_CODE, area_names

SOURCE_NAMES = {"eppgbm": "e-PPGBM", "susenas": "Susenas", "dtsen": "DTSEN",
                "pendataan_rt": "Pendataan RT", "program": "Daftar program"}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _md(text: str) -> None:
    display(Markdown(text))


_NUMERIC = re.compile(r"^([<>+\-−]?\s?[0-9]|–$|\*$|t\.a\.|n/a)")


def _table(df: pd.DataFrame, caption: str | None = None, note: str | None = None) -> None:
    """Show a formatted table; columns whose every cell is a number (or "–", "<5") align right."""
    numeric = [c for c in df.columns[1:]
               if len(df) and df[c].astype(str).str.strip().str.match(_NUMERIC).all()]
    render.show_table(df, caption=caption, note=note, numeric_cols=numeric)


NOTE_EN = {  # labels stored in the estimates table's `note` (Indonesian) → English
    "tercapai": "met", "belum tercapai": "not met", "perlu verifikasi": "needs verification",
    "tidak ada data": "no data", "sangat baik": "excellent", "baik": "good", "cukup": "acceptable",
    "bermasalah": "problematic", "wajar": "ok", "perlu diperiksa": "warning",
}
SINCE_PREVIOUS = {  # indicator → method prefix of the figure compared with the previous rakor
    "stunting": "direct", "stunting_count": "count", "poverty_p0": "direct",
    "extreme_poverty_p0": "direct", "dtsen_desil1_families": "count",
}
QUALITY_CHECKS = {  # the checks a brief shows, in order, with their labels
    "n_children": ("Balita dengan z-skor", "Children with z-scores"),
    "completeness_pct": ("Kelengkapan data (%)", "Completeness (%)"),
    "flagged_haz_pct": ("z-skor TB/U tidak masuk akal (%)", "Implausible HAZ (%)"),
    "flagged_whz_pct": ("z-skor BB/TB tidak masuk akal (%)", "Implausible WHZ (%)"),
    "sd_haz": ("SD z-skor TB/U", "SD of HAZ"),
    "flagged_whz_smart_pct": ("SMART: BB/TB di luar ±3 dari rata-rata (%)", "SMART: WHZ outside mean ±3 (%)"),
    "sex_ratio": ("SMART: rasio jenis kelamin", "SMART: sex ratio"),
    "age_ratio_6_29_30_59": ("SMART: rasio umur 6–29/30–59 bulan", "SMART: age ratio 6–29/30–59 months"),
    "dps_weight": ("SMART: preferensi digit berat", "SMART: digit preference, weight"),
    "dps_height": ("SMART: preferensi digit tinggi", "SMART: digit preference, height"),
    "sd_whz_smart": ("SMART: SD z-skor BB/TB", "SMART: SD of WHZ"),
    "skewness_whz_smart": ("SMART: kemencengan BB/TB", "SMART: skewness of WHZ"),
    "kurtosis_whz_smart": ("SMART: keruncingan BB/TB", "SMART: kurtosis of WHZ"),
    "poisson_dispersion_whz": ("SMART: sebaran wasting antar-posyandu", "SMART: dispersion of wasting across posyandu"),
}
RECON_ROWS = ["recon_dtsen_desil1", "recon_rt_extreme", "recon_both", "recon_dtsen_only_not_listed",
              "recon_dtsen_only_rt_not_extreme", "recon_rt_only_dtsen_other_desil",
              "recon_rt_only_not_in_dtsen"]


class Brief:
    """The estimates of one rakor period seen from one area (a kecamatan, or the city).

    Parameters
    ----------
    processed_dir
        Folder holding ``estimates.parquet``.
    period
        The rakor period ("YYYY-MM").
    lang
        "id" (default) or "en".
    synthetic
        Show the synthetic-data banner.
    area_code
        A kecamatan code for a kecamatan brief; None for the city brief.
    """

    def __init__(self, processed_dir: Path, period: str, lang: str = "id", synthetic: bool = False,
                 area_code: str | None = None):
        self.processed_dir = Path(processed_dir)
        est = pd.read_parquet(self.processed_dir / "estimates.parquet")
        self.est = est[est["period"] == period].copy()
        self.period = period
        self.lang = lang
        self.synthetic = synthetic
        self.L = narrative.labels(lang)
        self.names = area_names()
        if area_code is None:
            self.level, self.code, self.sub_level = "kota", KOTA_CODE, "kecamatan"
        else:
            if area_code not in self.names.index:
                raise ValueError(f"unknown kecamatan code {area_code}")
            self.level, self.code, self.sub_level = "kecamatan", area_code, "kelurahan"
        self.name = self.names[self.code]
        self.focus = [c for c in config.focus_kelurahan()
                      if self.level == "kota" or c.startswith(self.code + ".")]
        plots.set_theme()

    # ---------------------------------------------------------------- selection
    def t(self, key: str) -> str:
        return self.L["text"].get(key, key)

    def rows(self, indicator: str, level: str | None = None, codes=None, breakdown: str | None = "total",
             method: str | None = None, data_period: str | None = "latest") -> pd.DataFrame:
        """Rows of one indicator; ``data_period="latest"`` keeps the latest data period only."""
        df = self.est[self.est["indicator"] == indicator]
        if level is not None:
            df = df[df["area_level"] == level]
        if codes is not None:
            df = df[df["area_code"].isin([codes] if isinstance(codes, str) else list(codes))]
        if breakdown is not None:
            df = df[df["breakdown"] == breakdown]
        if method is not None:
            df = df[df["method"].str.startswith(method)]
        if data_period == "latest" and len(df):
            df = df[df["data_period"] == df["data_period"].max()]
        elif data_period not in (None, "latest"):
            df = df[df["data_period"] == data_period]
        return df

    def row(self, indicator: str, level: str, code: str, **kw) -> pd.Series | None:
        df = self.rows(indicator, level, code, **kw)
        return None if df.empty else df.iloc[0]

    def sub_areas(self) -> pd.Series:
        """Codes and names of the areas one level below (kelurahan of the kecamatan, or kecamatan)."""
        codes = [c for c in self.names.index
                 if c.count(".") == self.code.count(".") + 1 and c.startswith(self.code + ".")]
        return self.names[codes]

    def _label(self, indicator: str) -> str:
        return narrative.indicator_label(indicator, self.lang)

    def _pct_ci(self, r: pd.Series | None) -> str:
        """"16,9 (13,6–20,7)" in percent, marked * (caution) or † (unreliable)."""
        if r is None or pd.isna(r["estimate"]):
            return "–"
        num = lambda v: narrative.fmt_number(100 * v, 1, self.lang)  # noqa: E731
        text = f"{num(r['estimate'])} ({num(r['ci_low'])}–{num(r['ci_high'])})"
        if r.get("reliability") == "unreliable":
            text += " †"
        elif r.get("reliability") == "caution":
            text += " *"
        return text

    def _note(self, r: pd.Series | None) -> str:
        """The label in ``note`` (a status, a rating) in the brief's language."""
        if r is None or not isinstance(r.get("note"), str):
            return "–"
        return r["note"] if self.lang == "id" else NOTE_EN.get(r["note"], r["note"])

    def _share(self, r: pd.Series | None, numerator: pd.Series | None) -> str:
        """A share, hidden ("<5") when its numerator count is hidden."""
        if numerator is not None and bool(numerator["suppressed"]):
            return "<5"
        return "–" if r is None or pd.isna(r["estimate"]) else narrative.fmt_pct(r["estimate"], self.lang)

    def _count(self, r: pd.Series | None) -> str:
        if r is None or pd.isna(r["estimate"]):
            return "–"
        if bool(r.get("suppressed", False)):  # "<5", or "*" for a complementary suppression
            return r["note"] if isinstance(r.get("note"), str) else "<5"
        return narrative.fmt_int(r["estimate"], self.lang)

    def _sources(self) -> dict[str, str]:
        latest = self.est.dropna(subset=["data_period"]).groupby("source")["data_period"].max()
        return {SOURCE_NAMES.get(s, s): p for s, p in latest.items() if s in SOURCE_NAMES}

    def _source_note(self, *sources: str) -> str:
        wanted = {SOURCE_NAMES[s] for s in sources}
        return narrative.source_line({k: v for k, v in self._sources().items() if k in wanted}, self.lang)

    def _h(self, id_text: str, en_text: str, level: int = 2) -> None:
        _md("#" * level + " " + (id_text if self.lang == "id" else en_text))

    # ---------------------------------------------------------------- sections
    def header(self) -> None:
        kind = ("Kecamatan " if self.level == "kecamatan" else "") + self.name
        title = ("Brief Rakor Penanggulangan Kemiskinan Ekstrem dan Stunting" if self.lang == "id"
                 else "Rakor brief: extreme poverty and stunting")
        banner = (f"<div class='banner'>{html.escape(self.t('synthetic_banner'))}</div>"
                  if self.synthetic else "")
        sub = f"{kind} · {narrative.fmt_period(self.period, self.lang)}"
        display(HTML(f"{banner}<h1>{html.escape(title)}</h1><p class='subtitle'>{html.escape(sub)}</p>"
                     f"<p class='sources'>{html.escape(narrative.source_line(self._sources(), self.lang))}</p>"))

    def headlines(self) -> None:
        self._h("Ringkasan", "Headlines")
        sentences = []
        stunting = self.row("stunting", self.level, self.code)
        if stunting is not None:
            change = self.row("stunting_change", self.level, self.code, breakdown=None)
            ch = None
            if change is not None:
                ch = {"diff": change["estimate"], "ci_low": change["ci_low"], "ci_high": change["ci_high"],
                      "p_value": change["p_value"],
                      "previous_period": change["breakdown"].removeprefix("since=")}
            sentences.append(narrative.prevalence_sentence(stunting, lang=self.lang, change=ch))
        for ind in ("poverty_p0", "extreme_poverty_p0"):
            r = self.row(ind, self.level, self.code, method="direct")
            if r is not None:
                sentences.append(narrative.prevalence_sentence(r, lang=self.lang))
        for code in self.focus:
            r = self.row("extreme_families_verified", "kelurahan", code)
            if r is not None:
                sentences.append(narrative.zero_target_sentence(r, lang=self.lang))
        q = self.row("plausibility_score", self.level, self.code, breakdown=None)
        if q is not None:
            sentences.append(
                f"Skor plausibilitas data antropometri {narrative.fmt_int(q['estimate'], self.lang)} "
                f"({self._note(q)})." if self.lang == "id" else
                f"Anthropometric plausibility score {narrative.fmt_int(q['estimate'], self.lang)} ({self._note(q)}).")
        _md("\n".join(f"- {s}" for s in sentences[:6]) or self.t("not_available"))

    def _area_table(self, level: str, codes) -> pd.DataFrame:
        H = self.L["header"]
        rows = []
        for code, name in codes.items():
            st = self.row("stunting", level, code)
            measured = self.row("children_measured", level, code)
            count = self.row("stunting_count", level, code)
            change = self.row("stunting_change", level, code, breakdown=None)
            pov = self.row("poverty_p0", level, code, method="fay-herriot" if level == "kelurahan" else "direct")
            ext = self.row("extreme_poverty_p0", level, code, method="fay-herriot" if level == "kelurahan" else "direct")
            d1 = self.row("dtsen_desil1_families", level, code)
            rows.append({
                H["area_name"]: name + (" ◆" if code in self.focus else ""),
                H["n"]: self._count(measured),
                ("Balita stunting" if self.lang == "id" else "Stunted children"): self._count(count),
                # a rate next to n would give a hidden count away: hide it with its count
                ("Stunting % (IK 95%)" if self.lang == "id" else "Stunting % (95% CI)"):
                    "<5" if count is not None and bool(count["suppressed"]) else self._pct_ci(st),
                H["change"]: "–" if change is None else narrative.fmt_pp(change["estimate"], self.lang),
                ("Miskin % (IK 95%)" if self.lang == "id" else "Poor % (95% CI)"): self._pct_ci(pov),
                ("Miskin ekstrem % (IK 95%)" if self.lang == "id" else "Extreme poor % (95% CI)"): self._pct_ci(ext),
                ("Keluarga desil 1" if self.lang == "id" else "Decile-1 families"): self._count(d1),
            })
        return pd.DataFrame(rows)

    def _table_note(self) -> str:
        if self.lang == "id":
            return ("◆ kelurahan fokus (target nol kemiskinan ekstrem). * hati-hati (RSE 25–50%); † tidak andal "
                    "(RSE > 50% atau satu PSU). " + self.t("suppressed_note"))
        return ("◆ focus kelurahan (zero extreme poverty target). * use with caution (RSE 25–50%); † unreliable "
                "(RSE > 50% or a single PSU). " + self.t("suppressed_note"))

    def kelurahan_table(self) -> None:
        self._h("Kelurahan", "Kelurahan")
        _table(self._area_table("kelurahan", self.sub_areas()),
               caption=self._source_note("eppgbm", "susenas", "dtsen"), note=self._table_note())

    def kecamatan_table(self) -> None:
        self._h("Kecamatan", "Kecamatan")
        _table(self._area_table("kecamatan", self.sub_areas()),
               caption=self._source_note("eppgbm", "susenas", "dtsen"), note=self._table_note())

    def kelurahan_ranking(self) -> None:
        self._h("Semua kelurahan, menurut prevalensi stunting", "All kelurahan, ranked by stunting prevalence")
        kel = self.rows("stunting", "kelurahan").sort_values("estimate", ascending=False)
        names = self.names[[c for c in kel["area_code"] if c in self.names.index]]
        table = self._area_table("kelurahan", names)
        table.insert(0, self.L["header"]["rank"], range(1, len(table) + 1))
        _table(table, caption=self._source_note("eppgbm", "susenas", "dtsen"), note=self._table_note())

    def forest_plot(self) -> None:
        df = self.rows("stunting", self.sub_level, list(self.sub_areas().index))
        if df.empty:
            _md(self.t("not_available"))
            return
        df = df.assign(label=df["area_name"]).sort_values("estimate", ascending=False)
        kota = self.row("stunting", "kota", KOTA_CODE)
        target = config.settings()["targets"]["stunting_pct"]["value"] / 100
        refs = {self.t("city"): float(kota["estimate"])} if kota is not None else {}
        refs[self.t("target")] = target
        title = (f"Prevalensi stunting per {self.sub_level}, {narrative.fmt_period(df['data_period'].iloc[0], self.lang)}"
                 if self.lang == "id" else
                 f"Stunting prevalence by {self.sub_level}, {narrative.fmt_period(df['data_period'].iloc[0], self.lang)}")
        fig = plots.forest_plot(df, "label", ref_lines=refs, title=title,
                                xlabel="Prevalensi stunting" if self.lang == "id" else "Stunting prevalence",
                                source_note=self._source_note("eppgbm"), lang=self.lang,
                                highlight=[self.names[c] for c in self.focus])
        plots.show(fig)

    def trend(self) -> None:
        self._h("Tren stunting", "Stunting trend")
        codes = [self.code] if self.level == "kota" else [self.code, KOTA_CODE]
        df = self.est[(self.est["indicator"] == "stunting") & (self.est["breakdown"] == "total")
                      & (self.est["area_code"].isin(codes))]
        if df["data_period"].nunique() < 2:
            _md(self.t("not_available"))
            return
        target = config.settings()["targets"]["stunting_pct"]["value"] / 100
        fig = plots.trend_plot(df.sort_values("data_period"), group="area_name",
                               title=("Prevalensi stunting per putaran penimbangan" if self.lang == "id"
                                      else "Stunting prevalence by weighing round"),
                               ylabel="Prevalensi stunting" if self.lang == "id" else "Stunting prevalence",
                               source_note=self._source_note("eppgbm"), lang=self.lang,
                               ref_lines={self.t("target"): target})
        plots.show(fig)

    def since_previous(self) -> None:
        """Key figures beside those of the previous rakor in the history (``history.parquet``)."""
        from analysis.estimates import history

        path = self.processed_dir / "history.parquet"
        hist = pd.read_parquet(path) if path.exists() else None
        previous = None if hist is None else history.previous_period(hist, self.period)
        self._h("Sejak rakor sebelumnya", "Since the previous rakor")
        if previous is None:
            _md("Belum ada rakor sebelumnya dalam riwayat; perubahan akan tampil mulai rakor berikutnya."
                if self.lang == "id" else
                "No earlier rakor in the history yet; changes will show from the next rakor on.")
            return
        ch = history.change_since_previous(hist, self.period, previous, indicators=list(SINCE_PREVIOUS))
        ch = ch[(ch["area_code"] == self.code) & (ch["breakdown"] == "total")]
        rows = []
        for ind, method in SINCE_PREVIOUS.items():
            r = ch[(ch["indicator"] == ind) & ch["method"].str.startswith(method)]
            if r.empty:
                continue
            r = r.iloc[0]
            is_count = r.get("unit") == "count"
            hidden = {side: bool(r.get(f"suppressed_{side}")) is True for side in ("previous", "current")}

            def fmt(side: str, r=r, is_count=is_count, hidden=hidden) -> str:
                value = r[f"estimate_{side}"]
                if hidden[side]:
                    return "<5"
                return narrative.fmt_int(value, self.lang) if is_count else narrative.fmt_pct(value, self.lang)

            change = ("–" if any(hidden.values()) else
                      narrative.fmt_int(r["change"], self.lang) if is_count else narrative.fmt_pp(r["change"], self.lang))
            rows.append({
                self.L["header"]["indicator"]: _upper_first(self._label(ind)),
                narrative.fmt_period(previous, self.lang): fmt("previous"),
                narrative.fmt_period(self.period, self.lang): fmt("current"),
                self.L["header"]["change"]: change,
            })
        if rows:
            _table(pd.DataFrame(rows), caption=("Angka rakor ini dan rakor sebelumnya (riwayat)" if self.lang == "id"
                                                else "Figures of this and the previous rakor (history)"))

    def poverty_section(self) -> None:
        self._h("Kemiskinan", "Poverty")
        H = self.L["header"]
        rows = []
        for code in [self.code] + ([KOTA_CODE] if self.level != "kota" else []):
            level = "kota" if code == KOTA_CODE else self.level
            for ind in ("poverty_p0", "poverty_p1", "poverty_p2", "extreme_poverty_p0"):
                r = self.row(ind, level, code, method="direct")
                if r is None:
                    continue
                rows.append({H["area_name"]: self.names[code], H["indicator"]: self._label(ind),
                             H["estimate"]: self._pct_ci(r), H["n"]: narrative.fmt_int(r["n"], self.lang),
                             H["deff"]: narrative.fmt_number(r["deff"], 2, self.lang),
                             H["reliability"]: narrative.reliability_label(r["reliability"], self.lang)})
        if not rows:
            _md(self.t("not_available"))
            return
        line = config.settings()["poverty_lines"]
        note = ("Garis kemiskinan " + narrative.fmt_idr(line["poverty"]["value_idr_person_month"], self.lang)
                + " dan garis kemiskinan ekstrem " + narrative.fmt_idr(line["extreme"]["value_idr_person_month"], self.lang)
                + " per kapita per bulan (config/settings.yml). Estimasi langsung survei rumah tangga dengan desain "
                  "strata dan blok sensus; kemiskinan ekstrem dengan IK Korn-Graubard." if self.lang == "id" else
                "Poverty line " + narrative.fmt_idr(line["poverty"]["value_idr_person_month"], self.lang)
                + " and extreme-poverty line " + narrative.fmt_idr(line["extreme"]["value_idr_person_month"], self.lang)
                + " per person per month (config/settings.yml). Direct household-survey estimates with strata and "
                  "census-block clusters; extreme poverty with Korn-Graubard CIs.")
        _table(pd.DataFrame(rows), caption=self._source_note("susenas"), note=note)

    def small_area(self) -> None:
        self._h("Estimasi area kecil kemiskinan per kelurahan", "Small-area poverty estimates by kelurahan")
        H = self.L["header"]
        rows = []
        for code, name in self.names.items():
            if code.count(".") != 3:
                continue
            fh = self.row("poverty_p0", "kelurahan", code, method="fay-herriot")
            direct = self.row("poverty_p0", "kelurahan", code, method="direct")
            efh = self.row("extreme_poverty_p0", "kelurahan", code, method="fay-herriot")
            if fh is None and direct is None:
                continue
            rows.append({H["area_name"]: name + (" ◆" if code in self.focus else ""),
                         ("Langsung" if self.lang == "id" else "Direct"): self._pct_ci(direct),
                         ("Fay-Herriot" if self.lang == "id" else "Fay-Herriot"): self._pct_ci(fh),
                         ("Miskin ekstrem (FH)" if self.lang == "id" else "Extreme poor (FH)"): self._pct_ci(efh)})
        if not rows:
            _md(self.t("not_available"))
            return
        _table(pd.DataFrame(rows), caption=self._source_note("susenas", "dtsen", "eppgbm"), note=self._table_note())

    def focus_tracker(self) -> None:
        if not self.focus:
            return
        self._h("Kelurahan fokus: target nol kemiskinan ekstrem", "Focus kelurahan: zero extreme poverty")
        H = self.L["header"]
        rows = []
        for code in self.focus:
            ver = self.row("extreme_families_verified", "kelurahan", code)
            unv = self.row("extreme_families_unverified", "kelurahan", code)
            d1 = self.row("dtsen_desil1_families", "kelurahan", code)
            est = self.row("extreme_poverty_p0", "kelurahan", code, method="fay-herriot")
            status = self.row("zero_target_status", "kelurahan", code)
            rows.append({
                H["kelurahan"]: self.names[code],
                ("Keluarga miskin ekstrem terverifikasi" if self.lang == "id" else "Verified extreme-poor families"): self._count(ver),
                ("Belum diverifikasi" if self.lang == "id" else "Not yet verified"): self._count(unv),
                ("Keluarga desil 1 (DTSEN)" if self.lang == "id" else "Decile-1 families (DTSEN)"): self._count(d1),
                ("Estimasi miskin ekstrem, batas atas IK" if self.lang == "id" else "Extreme poverty estimate, CI upper bound"):
                    "–" if est is None else narrative.fmt_pct(est["ci_high"], self.lang),
                "Status": self._note(status),
            })
        _table(pd.DataFrame(rows), caption=self._source_note("pendataan_rt", "dtsen", "susenas"),
               note=("Target nol tercapai hanya bila jumlah keluarga miskin ekstrem terverifikasi nol."
                     if self.lang == "id" else "The zero target is met only when no verified extreme-poor family remains."))

    def reconciliation(self) -> None:
        """Extreme poverty by DTSEN desil 1 and by the RT listing, side by side, per area."""
        self._h("Penyandingan data antar-OPD", "Reconciliation across agencies")
        areas = self.sub_areas()
        level = self.sub_level
        rows = []
        for ind in RECON_ROWS:
            values = {name: self._count(self.row(ind, level, code)) for code, name in areas.items()}
            if all(v == "–" for v in values.values()):
                continue
            total = self._count(self.row(ind, self.level, self.code))
            rows.append({self.L["header"]["indicator"]: _upper_first(self._label(ind)), **values,
                         self.name: total})
        conflicts = self.rows("recon_conflicts", self.level, self.code, breakdown="kind=pencocokan_perlu_ditinjau")
        if not rows:
            _md(self.t("not_available"))
            return
        _table(pd.DataFrame(rows), caption=self._source_note("dtsen", "pendataan_rt"),
               note=("Keluarga dihitung sekali setelah dicocokkan antar-daftar (No. KK, NIK, atau nama + tanggal "
                     "lahir + kelurahan). Selisih antar-daftar masuk daftar verifikasi by-name untuk lurah dan RT "
                     "(keluaran terbatas, tidak dimuat di brief). " if self.lang == "id" else
                     "Families are counted once after matching across lists (No. KK, NIK, or name + birth date + "
                     "kelurahan). Disagreements go to by-name verification worklists for the lurah and RT "
                     "(restricted output, not in this brief). ") + self.t("suppressed_note"))
        if not conflicts.empty:
            n = int(conflicts["estimate"].sum())
            _md(f"{narrative.fmt_int(n, self.lang)} pencocokan antar-daftar perlu ditinjau petugas "
                 "(skor nama di bawah ambang)." if self.lang == "id" else
                 f"{narrative.fmt_int(n, self.lang)} matches between lists need review (name score below threshold).")
        overlaps = self.rows("recon_overlap", self.level, self.code, breakdown=None)
        if not overlaps.empty:
            df = overlaps.assign(sources=overlaps["breakdown"].str.removeprefix("sources="))
            df = df[df["estimate"] > 0].sort_values("estimate", ascending=False).head(10)
            names = {"dtsen": "DTSEN", "pendataan_rt": "RT", "program": "Program", "eppgbm": "e-PPGBM"}
            df["label"] = df["sources"].str.split("+").map(lambda parts: " + ".join(names.get(p, p) for p in parts))
            df["display"] = [self._count(r) for _, r in df.iterrows()]
            fig = plots.bar_counts(df, "label", "estimate", display_col="display",
                                   title=("Keluarga menurut daftar tempat tercatat" if self.lang == "id"
                                          else "Families by the lists they appear on"),
                                   xlabel="Keluarga" if self.lang == "id" else "Families",
                                   source_note=self._source_note("dtsen", "pendataan_rt", "program", "eppgbm"),
                                   lang=self.lang)
            plots.show(fig)

    def convergence(self) -> None:
        """Stunted children in extremely poor and poor families: where the two programmes meet."""
        stunted = self.row("convergence_stunted", self.level, self.code)
        if stunted is None:
            return
        extreme = self.row("convergence_stunted_extreme_poor", self.level, self.code)
        poor = self.row("convergence_stunted_poor", self.level, self.code)
        risk = self.row("convergence_families_resiko_stunting", self.level, self.code)
        risk_st = self.row("convergence_families_resiko_stunting_with_stunted_child", self.level, self.code)
        self._h("Konvergensi stunting dan kemiskinan", "Stunting and poverty together", level=3)
        max_desil = config.settings()["convergence"]["poor_max_desil"]
        if self.lang == "id":
            _md(f"Dari {self._count(stunted)} balita stunting, {self._count(extreme)} tinggal di keluarga miskin "
                f"ekstrem dan {self._count(poor)} di keluarga miskin (DTSEN desil 1–{max_desil}). Register mencatat "
                f"{self._count(risk)} keluarga berisiko stunting; {self._count(risk_st)} di antaranya memiliki "
                "balita stunting. Keluarga ini sasaran bersama program kemiskinan dan percepatan penurunan stunting.")
        else:
            _md(f"Of {self._count(stunted)} stunted children, {self._count(extreme)} live in extremely poor families "
                f"and {self._count(poor)} in poor families (DTSEN deciles 1–{max_desil}). The register lists "
                f"{self._count(risk)} families at risk of stunting; {self._count(risk_st)} of them have a stunted "
                "child. These families are a shared target of the poverty and stunting programmes.")

    def targeting(self) -> None:
        self._h("Ketepatan sasaran program", "Programme targeting")
        rows = self.rows("programme_coverage", self.level, self.code, breakdown=None)
        if rows.empty:
            _md(self.t("not_available"))
            return
        progs = {p["key"]: p["label_id"] for p in config.settings()["programmes"]}
        out = []
        for _, r in rows.iterrows():
            key = r["breakdown"].removeprefix("programme=")
            leak = self.row("programme_leakage", self.level, self.code, breakdown=r["breakdown"])
            reached = self.row("programme_reached", self.level, self.code, breakdown=r["breakdown"])
            beneficiaries = self.row("programme_beneficiaries", self.level, self.code, breakdown=r["breakdown"])
            leak_n = self.row("programme_leakage_count", self.level, self.code, breakdown=r["breakdown"])
            excl = self.row("programme_excluded", self.level, self.code, breakdown=r["breakdown"])
            out.append({
                ("Program" if self.lang == "id" else "Programme"): progs.get(key, key),
                ("Penerima" if self.lang == "id" else "Beneficiaries"): self._count(beneficiaries),
                ("Sasaran terjangkau" if self.lang == "id" else "Target families reached"): self._count(reached),
                ("Cakupan sasaran" if self.lang == "id" else "Coverage of target group"):
                    self._share(r, reached),
                ("Salah sasaran (bocor)" if self.lang == "id" else "Leakage"): self._share(leak, leak_n),
                ("Sasaran belum terjangkau" if self.lang == "id" else "Target families not reached"): self._count(excl),
            })
        _table(pd.DataFrame(out), caption=self._source_note("program", "dtsen", "pendataan_rt"),
               note=("Cakupan: bagian keluarga sasaran (menurut config) yang menerima program. Bocor: bagian penerima "
                     "di luar kelompok sasaran." if self.lang == "id" else
                     "Coverage: share of the target families (as configured) reached. Leakage: share of "
                     "beneficiaries outside the target group."))
        inc = self.rows("incentive_recipients", self.level, self.code, breakdown=None)
        if not inc.empty:
            items = [f"{progs.get(r['breakdown'].removeprefix('programme='), r['breakdown'])}: {self._count(r)}"
                     for _, r in inc.iterrows()]
            _md(("Penerima insentif: " if self.lang == "id" else "Incentive recipients: ") + "; ".join(items) + ".")

    def data_quality(self) -> None:
        self._h("Kualitas data", "Data quality")
        q = self.rows("quality_check", self.level, self.code, breakdown=None)
        score = self.row("plausibility_score", self.level, self.code)
        if score is not None:
            _md(f"Skor plausibilitas ENA-SMART data antropometri: **{narrative.fmt_int(score['estimate'], self.lang)}** "
                 f"({self._note(score)}; 0–9 sangat baik, 10–14 baik, 15–24 cukup, ≥25 bermasalah)."
                 if self.lang == "id" else
                 f"ENA-SMART plausibility score of the anthropometry: **{narrative.fmt_int(score['estimate'], self.lang)}** "
                 f"({self._note(score)}; 0–9 excellent, 10–14 good, 15–24 acceptable, ≥25 problematic).")
        if not q.empty:
            by_check = q.assign(check=q["breakdown"].str.removeprefix("check=")).set_index("check")
            rows = []
            for check, (label_id, label_en) in QUALITY_CHECKS.items():
                if check not in by_check.index:
                    continue
                r = by_check.loc[check]
                decimals = 0 if check == "n_children" else 2
                rows.append({
                    ("Pemeriksaan" if self.lang == "id" else "Check"): label_id if self.lang == "id" else label_en,
                    ("Nilai" if self.lang == "id" else "Value"): narrative.fmt_number(r["estimate"], decimals, self.lang),
                    "p": "–" if pd.isna(r["p_value"]) else narrative.fmt_number(r["p_value"], 3, self.lang),
                    ("Penilaian" if self.lang == "id" else "Rating"): self._note(r),
                })
            _table(pd.DataFrame(rows), caption=self._source_note("eppgbm"))
        rej = self.rows("rejected_rows", "kota", KOTA_CODE, breakdown=None, data_period=None)
        if not rej.empty:
            parts = rej["breakdown"].str.split(";", expand=True)
            table = pd.DataFrame({
                self.L["header"]["source"]: parts[0].str.removeprefix("source=").map(lambda s: SOURCE_NAMES.get(s, s)),
                self.L["header"]["reason"]: parts[1].str.removeprefix("reason=").str.replace("_", " "),
                self.L["header"]["rows"]: [narrative.fmt_int(v, self.lang) for v in rej["estimate"]],
            }).sort_values([self.L["header"]["source"], self.L["header"]["reason"]])
            _table(table, caption=("Baris yang ditolak saat pembersihan (seluruh kota), menurut alasan"
                                   if self.lang == "id" else "Rows rejected at cleaning (whole city), by reason"),
                   note=("Setiap baris yang ditolak tercatat di data/processed/rejects.parquet dengan berkas, "
                         "baris, kolom, nilai dan alasan." if self.lang == "id" else
                         "Every rejected row is listed in data/processed/rejects.parquet with file, row, "
                         "column, value and reason."))
        missing = self.est[self.est["indicator"] == "source_missing"]
        for _, r in missing.iterrows():
            _md(("⚠ Sumber tidak tersedia untuk periode ini: " if self.lang == "id"
                 else "⚠ Source not available for this period: ") + SOURCE_NAMES.get(r["note"], r["note"]))

    def methods(self) -> None:
        self._h("Metode dan catatan", "Methods and caveats")
        est = config.settings()["estimation"]
        if self.lang == "id":
            _md(
                "- z-skor antropometri menurut Standar Pertumbuhan Anak WHO 2006 (Permenkes 2/2020), dengan aturan "
                "WHO anthro: umur dalam hari, koreksi posisi ukur 0,7 cm, z dibulatkan 2 desimal sebelum batas; "
                "z-skor yang tidak masuk akal (flag) dikeluarkan dari prevalensi.\n"
                f"- Prevalensi dengan interval kepercayaan 95% metode {est['ci_method']} (sama dengan paket R `survey`, "
                f"`svyciprop`); kemiskinan ekstrem dengan metode {est['ci_method_rare']} karena kasusnya jarang; "
                "jumlah kasus nol tetap punya batas atas.\n"
                "- e-PPGBM hampir sensus: jumlah adalah hitungan tepat; IK prevalensi memperlakukan anak sebagai "
                "sampel dari proses yang menghasilkan stunting.\n"
                "- Kemiskinan: estimasi langsung survei (strata, blok sensus, penimbang; linearisasi Taylor). "
                "Kelurahan: estimasi area kecil Fay-Herriot dengan kovariat dari register.\n"
                f"- Keandalan: RSE ≤ {est['reliability']['reliable_max_rse']}% andal, ≤ "
                f"{est['reliability']['caution_max_rse']}% hati-hati (*), di atasnya tidak andal (†).\n"
                "- Sel kecil (1–4 orang/keluarga) ditampilkan sebagai \"<5\" untuk melindungi data pribadi.")
        else:
            _md(
                "- Anthropometric z-scores by the WHO 2006 Child Growth Standards (Permenkes 2/2020), with WHO anthro's "
                "rules: age in days, 0.7 cm position adjustment, z rounded to 2 decimals before cut-offs; flagged "
                "z-scores are excluded from prevalence.\n"
                f"- Prevalence with 95% confidence intervals, method {est['ci_method']} (as R's `survey` `svyciprop`); "
                f"extreme poverty with {est['ci_method_rare']} because it is rare; a zero count still has an upper bound.\n"
                "- e-PPGBM is near-census: counts are exact; the prevalence CI treats the children as a sample of the "
                "process that produces stunting.\n"
                "- Poverty: direct survey estimates (strata, census blocks, weights; Taylor linearisation). "
                "Kelurahan: Fay-Herriot small-area estimates with register covariates.\n"
                f"- Reliability: RSE ≤ {est['reliability']['reliable_max_rse']}% reliable, ≤ "
                f"{est['reliability']['caution_max_rse']}% use with caution (*), above unreliable (†).\n"
                "- Small cells (1–4 persons/families) are shown as \"<5\" to protect personal data.")

    def sae_annex(self) -> None:
        """Fay-Herriot diagnostics per indicator: shrinkage, standardised residuals, CVs."""
        self._h("Lampiran: diagnostik model area kecil", "Annex: small-area model diagnostics", level=2)
        d = self.est[self.est["indicator"].str.startswith("sae_")]
        if d.empty:
            _md(self.t("not_available"))
            return
        for indicator in ("poverty_p0", "extreme_poverty_p0"):
            part = d[d["breakdown"] == f"indicator={indicator}"]
            if part.empty:
                continue
            self._h(_upper_first(self._label(indicator)), _upper_first(self._label(indicator)), level=3)
            kota = part[part["area_level"] == "kota"].set_index("indicator")["estimate"]
            method = part["method"].iloc[0].removeprefix("fay-herriot:")
            _md(f"Metode {method}; ragam efek area σ²ᵤ = {narrative.fmt_number(kota.get('sae_sigma2_u'), 5, self.lang)}; "
                 f"uji normalitas Shapiro-Wilk residu p = {narrative.fmt_number(kota.get('sae_shapiro_residuals_p'), 3, self.lang)}, "
                 f"efek area p = {narrative.fmt_number(kota.get('sae_shapiro_random_effects_p'), 3, self.lang)}."
                 if self.lang == "id" else
                 f"Method {method}; area-effect variance σ²ᵤ = {narrative.fmt_number(kota.get('sae_sigma2_u'), 5, self.lang)}; "
                 f"Shapiro-Wilk normality of residuals p = {narrative.fmt_number(kota.get('sae_shapiro_residuals_p'), 3, self.lang)}, "
                 f"of area effects p = {narrative.fmt_number(kota.get('sae_shapiro_random_effects_p'), 3, self.lang)}.")
            kel = part[part["area_level"] == "kelurahan"].pivot_table(
                index="area_name", columns="indicator", values="estimate", aggfunc="first")
            labels = {"sae_gamma": ("γ (bobot langsung)", "γ (weight on direct)"),
                      "sae_std_residual": ("Residu baku", "Std. residual"),
                      "sae_cv_direct": ("CV langsung (%)", "CV direct (%)"),
                      "sae_cv_eblup": ("CV Fay-Herriot (%)", "CV Fay-Herriot (%)")}
            table = pd.DataFrame({self.L["header"]["kelurahan"]: kel.index})
            for col, (lid, len_) in labels.items():
                if col in kel:
                    decimals = 1 if col.startswith("sae_cv") else 2
                    table[lid if self.lang == "id" else len_] = [
                        narrative.fmt_number(v, decimals, self.lang) for v in kel[col].to_numpy()]
            _table(table, caption=self._source_note("susenas"),
                   note=("γ dekat 1: estimasi bersandar pada data survei kelurahan; dekat 0: pada model register. "
                         "Residu baku di luar ±2 menandai kelurahan yang tidak cocok dengan model."
                         if self.lang == "id" else
                         "γ near 1: the estimate leans on the kelurahan's survey data; near 0: on the register "
                         "model. Standardised residuals beyond ±2 flag kelurahan the model fits poorly."))

    def footer(self) -> None:
        from analysis.pipeline import git_commit

        intake_path = self.processed_dir / "intake.parquet"
        lines = []
        if intake_path.exists():
            intake = pd.read_parquet(intake_path)
            for r in intake.itertuples():
                lines.append(f"<li><code>{html.escape(str(r.file))}</code> sha256 {r.sha256[:12]}… "
                             f"({narrative.fmt_int(r.rows_in, self.lang)} baris)</li>" if self.lang == "id" else
                             f"<li><code>{html.escape(str(r.file))}</code> sha256 {r.sha256[:12]}… "
                             f"({narrative.fmt_int(r.rows_in, self.lang)} rows)</li>")
        head = ("Jejak data: berkas masukan dan versi kode. Pemeriksa dapat mengulang semua angka dengan "
                f"<code>rakor verify reports/{self.period}</code>." if self.lang == "id" else
                "Provenance: input files and code version. A reviewer re-runs every figure with "
                f"<code>rakor verify reports/{self.period}</code>.")
        display(HTML(f"<div class='footer'><p>{head}</p><ul>{''.join(lines)}</ul>"
                     f"<p>{'Versi kode' if self.lang == 'id' else 'Code version'}: <code>{git_commit()}</code></p></div>"))
