"""Design-based estimates from one pass of group sums per (stratum, PSU, domain).

Taylor linearisation (``estimation/survey.py``) needs, per (domain, stratum, PSU) cell, only
n, Σw, Σwy and Σwy²; these are additive, so each partition (one raw file) is summed on a worker
and the sums are added on the client. Domain keys are the raw area codes (PP.KK.CC.DDDD), so a
kecamatan, kota or province is a prefix of the desa code and needs no other pass.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError

SUMS = ["n", "w", "wy", "wyy"]


def partition_sums(part: pd.DataFrame, y: str, by: Sequence[str], strata: str, cluster: str,
                   weights: str | None) -> pd.DataFrame:
    """Sums per (stratum, PSU, domain) of one partition; rows with a missing y count as PSUs.

    Returns
    -------
    pandas.DataFrame
        Columns strata, cluster, *by, n, w, wy, wyy (one row per cell).
    """
    if strata in by or cluster in by:
        raise RakorInputError(f"domain columns {list(by)} must differ from the strata "
                              f"`{strata}` and cluster `{cluster}` columns; copy the column")
    yv = pd.to_numeric(part[y], errors="coerce").to_numpy(dtype=float)
    w = (part[weights].to_numpy(dtype=float) if weights else np.ones(len(part)))
    ok = ~np.isnan(yv)
    y0 = np.where(ok, yv, 0.0)
    wk = np.where(ok, w, 0.0)
    frame = pd.DataFrame({strata: part[strata].to_numpy(), cluster: part[cluster].to_numpy(),
                          **{b: part[b].to_numpy() for b in by},
                          "n": ok.astype(np.int64), "w": wk, "wy": wk * y0, "wyy": wk * y0 * y0})
    keys = [strata, cluster, *by]
    return frame.groupby(keys, dropna=False, sort=False, observed=True)[SUMS].sum().reset_index()


def combine_sums(parts: Sequence[pd.DataFrame] | pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Add the per-partition sums of the same cell."""
    frame = parts if isinstance(parts, pd.DataFrame) else pd.concat(parts, ignore_index=True)
    return frame.groupby(list(keys), dropna=False, sort=True)[SUMS].sum().reset_index()


def estimates_from_sums(cells: pd.DataFrame, by: Sequence[str], strata: str,
                        cluster: str) -> pd.DataFrame:
    """Domain mean (proportion), its Taylor SE, n and Σw from combined cell sums.

    Same formula as ``survey._domain_stats`` with ``lonely_psu="adjust"`` and no fpc: PSU
    totals of z are centred on their stratum mean over the n_h PSUs of the whole design.
    """
    psus = cells[[strata, cluster]].drop_duplicates()
    nh = psus.groupby(strata).size().rename("nh")
    n_psu, n_strata = len(psus), len(nh)
    dom = cells.dropna(subset=list(by))
    dom = dom[dom["n"] > 0]
    # A cell of (domain, stratum, PSU): its z for the mean needs the domain totals.
    dsum = dom.groupby(list(by), sort=True)[["n", "w", "wy", "wyy"]].sum()
    mean = dsum["wy"] / dsum["w"]
    c = dom.join(mean.rename("mean"), on=list(by)).join(dsum["w"].rename("W"), on=list(by))
    c["z"] = (c["wy"] - c["mean"] * c["w"]) / c["W"]
    c = c.join(nh, on=strata)
    g = c.groupby([*by, strata], sort=True).agg(total=("z", "sum"), cells=("z", "size"),
                                                nh=("nh", "first"))
    centre = g["nh"] > 1
    zbar = np.where(centre, g["total"] / g["nh"], 0.0)
    c = c.join(pd.Series(zbar, index=g.index, name="zbar"), on=[*by, strata])
    dev2 = ((c["z"] - c["zbar"]) ** 2).groupby([c[b] for b in by] + [c[strata]], sort=True).sum()
    ss = dev2.reindex(g.index).to_numpy() + (g["nh"] - g["cells"]).to_numpy() * zbar ** 2
    scale = np.where(g["nh"] > 1, g["nh"] / (g["nh"] - 1.0), 1.0)
    var = pd.Series(scale * ss, index=g.index).groupby(level=list(range(len(by)))).sum()
    out = dsum[["n", "w"]].rename(columns={"w": "n_weighted"}).reset_index()
    out["estimate"] = mean.to_numpy()
    out["se"] = np.sqrt(var.reindex(dsum.index).to_numpy())
    out["df"] = float(n_psu - n_strata)
    return out


def dask_estimates(ddf, y: str, by: Sequence[str], strata: str, cluster: str,
                   weights: str | None = None) -> pd.DataFrame:
    """Estimates of a dask DataFrame: sums per partition on the workers, combined here."""
    keys = [strata, cluster, *by]
    meta = pd.DataFrame({k: ddf._meta[k] for k in keys}
                        | {"n": pd.Series(dtype="int64"), "w": pd.Series(dtype=float),
                           "wy": pd.Series(dtype=float), "wyy": pd.Series(dtype=float)})
    sums = ddf.map_partitions(partition_sums, y, list(by), strata, cluster, weights,
                              meta=meta).compute()
    return estimates_from_sums(combine_sums(sums, keys), by, strata, cluster)
