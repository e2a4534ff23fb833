"""An independent reader of a published estimates table: which small counts can it recover?

Written apart from ``analysis.estimates.suppression`` on purpose (a test oracle): it knows only
what a reader knows (the published values) and tries the three routes of issue 17 — a count shown,
a rate × n (and n − rate × n, and n), and a total minus its shown parts (repeated until nothing
new is learnt, across kelurahan → kecamatan → kota, across sex → total, age → total, sex × age → its margins, and n = k + (n − k)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REGISTER = {"eppgbm", "eppgbm_bulanan", "dtsen", "pendataan_rt", "program", "verifikasi", "intake"}
# the same figure under two names (a rate's numerator and denominator counts)
SAME = {("stunting", "num"): "stunting_count", ("stunting", "n"): "children_measured",
        ("severe_stunting", "n"): "children_measured",
        ("programme_coverage", "num"): "programme_reached", ("programme_coverage", "n"): "programme_target",
        ("programme_coverage", "not"): "programme_excluded",
        ("programme_leakage", "num"): "programme_leakage_count",
        ("programme_leakage", "n"): "programme_beneficiaries"}


def revealed_small_counts(pub: pd.DataFrame, min_cell: int) -> list[tuple]:
    """Small counts (1 … min_cell − 1) a reader recovers from ``pub``, with the route."""
    truth: dict[tuple, float] = {}   # every cell the table speaks of, with its value if shown
    known: dict[tuple, float] = {}
    found = []
    reg = pub[pub["source"].isin(REGISTER) & ~pub["method"].astype(str).str.startswith(("difference", "fay-herriot"))]
    for r in reg.itertuples(index=False):
        ind = r.indicator
        suffix = "_previous" if ind.endswith("_previous") else ""
        base = ind.removesuffix("_previous")
        key = (r.area_code, r.breakdown, r.data_period)
        if r.unit == "count":
            cell = (ind, *key)
            truth.setdefault(cell, np.nan)
            if pd.notna(r.estimate):
                known[cell] = r.estimate
                if 1 <= r.estimate < min_cell:
                    found.append(("count", cell, r.estimate))
        elif r.unit == "proportion":
            num = (SAME.get((base, "num"), base + "#num") + suffix, *key)
            den = (SAME.get((base, "n"), base + "#n") + suffix, *key)
            nnot = (SAME.get((base, "not"), SAME.get((base, "num"), base + "#num") + "#not") + suffix, *key)
            for c in (num, den, nnot):
                truth.setdefault(c, np.nan)
            if pd.notna(r.n):
                known[den] = r.n
                if 1 <= r.n < min_cell:
                    found.append(("n", den, r.n))
            if pd.notna(r.estimate) and pd.notna(r.n):
                k = round(r.estimate * r.n)
                known[num], known[nnot] = k, r.n - k
                for c, v in ((num, k), (nnot, r.n - k)):
                    if 1 <= v < min_cell:
                        found.append(("rate × n", c, v))
            rel_rate = (den, [num, nnot])
            truth.setdefault(("#rel", *rel_rate[0]), rel_rate)
    relations = [v for k, v in truth.items() if k[0] == "#rel"]
    cells = [c for c in truth if c[0] != "#rel"]
    groups: dict[tuple, list] = {}
    for c in cells:
        groups.setdefault((c[0], c[2], c[3]), []).append(c)
    for cs in groups.values():
        codes = {c[1]: c for c in cs}
        kids: dict[str, list] = {}
        for c in cs:
            if c[1].count(".") >= 2 and c[1].rsplit(".", 1)[0] in codes:
                kids.setdefault(c[1].rsplit(".", 1)[0], []).append(c)
        relations += [(codes[p], ks) for p, ks in kids.items()]
    # the values of a breakdown add up to what they break down: total = the sexes, total = the
    # age groups, age=a = sex=1,age=a + sex=2,age=a, sex=s = its age groups
    broken_down: dict[tuple, list] = {}
    for c in cells:
        labels = [] if c[2] == "total" else c[2].split(",")
        for i, label in enumerate(labels):
            if label.split("=")[0] in ("sex", "age"):
                rest = ",".join(labels[:i] + labels[i + 1:]) or "total"
                broken_down.setdefault((c[0], c[1], rest, c[3], label.split("=")[0]), []).append(c)
    relations += [(key[:4], parts) for key, parts in broken_down.items() if key[:4] in truth]
    changed = True
    while changed:
        changed = False
        for top, parts in relations:
            members = [top, *parts]
            unknown = [c for c in members if c not in known]
            if len(unknown) != 1:
                continue
            c = unknown[0]
            value = (sum(known[p] for p in parts) if c == top
                     else known[top] - sum(known[p] for p in parts if p != c))
            known[c] = value
            changed = True
            if 1 <= round(value) < min_cell:
                found.append(("total minus parts", c, value))
    return found
