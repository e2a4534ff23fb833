"""The estimates table: every figure a brief shows, in one long table (docs/data_model.md).

Each ``*_rows`` function turns one module's results into rows of that table; ``build_estimates``
puts them together. Statistics are computed in their own modules (``estimation``, ``poverty``,
``sae``, ``quality``, ``reconcile``, ``targeting``); this module only chooses what to estimate, for
which areas and periods, and gives every figure its method and source.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config

ESTIMATE_COLUMNS = [
    "period", "data_period", "area_level", "area_code", "area_name", "indicator", "breakdown",
    "n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "p_value",
    "method", "source", "unit", "reliability", "suppressed", "note",
]
KOTA_CODE = config.settings()["region"]["code"]
LEVELS = {"kota": None, "kecamatan": "kecamatan_code", "kelurahan": "kelurahan_code"}

# Growth indicators: column of compute_zscores → indicator name in the estimates table
GROWTH_INDICATORS = {
    "is_stunted": "stunting",
    "is_severely_stunted": "severe_stunting",
    "is_wasted": "wasting",
    "is_underweight": "underweight",
}


@cache
def area_names() -> pd.Series:
    """Official name of every area code of the region (kota, kecamatan, kelurahan), from the gazetteer."""
    from analysis.intake.gazetteer import gazetteer

    return pd.Series(gazetteer().names, name="nama").rename_axis("kode")


def empty_estimates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ESTIMATE_COLUMNS})


def to_estimate_rows(result: pd.DataFrame, *, level: str, area_col: str | None, indicator: str,
                     period: str, data_period: str, method: str, source: str, unit: str = "proportion",
                     breakdown: str | pd.Series = "total") -> pd.DataFrame:
    """Shape one estimation result (one row per domain) into estimates-table rows."""
    out = pd.DataFrame(index=result.index)
    out["period"] = period
    out["data_period"] = data_period
    out["area_level"] = level
    out["area_code"] = KOTA_CODE if area_col is None else result[area_col].astype(str)
    out["area_name"] = out["area_code"].map(area_names())
    out["indicator"] = indicator
    out["breakdown"] = breakdown
    for col in ("n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "p_value"):
        out[col] = pd.to_numeric(result[col], errors="coerce") if col in result else np.nan
    out["method"] = method
    out["source"] = source
    out["unit"] = unit
    out["reliability"] = result["reliability"] if "reliability" in result else pd.NA
    out["suppressed"] = False
    out["note"] = result["note"] if "note" in result else pd.NA
    return out.reset_index(drop=True)


def estimate_by_levels(data: pd.DataFrame, estimator, *, indicator: str, period: str, data_period: str,
                       method: str, source: str, unit: str = "proportion",
                       breakdowns: Iterable[str] = (), **kwargs) -> pd.DataFrame:
    """Run ``estimator(data, by=...)`` for kota, kecamatan and kelurahan, and each breakdown column."""
    parts = []
    for level, area_col in LEVELS.items():
        by = [] if area_col is None else [area_col]
        res = estimator(data, by=by or None, **kwargs)
        parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                      period=period, data_period=data_period, method=method,
                                      source=source, unit=unit))
        for col in breakdowns:
            res = estimator(data, by=[*by, col], **kwargs)
            label = col + "=" + res[col].astype(str)
            parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                          period=period, data_period=data_period, method=method,
                                          source=source, unit=unit, breakdown=label))
    return pd.concat(parts, ignore_index=True)


def latest_at_or_before(periods: pd.Series, period: str) -> str | None:
    """The latest data period not after the rakor period (each source contributes its latest data)."""
    eligible = periods.dropna().astype(str)
    eligible = eligible[eligible <= period]
    return None if eligible.empty else eligible.max()


# --------------------------------------------------------------------------------------------
# Child growth (e-PPGBM): every weighing round up to the rakor period, for the trend
# --------------------------------------------------------------------------------------------

def growth_rows(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """Stunting, severe stunting, wasting and underweight with CIs for every round ≤ period.

    e-PPGBM is a near-census of the children weighed: counts are exact; the rate's CI treats the
    children as a sample of the process that generates stunting (each child its own unit, logit CI),
    the interpretation WHO anthro uses for surveillance data without a design.
    """
    from analysis.estimation.survey import estimate_proportion

    est = config.settings()["estimation"]
    parts = []
    rounds = sorted(p for p in children["period"].dropna().unique() if p <= period)
    for data_period in rounds:
        round_df = children[children["period"] == data_period]
        for col, indicator in GROWTH_INDICATORS.items():
            parts.append(estimate_by_levels(
                round_df, estimate_proportion, y=col, indicator=indicator, period=period,
                data_period=data_period, method=f"direct:{est['ci_method']}", source="eppgbm",
                breakdowns=["sex"] if col == "is_stunted" else (),
                ci_method=est["ci_method"], alpha=est["alpha"], dof=est["dof"],
            ))
        parts.append(count_rows(round_df, "is_stunted", indicator="stunting_count", period=period,
                                data_period=data_period, source="eppgbm"))
        # children with a usable (unflagged) HAZ: the denominator of the stunting prevalence
        parts.append(count_rows(round_df.assign(_measured=round_df["is_stunted"].notna()), "_measured",
                                indicator="children_measured", period=period,
                                data_period=data_period, source="eppgbm"))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def count_rows(data: pd.DataFrame, flag: str, *, indicator: str, period: str, data_period: str,
               source: str) -> pd.DataFrame:
    """Exact register counts of ``flag`` per kota, kecamatan and kelurahan (unit: count)."""
    values = data[flag].astype("boolean").fillna(False).astype(int)
    parts = []
    for level, area_col in LEVELS.items():
        if area_col is None:
            res = pd.DataFrame({"estimate": [values.sum()], "n": [len(values)]})
        else:
            res = (data.assign(_v=values).groupby(area_col, observed=True)
                   .agg(estimate=("_v", "sum"), n=("_v", "size")).reset_index())
        parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                      period=period, data_period=data_period, method="count",
                                      source=source, unit="count"))
    return pd.concat(parts, ignore_index=True)


def change_rows(growth: pd.DataFrame, period: str, indicator: str = "stunting") -> pd.DataFrame:
    """Change of ``indicator`` between the two latest rounds ≤ period, per area (percentage points).

    The rounds are treated as independent samples (``estimation.compare_periods``).
    """
    from analysis.estimation.survey import compare_periods

    rows = growth[(growth["indicator"] == indicator) & (growth["breakdown"] == "total")]
    rounds = sorted(rows["data_period"].unique())
    if len(rounds) < 2:
        return empty_estimates()
    prev, last = rounds[-2], rounds[-1]
    keys = ["area_level", "area_code"]
    a = rows[rows["data_period"] == prev].set_index(keys)
    b = rows[rows["data_period"] == last].set_index(keys)
    common = a.index.intersection(b.index)
    # On the 0-1 scale like every proportion in the table (briefs format it as points).
    cmp = compare_periods(a.loc[common].reset_index(), b.loc[common].reset_index(), scale=1.0)
    out = b.loc[common].reset_index()[keys + ["area_name", "n"]].copy()
    out["period"] = period
    out["data_period"] = last
    out["indicator"] = f"{indicator}_change"
    out["breakdown"] = f"since={prev}"
    for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        out[col] = cmp[col].to_numpy()
    out["n_weighted"] = np.nan
    out["df"] = np.nan
    out["deff"] = np.nan
    out["method"] = "difference:independent"
    out["source"] = "eppgbm"
    out["unit"] = "proportion"
    out["reliability"] = pd.NA
    out["suppressed"] = False
    out["note"] = pd.NA
    return out[ESTIMATE_COLUMNS]


# --------------------------------------------------------------------------------------------
# Poverty (household survey)
# --------------------------------------------------------------------------------------------

POVERTY_INDICATORS = {"poverty": "poverty", "extreme": "extreme_poverty"}


def survey_design():
    from analysis.estimation.survey import SurveyDesign

    est = config.settings()["estimation"]
    return SurveyDesign(strata="strata", cluster="psu", weights="weight_hh", lonely_psu=est["lonely_psu"])


def poverty_rows(households: pd.DataFrame, period: str) -> pd.DataFrame:
    """FGT P0, P1, P2 of persons for the poverty and extreme-poverty lines, kota to kelurahan (direct).

    Kelurahan rows are direct survey estimates from a few dozen households: they carry their
    reliability label; the brief shows the small-area estimates for kelurahan instead.
    """
    from analysis.estimation.poverty import estimate_fgt, estimate_poor_persons

    est = config.settings()["estimation"]
    hh, data_period = snapshot(households, period)
    if hh is None:
        return empty_estimates()
    design = survey_design()
    parts = []
    for kind, name in POVERTY_INDICATORS.items():
        line = config.poverty_line(kind)
        ci_method = est["ci_method_rare"] if kind == "extreme" else est["ci_method"]
        common = dict(line_idr=line, design=design, alpha=est["alpha"], dof=est["dof"], period=period,
                      data_period=data_period, source="susenas")
        parts.append(estimate_by_levels(hh, estimate_fgt, alpha_fgt=0, ci_method=ci_method,
                                        indicator=f"{name}_p0", method=f"direct:{ci_method}", **common))
        for alpha_fgt in (1, 2):
            # P1 and P2 are means of a non-negative variable: t interval, bounded below by 0
            rows = estimate_by_levels(hh, estimate_fgt, alpha_fgt=alpha_fgt, indicator=f"{name}_p{alpha_fgt}",
                                      method="direct:t", **common)
            rows["ci_low"] = rows["ci_low"].clip(lower=0.0)
            parts.append(rows)
        # Persons below the line: the domain's persons × the P0 interval, so that zero sampled
        # poor households still give an upper bound (DOMAIN.md §8)
        parts.append(estimate_by_levels(hh, estimate_poor_persons, ci_method=ci_method,
                                        indicator=f"{name}_persons", method=f"direct:total:{ci_method}",
                                        unit="count", **common))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Small-area estimates of kelurahan poverty (Fay-Herriot)
# --------------------------------------------------------------------------------------------

def kelurahan_covariates(dtsen_family: pd.DataFrame | None, dtsen_member: pd.DataFrame | None,
                         children: pd.DataFrame | None, data_period_eppgbm: str | None) -> pd.DataFrame:
    """Covariates known for every kelurahan, from the registers (config ``sae.covariates``).

    desil1_share: share of DTSEN families in desil 1; stunting_rate: e-PPGBM stunting share of the
    latest round; log_population: log of DTSEN members.
    """
    names = area_names()
    codes = pd.Index([c for c in names.index if c.count(".") == 3], name="kelurahan_code")
    out = pd.DataFrame(index=codes)
    out["kecamatan_code"] = [c.rsplit(".", 1)[0] for c in codes]
    if dtsen_family is not None and len(dtsen_family):
        fam = dtsen_family.groupby("kelurahan_code")["desil"]
        out["desil1_share"] = (fam.apply(lambda d: (d == 1).mean())).reindex(codes)
        out["families"] = fam.size().reindex(codes)
    if dtsen_member is not None and len(dtsen_member):
        out["population"] = dtsen_member.groupby("kelurahan_code").size().reindex(codes)
        out["log_population"] = np.log(out["population"])
    if children is not None and data_period_eppgbm is not None:
        kids = children[children["period"] == data_period_eppgbm]
        out["stunting_rate"] = (kids.groupby("kelurahan_code")["is_stunted"]
                                .apply(lambda s: s.astype("Float64").mean()).reindex(codes).astype(float))
    return out.reset_index()


def sae_rows(households: pd.DataFrame, covariates: pd.DataFrame, direct: pd.DataFrame,
             period: str) -> tuple[pd.DataFrame, dict]:
    """Fay-Herriot EBLUPs of kelurahan poverty and extreme poverty, benchmarked to the kota.

    ``direct`` is the estimates table's direct rows (from :func:`poverty_rows`). Returns the rows
    (method ``fay-herriot`` and the benchmarked ``fay-herriot:ratio``) and the fitted results by
    indicator for the diagnostics annex.
    """
    from analysis.estimation import small_area as sae

    cfg = config.settings()["sae"]
    wanted = [c for c in cfg["covariates"] if c in covariates and covariates[c].notna().all()]
    parts, results = [], {}
    for indicator, rare in (("poverty_p0", False), ("extreme_poverty_p0", True)):
        d = direct[(direct["indicator"] == indicator) & (direct["breakdown"] == "total")]
        if d.empty:
            continue
        kel = d[d["area_level"] == "kelurahan"][["area_code", "estimate", "se", "n"]]
        kel = kel.rename(columns={"area_code": "kelurahan_code"})
        df = covariates.merge(kel, on="kelurahan_code", how="left", validate="1:1")
        df["var"] = df["se"] ** 2
        data_period = d["data_period"].iloc[0]
        kota = d[d["area_level"] == "kota"]["estimate"].iloc[0]
        variance = cfg["variance_rare"] if rare else cfg["variance"]
        method = cfg["method_rare"] if rare else cfg["method"]
        weighted = "population" in df and df["population"].notna().all()
        common = dict(method=method, benchmark=cfg["benchmark"], benchmark_target=float(kota),
                      benchmark_weights="population" if weighted else None)
        if variance == "arcsin":
            df["n_eff"] = sae.smooth_variance(df, "estimate", "var", "n", method="arcsin")["n_eff"]
            res = sae.fay_herriot(df, "estimate", "var", wanted, "kelurahan_code", transform="arcsin",
                                  n_eff="n_eff", mse="bootstrap", n_boot=int(cfg["n_boot"]),
                                  seed=int(cfg["seed"]), **common)
        else:
            df["var_s"] = sae.smooth_variance(df, "estimate", "var", "n", method="gvf")["var_smoothed"]
            res = sae.fay_herriot(df, "estimate", "var_s", wanted, "kelurahan_code", **common)
        results[indicator] = res
        n = kel.set_index("kelurahan_code")["n"]
        for column in ("eblup", f"eblup_{cfg['benchmark']}"):
            rows = sae.estimates_rows(res, indicator, column=column, n=n)
            rows = rows.rename(columns={"area_code": "kelurahan_code"})
            # A proportion's interval stays within [0, 1] (the normal interval of the EBLUP may not).
            rows["ci_low"] = rows["ci_low"].clip(lower=0.0)
            rows["ci_high"] = rows["ci_high"].clip(upper=1.0)
            by_area = res.table.set_index("area").reindex(rows["kelurahan_code"])
            rows["reliability"] = _reliability_from_rse(by_area["rse"].to_numpy())
            if res.mse_method != "bootstrap" and "mse_floored" in by_area:  # a floor, not an estimate
                rows["note"] = np.where(by_area["mse_floored"].fillna(False).to_numpy(bool),
                                        "mse floored at g1+g2", None)
            parts.append(to_estimate_rows(rows, level="kelurahan", area_col="kelurahan_code",
                                          indicator=indicator, period=period, data_period=data_period,
                                          method=rows["method"].iloc[0], source="susenas"))
        diag = sae.fh_diagnostics(res)
        parts.append(_sae_annex_rows(res, diag, indicator, period, data_period))
    return (pd.concat(parts, ignore_index=True) if parts else empty_estimates()), results


def _reliability_from_rse(rse_pct: np.ndarray) -> np.ndarray:
    """Reliability of model estimates from their RSE in percent (as ``sae`` reports it)."""
    from analysis.estimation.survey import reliability_label

    rse_pct = np.asarray(rse_pct, dtype=float)
    usable = np.isfinite(rse_pct) & (rse_pct > 0)  # an RSE of 0 or NaN is no evidence of precision
    return np.where(usable, reliability_label(rse_pct / 100), "unreliable")


def _sae_annex_rows(res, diag, indicator: str, period: str, data_period: str) -> pd.DataFrame:
    """Model diagnostics as ``sae_*`` rows for the city brief's annex (breakdown names the indicator)."""
    t = diag.table
    common = dict(period=period, data_period=data_period, method=f"fay-herriot:{res.method}",
                  source="susenas", breakdown=f"indicator={indicator}")
    rows = []
    for col, unit in (("gamma", "ratio"), ("std_residual", "z"), ("cv_direct", "percent"),
                      ("cv_eblup", "percent")):
        per_area = pd.DataFrame({"kelurahan_code": t["area"], "estimate": t[col]})
        rows.append(to_estimate_rows(per_area, level="kelurahan", area_col="kelurahan_code",
                                     indicator=f"sae_{col}", unit=unit, **common))
    summary = {"sae_sigma2_u": res.sigma2_u, "sae_shapiro_residuals_p": diag.shapiro_residuals_p,
               "sae_shapiro_random_effects_p": diag.shapiro_random_effects_p}
    for name, value in summary.items():
        rows.append(to_estimate_rows(pd.DataFrame({"estimate": [value]}), level="kota", area_col=None,
                                     indicator=name, unit="statistic", **common))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Registers, reconciliation, targeting, tracker, data quality: counts per area
