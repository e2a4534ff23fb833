"""Distributed (dask) engine: one pass of group sums, combined on the client (#18)."""
