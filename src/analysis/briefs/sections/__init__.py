"""Sections of the rakor briefs: each one selects rows of the estimates table and formats them.

A brief notebook builds one context and calls one section per cell::

    from analysis.briefs import sections as brief
    ctx = brief.make_context(processed_dir, period, lang=lang, area_code=kecamatan_code, manifest=manifest)
    brief.header(ctx)
    brief.headlines(ctx)

One small module per topic, so a reader finds a section where its figures are named:

- :mod:`.context`: :func:`load_estimates` (the one read of the estimates table), :func:`load_manifest`,
  :class:`BriefContext` (selection and cell formats shared by every section);
- :mod:`.overview`: header, headlines, methods, footer;
- :mod:`.countdown`: the 100 days (countdown, burn-down) and the timeliness of the data;
- :mod:`.areas`: the kecamatan / kelurahan tables and the ranking;
- :mod:`.stunting`: forest plot and trend;
- :mod:`.maps`: desa/kelurahan maps of stunting and extreme-poor families (ranked charts without boundaries);
- :mod:`.growth`: growth monitoring (age profile, children followed, SKDN trend);
- :mod:`.comparison`: figures beside those of the previous rakor;
- :mod:`.poverty`: direct estimates, small-area estimates, focus kelurahan, SAE annex;
- :mod:`.linkage`: reconciliation, convergence, programme targeting;
- :mod:`.quality`: data quality;
- :mod:`.kelurahan`: the kelurahan/desa brief (posyandu and RT tables, what to verify this week).

No section computes a statistic, reads a file other than the estimates table and the manifest
(and, for the maps, the boundaries: :mod:`analysis.intake.boundaries`),
or imports :mod:`analysis.pipeline`; every word comes from :mod:`analysis.briefs.labels`.
"""

from analysis.briefs.sections.areas import (
    area_table,
    kecamatan_table,
    kelurahan_ranking,
    kelurahan_table,
)
from analysis.briefs.sections.comparison import since_previous
from analysis.briefs.sections.context import (
    BriefContext,
    load_estimates,
    load_manifest,
    make_context,
)
from analysis.briefs.sections.countdown import hundred_days, timeliness
from analysis.briefs.sections.growth import growth_monitoring
from analysis.briefs.sections.kelurahan import (
    extreme_by_rt,
    kelurahan_footer,
    kelurahan_header,
    kelurahan_programmes,
    kelurahan_stunting,
    make_kelurahan_context,
    stunting_by_part,
    this_week,
)
from analysis.briefs.sections.linkage import convergence, reconciliation, targeting
from analysis.briefs.sections.maps import area_maps
from analysis.briefs.sections.overview import footer, header, headlines, methods
from analysis.briefs.sections.poverty import (
    focus_tracker,
    poverty_section,
    sae_annex,
    side_by_side,
    small_area,
)
from analysis.briefs.sections.quality import data_quality
from analysis.briefs.sections.stunting import forest_plot, trend

__all__ = [
    "BriefContext", "load_estimates", "load_manifest", "make_context",
    "header", "headlines", "kelurahan_table", "kecamatan_table", "kelurahan_ranking", "area_table",
    "forest_plot", "trend", "area_maps", "growth_monitoring", "since_previous", "poverty_section", "side_by_side",
    "small_area", "focus_tracker", "reconciliation", "convergence", "targeting", "data_quality", "hundred_days",
    "timeliness", "methods", "sae_annex", "footer",
    "make_kelurahan_context", "kelurahan_header", "kelurahan_stunting", "stunting_by_part", "extreme_by_rt",
    "kelurahan_programmes", "this_week", "kelurahan_footer",
]