# --------------------------------------------------------------------------------------------

def counts_by_area(table: pd.DataFrame, value_cols: dict[str, str], *, period: str, data_period: str,
                   source: str, breakdown_col: str | None = None, method: str = "count",
                   unit: str = "count", levels=("kota", "kecamatan", "kelurahan")) -> pd.DataFrame:
    """Sum per-kelurahan count columns up to kecamatan and kota; one indicator per column.

    ``value_cols`` maps a column of ``table`` (one row per kelurahan, or kelurahan × breakdown)
    to an indicator name. Counts add up exactly, so kecamatan and kota rows are sums.
    """
    t = table.copy()
    if "kecamatan_code" not in t:
        t["kecamatan_code"] = t["kelurahan_code"].str.rsplit(".", n=1).str[0]
    parts = []
    extra = [breakdown_col] if breakdown_col else []
    for level in levels:
        area_col = LEVELS[level]
        keys = ([area_col] if area_col else []) + extra
        sums = (t.groupby(keys, observed=True)[list(value_cols)].sum().reset_index() if keys
                else t[list(value_cols)].sum().to_frame().T)
        for col, indicator in value_cols.items():
            res = sums.assign(estimate=sums[col].astype(float), n=np.nan)
            breakdown = (breakdown_col + "=" + res[breakdown_col].astype(str)) if breakdown_col else "total"
            parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                          period=period, data_period=data_period, method=method,
                                          source=source, unit=unit, breakdown=breakdown))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def register_rows(dtsen_family: pd.DataFrame, period: str, data_period: str) -> pd.DataFrame:
    """DTSEN families, and families in desil 1 (the register's extreme-poverty proxy), per area."""
    per = (dtsen_family.assign(families=1, desil1=(dtsen_family["desil"] == 1).astype(int))
           .groupby("kelurahan_code")[["families", "desil1"]].sum().reset_index())
    return counts_by_area(per, {"families": "dtsen_families", "desil1": "dtsen_desil1_families"},
                          period=period, data_period=data_period, source="dtsen")


