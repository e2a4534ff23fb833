"""Poverty rows of the estimates table from the household survey: direct FGT estimates, and the
Fay-Herriot small-area estimates of kelurahan poverty with their diagnostics annex.

Survey-weighted rows are exempt from small-count suppression: they follow the reliability rule
(RSE thresholds of ``estimation.reliability`` in config), shown in ``reliability``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.estimates.table import (
    KOTA_CODE,
    PROVINCE,
    area_names,
    empty_estimates,
    estimate_by_levels,
    to_estimate_rows,
)
from analysis.estimation.poverty import EXPENDITURE_COL
from analysis.estimation.poverty_lines import resolve_line

POVERTY_INDICATORS = {"poverty": "poverty", "extreme": "extreme_poverty"}


def survey_design():
    """The household survey's design: strata, census-block clusters (PSU) and household weights."""
    from analysis.estimation.survey import SurveyDesign

    est = config.settings()["estimation"]
    return SurveyDesign(strata="strata", cluster="psu", weights="weight_hh", lonely_psu=est["lonely_psu"])


def poverty_rows(households: pd.DataFrame, period: str) -> pd.DataFrame:
    """FGT P0, P1, P2 of persons for the poverty and extreme-poverty lines, kota to kelurahan (direct).

    Kelurahan rows are direct survey estimates from a few dozen households: they carry their
    reliability label; the brief shows the small-area estimates for kelurahan instead.
    """
    from analysis.estimates.build import snapshot  # build imports this module: import at call time
    from analysis.estimation.poverty import estimate_fgt, estimate_poor_persons

    est = config.settings()["estimation"]
    hh, data_period = snapshot(households, period)
    if hh is None:
        return empty_estimates()
    design = survey_design()
    parts = []
    lines = []
    households = hh
    for kind, name in POVERTY_INDICATORS.items():
        # The region's own line for the survey's year (else the latest earlier, province, national)
        resolved = resolve_line(kind, KOTA_CODE, data_period)
        line = resolved.value_idr
        lines.append({"estimate": line, "kind": kind, "note": resolved.fallback,
                      "method": f"line:{resolved.key}", "level": "kota", "code": None})
        if PROVINCE:
            hh, kk_lines = _kabkota_lines(households, kind, line, data_period)
            lines += kk_lines
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
    # The lines used, as figures of the table: the brief names them and `rakor verify` checks them.
    for item in lines:
        parts.append(to_estimate_rows(pd.DataFrame({"estimate": [item["estimate"]], "note": [item["note"]],
                                                    "code": [item["code"]]}),
                                      level=item["level"], area_col="code" if item["code"] else None,
                                      indicator="poverty_line", period=period,
                                      data_period=data_period, method=item["method"], source="config",
                                      unit="idr", breakdown=f"kind={item['kind']}"))
    return pd.concat(parts, ignore_index=True)


def _kabkota_lines(hh: pd.DataFrame, kind: str, line: float, data_period: str) -> tuple[pd.DataFrame, list[dict]]:
    """A province's households measured against their own kab/kota's line.

    Each household's expenditure is rescaled by ``line`` / its kab/kota's line (the kab/kota's own
    line, else the chain of :func:`resolve_line`: latest earlier, province, national). The FGT
    measures depend only on expenditure / line, so every estimate from the rescaled expenditure
    against the province's ``line`` is the one against each household's kab/kota line.

    Returns
    -------
    (households, lines)
        The rescaled households, and one ``poverty_line`` item per kab/kota (level ``kabkota``).
    """
    kk = hh["kecamatan_code"].astype("str").str.slice(0, 5)
    resolved = {c: resolve_line(kind, c, data_period) for c in sorted(kk.dropna().unique())}
    own = kk.map({c: r.value_idr for c, r in resolved.items()}).astype(float).fillna(line)
    out = hh.assign(**{EXPENDITURE_COL: hh[EXPENDITURE_COL].astype(float) * (line / own)})
    items = [{"estimate": r.value_idr, "kind": kind, "note": r.fallback, "method": f"line:{r.key}",
              "level": "kabkota", "code": c} for c, r in resolved.items()]
    return out, items


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
        # a kelurahan whose children all lack a HAZ has no rate (NaN), not an error
        rate = kids["is_stunted"].astype("Float64").groupby(kids["kelurahan_code"], observed=True).mean()
        out["stunting_rate"] = rate.reindex(codes).to_numpy(dtype=float, na_value=np.nan)
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
        # A model needs more sampled kelurahan than coefficients (intercept + covariates) plus two,
        # and the variance smoothing areas with 0 < p < 1 and a positive variance (the GVF three): with fewer (a survey
        # without kelurahan codes, a small region), the brief shows the direct estimates only.
        variance = cfg["variance_rare"] if rare else cfg["variance"]
        sampled = kel["estimate"].notna().sum()
        informative = (kel["estimate"].between(0, 1, inclusive="neither") & (kel["se"] > 0)).sum()
        if sampled < len(wanted) + 3 or informative < (3 if variance == "gvf" else 1):
            continue
        df = covariates.merge(kel, on="kelurahan_code", how="left", validate="1:1")
        df["var"] = df["se"] ** 2
        data_period = d["data_period"].iloc[0]
        kota = d[d["area_level"] == "kota"]["estimate"].iloc[0]
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
            # A proportion and its interval stay within [0, 1]: the linear EBLUP (and its ratio
            # benchmark) of a desa with few poor households can fall below 0 (Kabupaten Sukamara's
            # sample); it is truncated at the bound, as its interval is.
            rows["estimate"] = rows["estimate"].clip(lower=0.0, upper=1.0)
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
        value = pd.to_numeric(t[col], errors="coerce").astype(float)
        per_area = pd.DataFrame({"kelurahan_code": t["area"], "estimate": value})
        # A CV of a direct estimate of 0 (no poor household sampled, a smoothed variance > 0) is
        # infinite: undefined, written as missing with the reason (the schema allows no ±inf).
        infinite = np.isinf(value)
        per_area["note"] = np.where(infinite, "undefined: estimate 0", None)
        per_area.loc[infinite, "estimate"] = np.nan
        rows.append(to_estimate_rows(per_area, level="kelurahan", area_col="kelurahan_code",
                                     indicator=f"sae_{col}", unit=unit, **common))
    summary = {"sae_sigma2_u": res.sigma2_u, "sae_shapiro_residuals_p": diag.shapiro_residuals_p,
               "sae_shapiro_random_effects_p": diag.shapiro_random_effects_p}
    for name, value in summary.items():
        rows.append(to_estimate_rows(pd.DataFrame({"estimate": [value]}), level="kota", area_col=None,
                                     indicator=name, unit="statistic", **common))
    return pd.concat(rows, ignore_index=True)
