"""The dask engine on a real distributed cluster on loopback (#18)."""
import socket
import subprocess
import sys

import dask.dataframe as dd
import numpy as np
import pytest
from test_engine_sums import _frame

from analysis.engine.client import dask_client
from analysis.engine.sums import dask_estimates
from analysis.estimation.survey import SurveyDesign, estimate_proportion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler_address():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(2):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                       "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        from distributed import Client
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=30)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def _check(client):
    data = _frame(seed=3)
    design = SurveyDesign(strata="stratum", cluster="psu", weights="wt")
    ref = estimate_proportion(data, "y", by="kec", design=design).sort_values("kec")
    ddf = dd.from_pandas(data, npartitions=4)
    got = dask_estimates(ddf, "y", ["kec"], "stratum", "psu", "wt")
    assert list(got["kec"]) == list(ref["kec"])
    for col in ("estimate", "se", "n"):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[col].to_numpy(float),
                                   rtol=1e-12, atol=1e-12)
    assert len(client.scheduler_info()["workers"]) == 2


def test_running_scheduler_two_workers(scheduler_address):
    with dask_client(scheduler_address) as client:
        _check(client)


def test_local_cluster():
    with dask_client(None, workers=2) as client:
        _check(client)
