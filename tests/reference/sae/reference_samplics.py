"""Fay-Herriot reference values from samplics' EblupAreaModel (an independent implementation).

Run from the project root (samplics is in the `bench` extra):
    .venv/bin/python tests/reference/sae/reference_samplics.py
Writes samplics_params.csv and samplics_areas.csv beside this script. samplics offers REML and ML
(no Li-Lahiri). Its log-likelihood is not written: samplics builds V with a matrix of ones for the
random effects (not the identity), so its loglik is not the Fay-Herriot one (see README.md).
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", category=FutureWarning)
import samplics  # noqa: E402
from samplics.sae import EblupAreaModel  # noqa: E402
from samplics.utils.types import FitMethod  # noqa: E402

HERE = Path(__file__).parent


def run(dataset, y, X, sd, area, method):
    model = EblupAreaModel(method=FitMethod(method.upper()))
    # re_std_start: start sigma2_u near its value so that scoring does not pass through < 0.
    model.fit(
        yhat=y,
        X=X,
        area=area,
        error_std=sd,
        intercept=True,
        tol=1e-13,
        maxiter=1000,
        re_std_start=float(np.sqrt(np.median(sd**2))),
    )
    model.predict(X=X, area=area, intercept=True)
    params = [("sigma2_u", float(np.ravel(model.re_std)[0]) ** 2)]
    params += [(f"beta_{i}", b) for i, b in enumerate(model.fixed_effects)]
    params += [(f"beta_se_{i}", s) for i, s in enumerate(model.fe_std)]
    params += [("converged", float(np.all(model.convergence["achieved"])))]
    par = pd.DataFrame(params, columns=["parameter", "value"]).assign(
        dataset=dataset, method=method
    )
    est = pd.DataFrame(
        {
            "area": list(model.area_est.keys()),
            "eblup": list(model.area_est.values()),
            "mse": [model.area_mse[k] for k in model.area_est],
        }
    ).assign(dataset=dataset, method=method)
    return par, est


def main():
    pars, ests = [], []
    milk = pd.read_csv(HERE / "milk.csv")
    X = pd.get_dummies(milk["MajorArea"], drop_first=True).to_numpy(dtype=float)
    for meth in ("reml", "ml"):
        a, b = run(
            "milk",
            milk["yi"].to_numpy(),
            X,
            milk["SD"].to_numpy(),
            milk["SmallArea"].to_numpy(),
            meth,
        )
        pars.append(a)
        ests.append(b)
    bs = pd.read_csv(HERE / "bontang_synthetic.csv", dtype={"area": str})
    bs = bs[bs["p_direct"].notna()]
    a, b = run(
        "bontang",
        bs["p_direct"].to_numpy(),
        bs[["desil1_share", "stunting_rate"]].to_numpy(),
        np.sqrt(bs["var_smooth"].to_numpy()),
        bs["area"].to_numpy(),
        "reml",
    )
    pars.append(a)
    ests.append(b)
    cols_p = ["dataset", "method", "parameter", "value"]
    pd.concat(pars)[cols_p].to_csv(HERE / "samplics_params.csv", index=False, float_format="%.17g")
    pd.concat(ests)[["dataset", "method", "area", "eblup", "mse"]].to_csv(
        HERE / "samplics_areas.csv", index=False, float_format="%.17g"
    )
    print(f"samplics {samplics.__version__}: wrote samplics_params.csv, samplics_areas.csv")


if __name__ == "__main__":
    main()
