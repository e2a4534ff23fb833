"""The dask engine on a real distributed cluster on loopback (#18)."""

from pathlib import Path

import dask.dataframe as dd
import numpy as np
from test_engine_sums import _frame

from analysis.engine.client import dask_client
from analysis.engine.sums import dask_estimates
from analysis.estimation.survey import SurveyDesign, estimate_proportion


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


def test_running_scheduler_two_workers(dask_scheduler):
    with dask_client(dask_scheduler) as client:
        _check(client)


def test_local_cluster():
    import stat

    with dask_client(None, workers=2) as client:
        _check(client)
        # the workers' scratch space (where they spill) is an owner-only folder of this run
        dirs = {Path(d) for d in client.run(lambda dask_worker: dask_worker.local_directory).values()}
        scratch = {next(p for p in d.parents if p.name.startswith("rakor-dask-")) for d in dirs}
        assert len(scratch) == 1
        assert stat.S_IMODE(next(iter(scratch)).stat().st_mode) == 0o700
    assert not next(iter(scratch)).exists()
