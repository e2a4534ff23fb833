"""Measures per child: WHO 2006 z-scores and the data-quality and plausibility checks."""
