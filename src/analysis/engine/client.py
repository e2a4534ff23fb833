"""A dask client: a running scheduler (``--scheduler ADDRESS``) or a local process cluster.

:class:`Engine` is what ``rakor clean|estimate|run --engine {pandas,dask} [--scheduler ADDRESS]
[--workers N]`` chose; its :meth:`Engine.parameters` go to the notebooks (papermill parameters
``engine``, ``scheduler``, ``workers``), which open their client with :func:`dask_client`.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from analysis.errors import RakorInputError

ENGINES = ("pandas", "dask")
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class Engine:
    """The engine of a run: ``pandas`` (one process, the default) or ``dask``.

    Attributes
    ----------
    name
        ``pandas`` or ``dask``.
    scheduler
        Address of a running dask scheduler (``tcp://HOST:PORT``); None: a local cluster.
    workers
        Worker processes of the local cluster (default 2).
    """

    name: str = "pandas"
    scheduler: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise RakorInputError(f"unknown engine {self.name!r}; choose among {', '.join(ENGINES)}")
        if self.workers is not None and self.workers < 1:
            raise RakorInputError(f"--workers must be at least 1; got {self.workers}")

    @property
    def dask(self) -> bool:
        return self.name == "dask"

    def parameters(self) -> dict[str, str | int | None]:
        """The notebooks' parameters ``engine``, ``scheduler`` and ``workers``."""
        return {"engine": self.name, "scheduler": self.scheduler, "workers": self.workers}

    def client(self):
        """A context giving a ``distributed.Client`` for ``dask``, None for ``pandas``."""
        return dask_client(self.scheduler, self.workers) if self.dask else nullcontext()


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """Yield a ``distributed.Client``; close what was started here on exit.

    Parameters
    ----------
    scheduler
        Address of a running ``dask scheduler`` (``tcp://HOST:PORT``); None starts a
        ``LocalCluster`` of worker processes on 127.0.0.1 with the dashboard off.
    workers
        Worker processes of the local cluster (default 2); ignored with ``scheduler``.

    Raises
    ------
    RakorInputError
        The scheduler cannot be reached (the message names its address).
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 (refused, timed out, not a scheduler, bad address)
            raise RakorInputError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    # silence_logs: a worker's heartbeat racing the shutdown logs a traceback that is no error.
    # local_directory: what a worker spills to disk under memory pressure goes to an owner-only
    # folder of this run (mkdtemp: 0700), removed after, not to the shared temp folder.
    scratch = tempfile.mkdtemp(prefix="rakor-dask-")
    try:
        with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None, local_directory=scratch,
                          silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
            yield client
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
