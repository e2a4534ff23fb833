"""Fixtures shared by the unit and integration tests: a generated Bontang sample, and a real dask
cluster on loopback (#18).

No test reads ``data/raw/sample``: CI runs ``make test`` on a clean clone, where ``make report``
(which writes that folder) has not run."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def bontang_sample(tmp_path_factory) -> Path:
    """The built-in sample's generator (seed 2025) at a quarter of its size, written once per test
    process: 23 files, ~56,000 rows, every source, period and kind of dirt of ``make sample-data``."""
    from analysis import pipeline
    from analysis.synthetic import world

    raw = tmp_path_factory.mktemp("bontang-sample") / "raw"
    world.generate(raw, seed=2025, scale=0.25)
    (raw / pipeline.SYNTHETIC_MARKER).write_text("synthetic\n")
    return raw


@pytest.fixture(scope="session")
def dask_scheduler():
    """The address of a ``dask scheduler`` with two worker processes (one thread each), started
    here on 127.0.0.1 for the session, as a user starts them; they run this checkout's code."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    for _ in range(2):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                       "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
    try:
        from distributed import Client
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