def tracker_rows(tracker: pd.DataFrame, period: str, data_period: str) -> pd.DataFrame:
    """The zero-extreme-poverty tracker of the focus kelurahan (counts and status)."""
    cols = {"n_verified": "extreme_families_verified", "n_unverified": "extreme_families_unverified",
            "n_cleared": "extreme_families_cleared", "n_rt_candidates": "rt_extreme_candidates"}
    rows = counts_by_area(tracker, cols, period=period, data_period=data_period, source="pendataan_rt",
                          levels=("kelurahan",))
    status = tracker.assign(estimate=(tracker["status"] == "tercapai").astype(float), note=tracker["status"])
    rows2 = to_estimate_rows(status, level="kelurahan", area_col="kelurahan_code",
                             indicator="zero_target_status", period=period, data_period=data_period,
                             method="rule:verified=0", source="pendataan_rt", unit="flag")
    return pd.concat([rows, rows2], ignore_index=True)


def reconciliation_rows(tables: dict[str, pd.DataFrame], period: str, data_period: str) -> pd.DataFrame:
    """Overlaps between lists, extreme-poverty disagreements and conflicts, per area."""
    parts = []
    ebs = tables.get("extreme_by_source")
    if ebs is not None and len(ebs):
        cols = {c: f"recon_{c.removeprefix('n_')}" for c in ebs.columns if c.startswith("n_")}
        parts.append(counts_by_area(ebs, cols, period=period, data_period=data_period, source="dtsen"))
    overlaps = tables.get("overlaps")
    if overlaps is not None and len(overlaps):
        parts.append(counts_by_area(overlaps.rename(columns={"combination": "sources"}),
                                    {"n_families": "recon_overlap"}, breakdown_col="sources",
                                    period=period, data_period=data_period, source="dtsen"))
    conflicts = tables.get("conflict_counts")
    if conflicts is not None and len(conflicts):
        value = [c for c in conflicts.columns if c.startswith("n")][0]
        kind = [c for c in conflicts.columns if c not in (value, "kelurahan_code", "kecamatan_code")][0]
        parts.append(counts_by_area(conflicts.rename(columns={kind: "kind"}), {value: "recon_conflicts"},
                                    breakdown_col="kind", period=period, data_period=data_period,
                                    source="dtsen"))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def targeting_rows(targeting: pd.DataFrame, period: str, data_period: str) -> pd.DataFrame:
    """Programme coverage, leakage and exclusion per area; incentive rosters counted."""
    kinds = {p["key"]: p.get("kind", "assistance") for p in config.settings()["programmes"]}
    t = targeting.rename(columns={"programme": "programme"})
    assist = t[t["programme"].map(kinds).eq("assistance")]
    inc = t[t["programme"].map(kinds).eq("incentive")]
    parts = []
    if len(assist):
        counts = {"n_target": "programme_target", "n_reached": "programme_reached",
                  "n_beneficiaries": "programme_beneficiaries", "n_leakage": "programme_leakage_count",
                  "n_excluded": "programme_excluded"}
        c = counts_by_area(assist, counts, breakdown_col="programme", period=period,
                           data_period=data_period, source="program")
        parts.append(c)
        # Shares from the summed counts (exact ratios of register counts, no sampling error)
        wide = c.pivot_table(index=["area_level", "area_code", "breakdown"], columns="indicator",
                             values="estimate", aggfunc="first").reset_index()
        for name, num, den in (("programme_coverage", "programme_reached", "programme_target"),
                               ("programme_leakage", "programme_leakage_count", "programme_beneficiaries")):
            share = wide[num] / wide[den].where(wide[den] > 0)
            rows = c.drop_duplicates(["area_level", "area_code", "breakdown"])[
                ["area_level", "area_code", "breakdown"]].merge(
                wide.assign(estimate=share)[["area_level", "area_code", "breakdown", "estimate", den]],
                on=["area_level", "area_code", "breakdown"], validate="1:1")
            base = c[c["indicator"] == num].drop(columns=["estimate"]).merge(
                rows[["area_level", "area_code", "breakdown", "estimate", den]],
                on=["area_level", "area_code", "breakdown"], validate="1:1")
            base["n"] = base[den]
            base["indicator"] = name
            base["unit"] = "proportion"
            base["method"] = "ratio:register"
            parts.append(base[ESTIMATE_COLUMNS])
    if len(inc):
        parts.append(counts_by_area(inc, {"n_beneficiaries": "incentive_recipients"},
                                    breakdown_col="programme", period=period, data_period=data_period,
                                    source="program"))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def convergence_rows(conv: pd.DataFrame, period: str, data_period: str) -> pd.DataFrame:
    cols = {c: f"convergence_{c.removeprefix('n_')}" for c in conv.columns if c.startswith("n_")}
    return counts_by_area(conv, cols, period=period, data_period=data_period, source="eppgbm")


