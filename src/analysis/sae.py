"""Contract alias: ``analysis.sae`` is :mod:`analysis.estimation.small_area` (Fay-Herriot).

Other parts of the workspace import small-area estimation from here (``../shared/DESIGN.md``);
the module lives in ``estimation/``. This alias is the same module object.
"""

import sys

from analysis.estimation import small_area as _module

sys.modules[__name__] = _module
