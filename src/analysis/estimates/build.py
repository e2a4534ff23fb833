"""The estimate stage: every figure of a rakor from the processed tables, in one long table.

:func:`build_all` picks each source's data for the rakor period (:func:`snapshot`), calls the
builders per topic (``growth``, ``survey_poverty``, ``registers``, ``data_quality``,
``history``), and applies the one small-count rule (``suppression.suppress_with_plan``) before anything
is saved. Statistics are computed in their own modules (``estimation``, ``measures``,
``linkage``); loading and saving live in ``store``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.estimates.table import ESTIMATE_COLUMNS, KOTA_CODE, empty_estimates
from analysis.files import read_json
from analysis.periods import latest_at_or_before


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
        self.verification_log: pd.DataFrame | None = None
        self.rakor_date: str | None = None  # "YYYY-MM-DD" (the countdown, the worklists' issue date)
        #: by row of ``estimates``: ``n`` may not be published (the small-count rule's plan)
        self.hide_n: np.ndarray | None = None


def build_all(tables: dict[str, pd.DataFrame], period: str, processed_dir: Path | None = None,
              rakor_date: str | None = None, client=None) -> Outputs:
    """Every figure of the rakor ``period`` from the processed tables, in one long table.

    Parameters
    ----------
    tables
        The processed tables by name (``store.load_processed``).
    period
        "YYYY-MM" of the rakor.
    processed_dir
        The processed folder: the restricted identity lookup (worklists) and
        ``history.parquet`` (the "since the previous rakor" rows) are read from it.
    rakor_date
        "YYYY-MM-DD" of the rakor (the 100-day countdown); default the last day of ``period``.
    client
        A ``distributed.Client``, or None (the pandas engine). With a client the row-level
        e-PPGBM work runs on the cluster (``engine/estimate.py``): the z-scores by
        ``map_partitions`` (the workers read ``eppgbm.parquet``), the WHO growth table from one
        pass of per-partition moments, SKDN and the child pairs by a shuffle on ``child_key``, the
        builders whose counts add up (local rows, the app's z-scores checked, the app's N/T/O/B)
        from each partition's counts. The figures equal the pandas engine's. The children are
        also gathered: every other builder runs on the client from them (the memory limit that
        remains).

    Returns
    -------
    Outputs
        ``estimates`` holds values and the ``suppressed`` flag (``store.published_estimates``
        blanks the hidden values).
    """
    from analysis.estimates import (
        coverage,
        data_quality,
        eppgbm_checks,
        growth,
        history,
        local,
        monthly,
        published,
        registers,
        skdn,
        survey_poverty,
        transitions,
    )
    from analysis.estimates.suppression import suppress_with_plan
    from analysis.linkage import reconcile, targeting
    from analysis.measures.anthropometry import compute_zscores
    from analysis.periods import rakor_date as resolve_rakor_date

    settings = config.settings()
    out = Outputs()
    out.rakor_date = resolve_rakor_date(period, rakor_date)
    parts: list[pd.DataFrame] = []
    out.missing_sources = [s for s in ("eppgbm", "dtsen_member", "susenas", "pendataan_rt", "program")
                           if s not in tables or tables[s].empty]

    # Child growth: every round up to the period (trend), z-scores by WHO anthro rules.
    children, eppgbm_period, growth_list = None, None, None
    if "eppgbm" in tables and len(tables["eppgbm"]):
        eppgbm = tables["eppgbm"]
        if client is not None:
            from analysis.engine import estimate as engine

            zdf, children = engine.cluster_children(client, eppgbm, period, processed_dir)
            rounds = engine.growth_rows(zdf, children, period)
        else:
            children = compute_zscores(eppgbm[eppgbm["period"] <= period])
            rounds = growth.growth_rows(children, period)
        out.children = children
        parts += [rounds, growth.change_rows(rounds, period)]
        eppgbm_period = latest_at_or_before(children["period"], period)
        q_rows, out.quality = data_quality.quality_rows(children, period, eppgbm_period)
        parts.append(q_rows)
        if client is not None:  # counts that add up: each partition's on a worker, added here
            local_counts, z_counts, app_counts = engine.summed_counts(
                zdf, engine.Counts(local.stunting_local_counts, local.COUNTS, data_period=eppgbm_period),
                engine.Counts(eppgbm_checks.z_disagreement_counts, eppgbm_checks.COUNTS, (period,)),
                engine.Counts(skdn.skdn_app_counts, skdn.APP_COUNTS, (period,)))
        else:
            local_counts = local.stunting_local_counts(children[children["period"] == eppgbm_period])
            z_counts = eppgbm_checks.z_disagreement_counts(children, period)
            app_counts = skdn.skdn_app_counts(children, period)
        parts.append(local.stunting_local_rows_from_counts(local_counts, period, eppgbm_period))  # posyandu, RT
        parts.append(eppgbm_checks.z_disagreement_rows_from_counts(z_counts, period))  # the app's z-scores checked
        if client is not None:  # each child's rows in one partition: SKDN and the pairs per child there
            from distributed import wait

            shuffled = engine.by_child(zdf).persist()
            wait(shuffled)
            del zdf  # the workers keep the shuffled rows only
            ours = engine.skdn_rows(shuffled, children, period)
            pairs = engine.child_pairs(shuffled, children)
            growth_list = engine.growth_worklist_rows(shuffled, children, period, eppgbm_period)  # the cadre's
            del shuffled
        else:
            ours = skdn.skdn_rows(children, period)  # growth monitoring (SKDN), every month
            pairs = transitions.child_pairs(children)  # each child followed between rounds with a height
        parts += [ours, skdn.skdn_app_rows_from_counts(app_counts, period),
                  skdn.skdn_report_rows(tables.get("eppgbm_bulanan"), ours, period)]
        parts.append(transitions.transition_rows(pairs, period))
    if "eppgbm_bulanan" in tables and len(tables["eppgbm_bulanan"]):  # the monthly kelurahan report
        parts.append(monthly.monthly_rows(tables["eppgbm_bulanan"], period))

    # Poverty: direct survey estimates, then Fay-Herriot for kelurahan.
    family, fam_period = snapshot(tables.get("dtsen_family"), period)
    members, _ = snapshot(tables.get("dtsen_member"), period)
    if children is not None:  # register coverage: D/S and the worst-case bounds of the same rounds
        monthly = tables.get("eppgbm_bulanan")
        targets = (monthly[["kelurahan_code", "period", "children_target"]]
                   if monthly is not None and "children_target" in monthly else None)
        parts.append(coverage.weighing_participation_rows(children, period, members=members, targets=targets))
        parts.append(coverage.stunting_population_bounds_rows(pd.concat(parts, ignore_index=True), period))
    if "susenas" in tables and len(tables["susenas"]):
        direct = survey_poverty.poverty_rows(tables["susenas"], period)
        parts.append(direct)
        covariates = survey_poverty.kelurahan_covariates(family, members, children, eppgbm_period)
        sae_part, out.sae = survey_poverty.sae_rows(tables["susenas"], covariates, direct, period)
        parts.append(sae_part)

    # Registers, the RT listing, programmes: reconciliation, targeting and the tracker.
    rt, rt_period = snapshot(tables.get("pendataan_rt"), period, accumulate_by="family_key")
    program, prog_period = snapshot(tables.get("program"), period, per="programme")
    if children is not None:  # stunted in both rounds, reached by no programme: the restricted worklist
        persistent = transitions.persistent_stunting_worklist(pairs, program, eppgbm_period)
    if family is not None:
        parts.append(registers.register_rows(family, period, fam_period))
        parts.append(coverage.dtsen_desil1_share_rows(parts[-1], period))
        rt_ = rt if rt is not None else tables.get("pendataan_rt", pd.DataFrame()).iloc[0:0]
        kids = None
        if children is not None:
            kids = children[children["period"] == eppgbm_period]
        from analysis.estimates.store import load_identity

        identity = load_identity(processed_dir) if processed_dir is not None else None
        links = reconcile.link_families(family, members, rt_ if len(rt_) else None, program, kids,
                                        identity=identity)
        recon = reconcile.reconciliation_tables(links, family, rt_, dtsen_member=members)
        out.reconciliation = recon
        out.worklist_input = {"tables": recon, "identity": identity}
        parts.append(registers.reconciliation_rows(recon, period, fam_period))
        if program is not None:
            tg = targeting.programme_targeting(program, family, rt_, settings, links=links)
            parts.append(registers.targeting_rows(tg, period, prog_period))
        flags = targeting.poverty_flags(family, rt_, links,
                                        poor_max_desil=int(settings["convergence"]["poor_max_desil"]))
        if kids is not None:
            conv = targeting.convergence(kids, links, family, flags)
            parts.append(registers.convergence_rows(conv, period, eppgbm_period))
        so_far = pd.concat(parts, ignore_index=True)
        # The verification loop: filled worklists move the tracker; awaiting families go on the worklists.
        from analysis.intake import schemas
        from analysis.linkage import verification

        rt_v = rt_ if "family_key" in rt_ else schemas.empty("pendataan_rt")
        fam, out.verification_log = targeting.verified_family_frame(family, rt_v, links, tables.get("verifikasi"))
        heads = verification.family_heads(rt_v, links, family, members)
        out.worklist_input["tables"] = {**recon, "awaiting": verification.awaiting_rows(fam, heads)}
        if processed_dir is not None:
            from analysis.files import write_parquet

            write_parquet(out.verification_log, Path(processed_dir) / "verification_log.parquet")
        tracker = targeting.zero_extreme_tracker(
            family, rt_, so_far, focus_codes=config.focus_kelurahan(), period=period, links=links,
            target=int(settings["focus_kelurahan"]["target_extreme_poor"]), families=fam)
        parts.append(registers.tracker_rows(tracker, period, rt_period or fam_period))
        from analysis.estimates import countdown

        # the tracker rows, and the survey/small-area rates for the upper bound, are in the parts so far
        parts.append(countdown.countdown_rows(pd.concat(parts, ignore_index=True), period, out.rakor_date,
                                              settings, fam=fam, log=out.verification_log,
                                              focus_codes=config.focus_kelurahan()))
        # the kelurahan brief: the tracker's counts by RT, in every kelurahan (verification results applied)
        parts.append(local.extreme_by_rt_rows(fam, local.family_rt(fam, family, rt_),
                                              period, rt_period or fam_period))
        parts.append(local.extreme_totals_rows(fam, config.focus_kelurahan(), period,
                                               rt_period or fam_period))

    if children is not None:  # the posyandu cadre's children: 2T, below -3 SD, stunted twice with no programme
        from analysis.linkage.verification import growth_worklist_rows

        if out.worklist_input is None and processed_dir is not None:  # no DTSEN: the children's lists alone
            from analysis.estimates.store import load_identity

            out.worklist_input = {"tables": {}, "identity": load_identity(processed_dir)}
        if out.worklist_input is not None:
            out.worklist_input["tables"] = {**out.worklist_input["tables"],
                                            "growth": (growth_list if growth_list is not None
                                                       else growth_worklist_rows(children, period,
                                                                                 latest=eppgbm_period)),
                                            "persistent_stunting": persistent}

    # Official figures beside ours: config/published/<region>.csv and any published/ folder of the raw data
    raw_dir = read_json(Path(processed_dir) / "run_info.json").get("raw_dir") if processed_dir else None
    parts.append(published.published_rows(
        published.read_published(published.published_paths(KOTA_CODE, raw_dir=raw_dir)), period, KOTA_CODE))
    parts.append(data_quality.rejects_rows(tables.get("rejects", pd.DataFrame()),
                                           tables.get("intake", pd.DataFrame()), period))
    parts.append(data_quality.source_missing_rows(out.missing_sources, period))
    # Timeliness (kedisiplinan waktu): the age of each file, the monthly report's input delay,
    # the verification turnaround.
    from analysis.estimates import timeliness

    parts += [timeliness.data_age_rows(tables.get("intake"), period, out.rakor_date),
              timeliness.report_delay_rows(tables.get("eppgbm_bulanan"), period),
              timeliness.turnaround_rows(tables.get("verifikasi"), period)]
    est = pd.concat([p for p in parts if len(p)], ignore_index=True)[ESTIMATE_COLUMNS]

    # "Since the previous rakor": this run's key figures beside those of the history.
    if processed_dir is not None:
        hist_path = Path(processed_dir) / "history.parquet"
        if hist_path.exists():
            est = pd.concat([est, history.since_previous_rows(est, history.read_history(hist_path), period)],
                            ignore_index=True)[ESTIMATE_COLUMNS]
    from analysis.estimates.countdown import link_suppression

    if client is not None:
        from analysis.engine.estimate import suppression_mapper

        mapper = suppression_mapper(client)
    else:
        from analysis.estimates.suppression import PROCESSES_FROM_CELLS
        from analysis.parallel import ProcessMapper

        mapper = ProcessMapper(from_size=PROCESSES_FROM_CELLS)  # the systems, largest first
    est, out.hide_n = suppress_with_plan(est, mapper=mapper)
    out.estimates = link_suppression(est)  # same rows, same order
    return out
