"""Contract alias: ``analysis.anthropometry`` is :mod:`analysis.measures.anthropometry`.

Other parts of the workspace import WHO z-scores from here (``../shared/DESIGN.md``); the module
lives in ``measures/``. This alias is the same module object, so attributes and patches agree.
"""

import sys

from analysis.measures import anthropometry as _module

sys.modules[__name__] = _module
