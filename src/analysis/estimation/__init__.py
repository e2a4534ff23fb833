"""Estimation: survey designs and design-based estimates, poverty (FGT), small-area models.

- :mod:`analysis.estimation.survey`: Taylor-linearised proportions, means and totals with CIs,
  domains, design effects, change between periods (equal to R ``survey``);
- :mod:`analysis.estimation.poverty`: FGT P0/P1/P2 and persons below a poverty line;
- :mod:`analysis.estimation.small_area`: Fay-Herriot EBLUPs of kelurahan rates.

``analysis.estimation`` itself is a public contract (``../shared/DESIGN.md``): the survey API is
importable from here.
"""

from analysis.estimation.survey import *  # noqa: F403 (the contract re-exports the survey API)
from analysis.estimation.survey import __all__  # noqa: F401
