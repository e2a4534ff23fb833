"""A dask client: a running scheduler (``--scheduler ADDRESS``) or a local process cluster."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from analysis.errors import RakorInputError


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
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise RakorInputError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
