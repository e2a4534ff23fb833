"""Register rows of the estimates table: DTSEN counts, reconciliation between lists, programme
targeting, the zero-extreme-poverty tracker and convergence (exact counts, no sampling error).

Every figure here is a count of persons or families, or a ratio of two such counts: all of them go
through the small-count rule of :mod:`analysis.estimates.suppression`.
"""

from __future__ import annotations

import pandas as pd

from analysis import config
from analysis.estimates.table import (
    ESTIMATE_COLUMNS,
    counts_by_area,
    empty_estimates,
    to_estimate_rows,
)


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
    # The verification loop (issue 15): families off the list (moved, died) and not found at the visit.
    cols.update({c: i for c, i in (("n_left", "extreme_families_left"),
                                   ("n_not_found", "extreme_families_not_found")) if c in tracker})
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
    """Children by the programmes their families reach (``targeting.convergence``), per area."""
    cols = {c: f"convergence_{c.removeprefix('n_')}" for c in conv.columns if c.startswith("n_")}
    return counts_by_area(conv, cols, period=period, data_period=data_period, source="eppgbm")
