"""Linkage: families and people matched across lists, programme targeting, the zero-extreme-poverty tracker."""
