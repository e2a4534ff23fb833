"""Poverty and stunting analysis for Indonesian local-government coordination meetings (rakor)."""

__version__ = "0.1.0"