def quality_rows(children: pd.DataFrame, period: str, data_period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """WHO/UNICEF checks and the SMART plausibility score for the kota and each kecamatan."""
    from analysis.measures.quality import assess_quality

    kids = children[children["period"] == data_period]
    tables = [assess_quality(kids, by=None).assign(area_level="kota", area_code=KOTA_CODE),
              assess_quality(kids, by="kecamatan_code").query("area != 'total'")
              .assign(area_level="kecamatan", area_code=lambda d: d["area"])]
    q = pd.concat(tables, ignore_index=True)
    q["note"] = q["rating_id"]
    q["estimate"] = q["value"]
    parts = []
    for level, g in q.groupby("area_level"):
        area_col = None if level == "kota" else "area_code"
        score = g[g["check"] == "plausibility_score"]
        other = g[g["check"] != "plausibility_score"]
        parts.append(to_estimate_rows(other, level=level, area_col=area_col, indicator="quality_check",
                                      period=period, data_period=data_period, method="who-unicef/smart",
                                      source="eppgbm", unit="statistic",
                                      breakdown="check=" + other["check"]))
        parts.append(to_estimate_rows(score, level=level, area_col=area_col, indicator="plausibility_score",
                                      period=period, data_period=data_period, method="ena-smart",
                                      source="eppgbm", unit="score"))
    return pd.concat(parts, ignore_index=True), q


def rejects_rows(rejects: pd.DataFrame, intake: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows rejected at cleaning by source and reason (whole kota), and rows read per source."""
    parts = []
    if len(rejects):
        per = (rejects.drop_duplicates(["file", "row"]).groupby(["source", "reason"]).size()
               .rename("estimate").reset_index())
        parts.append(to_estimate_rows(per, level="kota", area_col=None, indicator="rejected_rows",
                                      period=period, data_period=period, method="count", source="intake",
                                      unit="count",
                                      breakdown="source=" + per["source"] + ";reason=" + per["reason"]))
    if len(intake):
        per = intake.groupby("source")[["rows_in", "rows_kept", "rows_rejected"]].sum().reset_index()
        for col in ("rows_in", "rows_kept", "rows_rejected"):
            parts.append(to_estimate_rows(per.assign(estimate=per[col]), level="kota", area_col=None,
                                          indicator=f"intake_{col}", period=period, data_period=period,
                                          method="count", source="intake", unit="count",
                                          breakdown="source=" + per["source"]))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


# --------------------------------------------------------------------------------------------
# The whole estimate stage: load → process → save
# --------------------------------------------------------------------------------------------

SOURCE_TABLES = ("eppgbm", "dtsen_member", "dtsen_family", "susenas", "pendataan_rt", "program",
                 "intake", "rejects")


def load_processed(processed_dir: Path) -> dict[str, pd.DataFrame]:
    """The processed tables present in ``processed_dir`` (a missing source is simply absent)."""
    processed_dir = Path(processed_dir)
    return {name: pd.read_parquet(processed_dir / f"{name}.parquet")
            for name in SOURCE_TABLES if (processed_dir / f"{name}.parquet").exists()}


def load_identity(processed_dir: Path) -> pd.DataFrame | None:
    """The restricted identity lookup, for by-name worklists only (never shown in a notebook)."""
    path = Path(processed_dir) / "restricted" / "identity.parquet"
    return pd.read_parquet(path) if path.exists() else None


def snapshot(table: pd.DataFrame | None, period: str, *, accumulate_by: str | None = None,
             per: str | None = None) -> tuple[pd.DataFrame | None, str | None]:
    """The rows of a source that a rakor of ``period`` uses, and their data period.

    Registers and surveys are snapshots: the latest period at or before ``period`` (``per`` a
    column such as ``programme``: the latest period of each value). A listing that accumulates
    (the RT self-listing) keeps every row up to ``period``, the latest per ``accumulate_by`` key.
    """
    if table is None or table.empty:
        return None, None
    # A file without a period (no Periode column, none in its name) is taken as current data.
    table = table.assign(period=table["period"].where(table["period"].notna(), period).astype(str))
    data_period = latest_at_or_before(table["period"], period)
    if data_period is None:
        return None, None
    upto = table[table["period"] <= period]
    if accumulate_by:
        upto = upto.sort_values("period").drop_duplicates(accumulate_by, keep="last")
        return upto, data_period
    if per:
        latest = upto.groupby(per)["period"].transform("max")
        return upto[upto["period"] == latest], data_period
    return upto[upto["period"] == data_period], data_period


class Outputs:
    """What the estimate stage produced (tables kept for saving and for the notebook to show)."""

    def __init__(self):
        self.estimates = empty_estimates()
        self.children: pd.DataFrame | None = None
        self.quality: pd.DataFrame | None = None
        self.reconciliation: dict[str, pd.DataFrame] = {}
        self.sae: dict = {}
        self.worklist_input: dict | None = None
        self.missing_sources: list[str] = []


def build_all(tables: dict[str, pd.DataFrame], period: str, processed_dir: Path | None = None) -> Outputs:
    """Every figure of the rakor ``period`` from the processed tables, in one long table."""
    from analysis.linkage import reconcile, targeting
    from analysis.measures.anthropometry import compute_zscores

    out = Outputs()
    parts: list[pd.DataFrame] = []
    out.missing_sources = [s for s in ("eppgbm", "dtsen_member", "susenas", "pendataan_rt", "program")
                           if s not in tables or tables[s].empty]

    # Child growth: every round up to the period (trend), z-scores by WHO anthro rules.
    children, eppgbm_period = None, None
    if "eppgbm" in tables and len(tables["eppgbm"]):
        eppgbm = tables["eppgbm"]
        children = compute_zscores(eppgbm[eppgbm["period"] <= period])
        out.children = children
        growth = growth_rows(children, period)
        parts += [growth, change_rows(growth, period)]
        eppgbm_period = latest_at_or_before(children["period"], period)
        q_rows, out.quality = quality_rows(children, period, eppgbm_period)
        parts.append(q_rows)

    # Poverty: direct survey estimates, then Fay-Herriot for kelurahan.
    family, fam_period = snapshot(tables.get("dtsen_family"), period)
    members, _ = snapshot(tables.get("dtsen_member"), period)
    if "susenas" in tables and len(tables["susenas"]):
        direct = poverty_rows(tables["susenas"], period)
        parts.append(direct)
        covariates = kelurahan_covariates(family, members, children, eppgbm_period)
        sae_part, out.sae = sae_rows(tables["susenas"], covariates, direct, period)
        parts.append(sae_part)

    # Registers, the RT listing, programmes: reconciliation, targeting and the tracker.
    rt, rt_period = snapshot(tables.get("pendataan_rt"), period, accumulate_by="family_key")
    program, prog_period = snapshot(tables.get("program"), period, per="programme")
    if family is not None:
        parts.append(register_rows(family, period, fam_period))
        rt_ = rt if rt is not None else tables.get("pendataan_rt", pd.DataFrame()).iloc[0:0]
        kids = None
        if children is not None:
            kids = children[children["period"] == eppgbm_period]
        identity = load_identity(processed_dir) if processed_dir is not None else None
        links = reconcile.link_families(family, members, rt_ if len(rt_) else None, program, kids,
                                        identity=identity)
        recon = reconcile.reconciliation_tables(links, family, rt_, dtsen_member=members)
        out.reconciliation = recon
        out.worklist_input = {"tables": recon, "identity": identity}
        parts.append(reconciliation_rows(recon, period, fam_period))
        if program is not None:
            tg = targeting.programme_targeting(program, family, rt_, config.settings(), links=links)
            parts.append(targeting_rows(tg, period, prog_period))
        flags = targeting.poverty_flags(family, rt_, links,
                                        poor_max_desil=int(config.settings()["convergence"]["poor_max_desil"]))
        if kids is not None:
            conv = targeting.convergence(kids, links, family, flags)
            parts.append(convergence_rows(conv, period, eppgbm_period))
        so_far = pd.concat(parts, ignore_index=True)
        tracker = targeting.zero_extreme_tracker(family, rt_, so_far, focus_codes=config.focus_kelurahan(),
                                                 period=period, links=links)
        parts.append(tracker_rows(tracker, period, rt_period or fam_period))

    parts.append(rejects_rows(tables.get("rejects", pd.DataFrame()), tables.get("intake", pd.DataFrame()),
                              period))
    if out.missing_sources:  # the briefs say which sources were not there
        missing = pd.DataFrame({"estimate": 1.0, "note": [s.removesuffix("_member") for s in out.missing_sources]})
        parts.append(to_estimate_rows(missing, level="kota", area_col=None, indicator="source_missing",
                                      period=period, data_period=period, method="rule", source="intake",
                                      unit="flag", breakdown="source=" + missing["note"]))
    est = pd.concat([p for p in parts if len(p)], ignore_index=True)[ESTIMATE_COLUMNS]
    out.estimates = suppress(est)
    return out


# Counts of persons or families that identify people when small (privacy.min_cell).
PERSON_COUNT_PREFIXES = ("stunting_count", "extreme_families", "rt_extreme", "recon_", "convergence_",
                         "programme_reached", "programme_beneficiaries", "programme_excluded",
                         "programme_leakage_count", "dtsen_desil1", "incentive_recipients")


def suppress(est: pd.DataFrame) -> pd.DataFrame:
    """Hide counts of persons or families from 1 to min_cell − 1, with complementary suppression.

    Kelurahan counts add up to their kecamatan and kecamatan counts to the kota, and the briefs
    show both: within each such group (same indicator, breakdown, data period and parent area) a
    single hidden cell makes ``privacy.suppress_small_counts`` hide the next-smallest one too. The
    text a brief shows for a hidden count ("<5" or "*") goes in ``note``.
    """
    from analysis.estimates.suppression import suppress_small_counts

    est = est.copy()
    est["suppressed"] = False
    is_count = (est["unit"] == "count") & est["indicator"].str.startswith(PERSON_COUNT_PREFIXES)
    keys = ["indicator", "breakdown", "data_period", "method"]
    for level, parent_len in (("kelurahan", 8), ("kecamatan", 5)):
        rows = est[is_count & (est["area_level"] == level)]
        if rows.empty:
            continue
        cells = rows[keys + ["estimate"]].assign(parent=rows["area_code"].str.slice(0, parent_len))
        done = suppress_small_counts(cells, "estimate", group_cols=keys + ["parent"])
        hidden = done.index[done["suppressed"]]
        est.loc[hidden, "suppressed"] = True
        est.loc[hidden, "note"] = done.loc[hidden, "estimate_display"]
    kota = is_count & (est["area_level"] == "kota")
    min_cell = int(config.settings()["privacy"]["min_cell"])
    small = kota & est["estimate"].between(1, min_cell - 1)
    est.loc[small, "suppressed"] = True
    est.loc[small, "note"] = f"<{min_cell}"
    return est


def save_outputs(outputs: Outputs, processed_dir: Path, period: str) -> dict[str, Path]:
    """Write the estimates table, z-scores, quality, history and the restricted worklists."""
    from analysis.estimates import history
    from analysis.linkage import reconcile

    processed_dir = Path(processed_dir)
    written = {}
    est = outputs.estimates.sort_values(["indicator", "area_level", "area_code", "breakdown", "data_period",
                                          "method"], kind="stable").reset_index(drop=True)
    written["estimates"] = _atomic_parquet(est, processed_dir / "estimates.parquet")
    if outputs.children is not None:
        keep = [c for c in outputs.children.columns if c not in ("name_key",)]
        written["zscores"] = _atomic_parquet(outputs.children[keep], processed_dir / "eppgbm_z.parquet")
    if outputs.quality is not None:
        written["quality"] = _atomic_parquet(outputs.quality, processed_dir / "quality.parquet")
    # The history keeps each figure once per rakor: the latest data period (older weighing
    # rounds in this run's table are the trend, already in the history of earlier rakor).
    key = ["indicator", "area_level", "area_code", "breakdown", "method"]
    latest = est["data_period"] == est.groupby(key, dropna=False)["data_period"].transform("max")
    history.append_history(est[latest], processed_dir / "history.parquet")
    written["history"] = processed_dir / "history.parquet"
    if outputs.worklist_input and outputs.worklist_input["identity"] is not None:
        folder = processed_dir / "restricted" / "worklists" / period
        if folder.exists():
            for old in folder.glob("*.xlsx"):
                old.unlink()
        files = reconcile.verification_worklists(outputs.worklist_input["tables"],
                                                 outputs.worklist_input["identity"], folder)
        written["worklists"] = len(files)
    return written


def _atomic_parquet(df: pd.DataFrame, path: Path) -> Path:
    import os

    tmp = path.with_suffix(".parquet.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path
