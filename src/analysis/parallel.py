"""Independent parts of one job run on a pool of this machine's processes.

:class:`ProcessMapper` is a callable like the built-in ``map`` over a list of parts. Two jobs use
it, each part a tuple whose first item says how large it is:

- the small-count rule settles the independent systems of the estimates table
  (``estimates.suppression.plan_suppression``; a part's first item: its cells);
- the verification worklists are written a part of the files a process
  (``linkage.reconcile.verification_worklists``; a part's first item: its files). They hold
  names, so they are written on this machine, never on a dask cluster's workers.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


class ProcessMapper:
    """``map`` of a function over parts, on a pool of ``workers`` processes (default: this
    machine's cores), the results in the order of the parts.

    The parts run in this process, one after another, when there is one core or the parts' first
    items hold fewer than ``from_size`` elements in all: a pool pays for its start (each process
    imports the analysis modules), so the caller says from what size it is worth it.

    The processes start from a fresh interpreter (``spawn``, not a fork of a kernel's threads;
    nothing is left running after), which imports the caller's ``__main__``: a script that runs a
    large job needs the ``if __name__ == "__main__":`` guard (notebooks and ``rakor`` have it).
    Without it the pool breaks and the parts run here, with a warning naming the function.
    """

    def __init__(self, workers: int | None = None, from_size: int = 0):
        self.workers = workers or len(os.sched_getaffinity(0))
        self.from_size = from_size

    def __call__(self, fn: Callable[[tuple], Any], parts: list[tuple]) -> list:
        if self.workers < 2 or sum(len(part[0]) for part in parts) < self.from_size:
            return [fn(part) for part in parts]
        import multiprocessing
        import warnings
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(max_workers=min(self.workers, len(parts)),
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
                return list(pool.map(fn, parts))
        except BrokenProcessPool as exc:
            warnings.warn(f"the process pool broke ({exc}); {getattr(fn, '__name__', fn)} runs in this process",
                          RuntimeWarning, stacklevel=2)
            return [fn(part) for part in parts]
