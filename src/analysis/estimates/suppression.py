"""The one small-count rule: nothing published lets a reader recover 1 to ``min_cell − 1`` persons.

:func:`suppress` applies it to the estimates table before anything is published (the processed
table keeps the values and sets ``suppressed``; ``store.published_estimates`` blanks them);
:func:`suppress_small_counts` is the same primary/complementary rule for one table of counts.

Counts from 1 to ``min_cell − 1`` are shown as ``"<5"`` (``min_cell`` from ``config/settings.yml``,
``privacy.min_cell``); where a published total and the other cells of the same group would let a
reader subtract their way to a hidden cell, the next-smallest cell of the group is hidden too
(complementary suppression, shown as ``"*"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.briefs import narrative
from analysis.errors import RakorInputError

COMPLEMENTARY_MARK = "*"


def configured_min_cell() -> int:
    """``privacy.min_cell`` of ``config/settings.yml``: no silent default.

    Raises
    ------
    RakorInputError
        When the key is missing or not a whole number of at least 1.
    """
    from analysis import config

    value = (config.settings().get("privacy") or {}).get("min_cell")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RakorInputError(
            f"config/settings.yml: privacy.min_cell must be a whole number of at least 1; got {value!r}")
    return value


def suppress_small_counts(table: pd.DataFrame, count_cols: str | Sequence[str],
                          min_cell: int | None = None, group_cols: str | Sequence[str] | None = None,
                          lang: str = "id", complementary: bool = True) -> pd.DataFrame:
    """Hide small counts of persons or families, with complementary suppression.

    Parameters
    ----------
    table
        One row per cell of a published table (e.g. one row per kelurahan).
    count_cols
        Columns holding counts of persons or families. Each is treated separately.
    min_cell
        Counts ``1 … min_cell − 1`` are hidden (primary suppression). Zero is shown: it reveals
        nobody. Default: ``privacy.min_cell`` in ``config/settings.yml`` (5).
    group_cols
        Rows sharing these values add up to a total that is published (the kelurahan of one
        kecamatan add up to the kecamatan figure). ``None``: the whole table is one group (its
        column total is assumed to be shown somewhere, the safe default). Pass the total rows
        separately: they are not part of the table.
    lang
        Number format of the ``*_display`` columns.
    complementary
        Apply complementary suppression (default). Turn off only when no total of the group is
        published anywhere.

    Returns
    -------
    pandas.DataFrame
        A copy with, for each count column ``c``, a string column ``c_display`` (``"<5"`` for a
        primary suppression, ``"*"`` for a complementary one, otherwise the count formatted in
        ``lang``), and a bool column ``suppressed`` (any count of the row hidden).

    Notes
    -----
    Complementary rule, per count column and group: when exactly one cell is hidden, the group
    total minus the shown cells would give it away, so the smallest remaining positive cell is
    hidden too (a zero only if no positive cell remains; the reader cannot tell which hidden cell
    is zero). A group whose only cell is hidden is left as is: its total must be suppressed by
    whoever publishes it. One pass protects one-dimensional tables (rows adding to a total); a
    table with both row and column totals needs an iterative search, out of scope here.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5 (cell suppression).
    Wiley.
    """
    min_cell = configured_min_cell() if min_cell is None else int(min_cell)
    if min_cell < 1:
        raise RakorInputError(f"min_cell must be at least 1; got {min_cell}")
    cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    groups = [] if group_cols is None else ([group_cols] if isinstance(group_cols, str)
                                           else list(group_cols))
    missing = [c for c in [*cols, *groups] if c not in table.columns]
    if missing:
        raise RakorInputError(
            f"suppress_small_counts: column(s) {', '.join(missing)} not in the table "
            f"(columns: {', '.join(map(str, table.columns))})")
    out = table.copy()
    any_hidden = np.zeros(len(out), dtype=bool)
    # Group id per row (one group when group_cols is None); positional index throughout.
    if groups:
        gid = out[groups].astype("object").fillna("\x00<NA>").groupby(groups, sort=False).ngroup()
        gid = gid.to_numpy()
    else:
        gid = np.zeros(len(out), dtype=np.int64)
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.notna() & ((values < 0) | (values != values.round()))
        if bad.any():
            raise RakorInputError(
                f"suppress_small_counts: column {col!r} must hold whole counts ≥ 0; got "
                f"{values[bad].iloc[0]!r} in {int(bad.sum())} row(s)")
        v = values.to_numpy(dtype=float)
        present = ~np.isnan(v)
        primary = present & (v >= 1) & (v < min_cell)
        secondary = np.zeros(len(out), dtype=bool)
        if complementary and primary.any():
            frame = pd.DataFrame({"gid": gid, "v": v, "primary": primary, "present": present})
            n_primary = frame.groupby("gid")["primary"].transform("sum").to_numpy()
            candidate = present & ~primary & (n_primary == 1)
            if candidate.any():
                cand = frame[candidate].assign(
                    zero=lambda d: d["v"] == 0, pos=np.flatnonzero(candidate))
                # smallest positive cell first, zeros last; first row wins ties
                pick = cand.sort_values(["gid", "zero", "v", "pos"], kind="mergesort") \
                    .drop_duplicates("gid")["pos"].to_numpy()
                secondary[pick] = True
        shown = narrative.fmt_int_series(pd.Series(v, index=out.index), lang).fillna("")
        shown = shown.mask(primary, f"<{min_cell}")
        shown = shown.mask(secondary, COMPLEMENTARY_MARK)
        out[f"{col}_display"] = shown.astype(str)
        any_hidden |= primary | secondary
    out["suppressed"] = any_hidden
    return out




# --------------------------------------------------------------------------------------------
# The rule for the estimates table
# --------------------------------------------------------------------------------------------

#: sources whose figures count persons or families exactly (registers, lists, the intake itself)
REGISTER_SOURCES = frozenset({"eppgbm", "eppgbm_bulanan", "dtsen", "pendataan_rt", "program",
                              "verifikasi", "intake"})
#: label of survey-weighted rows: exempt from the count rule, they follow the reliability (RSE) rule
SURVEY_NOTE = "survey-weighted: RSE rule"
PREVIOUS_SUFFIX = "_previous"
# A rate's numerator, denominator and complement, when the table also holds them as counts: a rate
# and its counts are the same cells, hidden together.
NUMERATOR = {"stunting": "stunting_count", "programme_coverage": "programme_reached",
             "programme_leakage": "programme_leakage_count", "skdn_d_s": "skdn_d", "skdn_n_d": "skdn_n"}
DENOMINATOR = {"stunting": "children_measured", "severe_stunting": "children_measured",
               "programme_coverage": "programme_target", "programme_leakage": "programme_beneficiaries",
               "skdn_d_s": "skdn_s"}  # skdn_n_d: D' has no count row of its own (N + T)
COMPLEMENT = {"programme_coverage": "programme_excluded", "skdn_n_d": "skdn_t"}
#: counts that are the sum of other counts of the same area, breakdown and data period (a reader
#: subtracts the shown parts from the total): total → parts
SUMS = {"extreme_families_remaining": ("extreme_families_verified", "extreme_families_unverified")}
#: breakdowns whose values add up to the ``total`` row (each person in exactly one value)
ADDITIVE_BREAKDOWNS = ("sex", "age", "posyandu", "rt")  # posyandu, rt: estimates/local.py

Cell = tuple[str, str, str, str]  # (quantity, area_code, breakdown, data_period)


def _split_previous(indicator: str) -> tuple[str, str]:
    if indicator.endswith(PREVIOUS_SUFFIX):
        return indicator.removesuffix(PREVIOUS_SUFFIX), PREVIOUS_SUFFIX
    return indicator, ""


class _Plan:
    """Which rows to hide and whose ``n`` to blank (see :func:`plan_suppression`)."""

    def __init__(self, hidden: np.ndarray, primary: np.ndarray, hide_n: np.ndarray, survey: np.ndarray):
        self.hidden, self.primary, self.hide_n, self.survey = hidden, primary, hide_n, survey


def _row_cells(est: pd.DataFrame, min_cell: int):
    """The count cells each register row reveals: through its value, and through its ``n``."""
    src = est["source"].astype(str).to_numpy()
    method = est["method"].astype(str).to_numpy()
    unit = est["unit"].astype(str).to_numpy()
    difference = np.char.startswith(method.astype(str), "difference")
    register = np.isin(src, list(REGISTER_SOURCES)) & ~np.char.startswith(method.astype(str), "fay-herriot")
    value = pd.to_numeric(est["estimate"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(est["n"], errors="coerce").to_numpy(dtype=float)
    est_cells: list[list[Cell]] = []
    n_cell: list[Cell | None] = []
    values: dict[Cell, float] = {}
    rates: list[tuple[Cell, Cell, Cell]] = []
    for i, (ind, area, bd, dp) in enumerate(zip(est["indicator"].astype(str), est["area_code"].astype(str),
                                                est["breakdown"].astype(str), est["data_period"].astype(str),
                                                strict=True)):
        cells: list[Cell] = []
        ncell = None
        base, suffix = _split_previous(ind)
        if register[i] and not difference[i] and unit[i] == "count":
            cells = [(ind, area, bd, dp)]
            if np.isfinite(value[i]):
                values.setdefault(cells[0], value[i])
            if np.isfinite(n[i]):
                ncell = (f"n:{src[i]}{suffix}", area, bd, dp)
                values.setdefault(ncell, n[i])
        elif register[i] and not difference[i] and unit[i] == "proportion" and np.isfinite(n[i]):
            den = (DENOMINATOR.get(base, f"{base}#n") + suffix, area, bd, dp)
            values.setdefault(den, n[i])
            ncell = den
            cells = [den]
            if np.isfinite(value[i]):
                num_name = NUMERATOR.get(base, f"{base}#num")
                num = (num_name + suffix, area, bd, dp)
                comp = (COMPLEMENT.get(base, f"{num_name}#not") + suffix, area, bd, dp)
                k = float(np.round(value[i] * n[i]))
                values.setdefault(num, k)
                values.setdefault(comp, n[i] - k)
                cells = [num, comp, den]
                rates.append((den, num, comp))
        est_cells.append(cells)
        n_cell.append(ncell)
    return est_cells, n_cell, values, rates, register, difference


def _relations(values: dict[Cell, float], rates) -> list[tuple[Cell, list[Cell]]]:
    """Sums a reader can use: parent area = its sub-areas, total = its breakdown values, a margin =
    its cross's values (``age=6-11`` = ``sex=1,age=6-11`` + ``sex=2,age=6-11``), n = k + (n − k),
    and the totals of :data:`SUMS`."""
    rel: list[tuple[Cell, list[Cell]]] = [(den, [num, comp]) for den, num, comp in set(rates)]
    by_group: dict[tuple[str, str, str], list[Cell]] = {}
    for cell in values:
        by_group.setdefault((cell[0], cell[2], cell[3]), []).append(cell)
    for (q, bd, dp), cells in by_group.items():
        codes = {c[1] for c in cells}
        children: dict[str, list[Cell]] = {}
        for c in cells:
            parent = c[1].rsplit(".", 1)[0] if c[1].count(".") >= 1 else None  # kab/kota -> province too
            if parent in codes:
                children.setdefault(parent, []).append(c)
        rel += [((q, parent, bd, dp), kids) for parent, kids in children.items()]
    for cell in values:
        base, suffix = _split_previous(cell[0])
        if base in SUMS:
            parts = [(p + suffix, *cell[1:]) for p in SUMS[base]]
            if all(p in values for p in parts):
                rel.append((cell, parts))
    # a cross of breakdowns sums to each of its margins: sex=1,age=6-11 + sex=2,age=6-11 = age=6-11
    margins: dict[Cell, list[Cell]] = {}
    for cell in values:
        parts = cell[2].split(",")
        if len(parts) < 2 or not all(p.split("=", 1)[0] in ADDITIVE_BREAKDOWNS for p in parts):
            continue
        for i in range(len(parts)):
            top = (cell[0], cell[1], ",".join(parts[:i] + parts[i + 1:]), cell[3])
            if top in values:
                margins.setdefault(top + (parts[i].split("=", 1)[0],), []).append(cell)
    rel += [(key[:4], kids) for key, kids in margins.items()]
    by_area: dict[tuple[str, str, str], list[Cell]] = {}
    for cell in values:
        by_area.setdefault((cell[0], cell[1], cell[3]), []).append(cell)
    for (q, area, dp), cells in by_area.items():
        if (q, area, "total", dp) not in values:
            continue
        for col in ADDITIVE_BREAKDOWNS:
            parts = [c for c in cells if c[2].startswith(col + "=") and "," not in c[2] and ";" not in c[2]]
            if parts:
                rel.append(((q, area, "total", dp), parts))
    return rel


class _Solver:
    """The sums of the table as integer arrays, for repeated questions "which unknown cells can a
    reader solve?" (:meth:`determined`) while the set of shown cells shrinks.

    Each connected component of unknown cells is solved on its own; its answer depends only on its
    set of cells (the relations touching it are fixed), so it is kept and reused while the
    component stays the same (most do between two rounds of :func:`plan_suppression`).
    """

    def __init__(self, values: dict[Cell, float], relations):
        self.cells = list(values)
        self.id = {c: i for i, c in enumerate(self.cells)}
        rel_of, cell_of, sign = [], [], []
        for r, (top, kids) in enumerate(relations):
            rel_of.append(r)
            cell_of.append(self.id[top])
            sign.append(1.0)
            for c in kids:
                rel_of.append(r)
                cell_of.append(self.id[c])
                sign.append(-1.0)
        self.rel_of = np.asarray(rel_of, dtype=np.int64)
        self.cell_of = np.asarray(cell_of, dtype=np.int64)
        self.sign = np.asarray(sign, dtype=float)
        self.cache: dict[bytes, np.ndarray] = {}
        self.qr_cache = _QRCache()
        # relation -> its cell ids and signs, cell -> its relations (relations are numbered 0 … R − 1,
        # each listed with its top cell first)
        bounds = np.flatnonzero(np.diff(self.rel_of)) + 1
        #: where each relation's entries start in ``cell_of`` and ``sign`` (and where the last ends)
        self.rel_start = np.concatenate([[0], bounds, [len(self.rel_of)]]).astype(np.int64)
        self.rel_cells = [c.tolist() for c in np.split(self.cell_of, bounds)] if len(self.rel_of) else []
        self.rel_signs = [s.tolist() for s in np.split(self.sign, bounds)] if len(self.rel_of) else []
        self.cell_rels: list[list[int]] = [[] for _ in self.cells]
        for r, c in sorted(set(zip(self.rel_of.tolist(), self.cell_of.tolist(), strict=True))):
            self.cell_rels[c].append(r)

    def _solve(self, members: np.ndarray, rows) -> np.ndarray:
        """Determined cells (ids) of the component ``members`` (sorted ids); ``rows`` built on demand."""
        key = members.tobytes()
        if key not in self.cache:
            codes = [self.cells[j][1] for j in members.tolist()]
            self.cache[key] = members[_component_determined(rows(), len(members), codes, self.qr_cache)]
        return self.cache[key]

    def component(self, seed: int, unknown: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """The connected component of unknown cells that holds ``seed``: its cells (sorted ids) and
        the relations touching it (sorted)."""
        seen, stack, rels = {seed}, [seed], set()
        while stack:
            c = stack.pop()
            for r in self.cell_rels[c]:
                if r in rels:
                    continue
                rels.add(r)
                for c2 in self.rel_cells[r]:
                    if unknown[c2] and c2 not in seen:
                        seen.add(c2)
                        stack.append(c2)
        return np.array(sorted(seen), dtype=np.int64), sorted(rels)

    def _matrix(self, members: np.ndarray, rels: list[int], cols=None) -> np.ndarray:
        """Coefficients of ``rels`` (rows) on ``cols`` (default ``members``; sorted ids)."""
        cols = members if cols is None else cols
        a = np.zeros((len(rels), len(cols)))
        for k, r in enumerate(rels):
            for c, sign in zip(self.rel_cells[r], self.rel_signs[r], strict=True):
                j = np.searchsorted(cols, c)
                if j < len(cols) and cols[j] == c:
                    a[k, j] = sign
        return a

    def component_determined(self, members: np.ndarray, rels: list[int], unknown: np.ndarray) -> list[Cell]:
        """The determined cells of a connected component of unknown cells (:meth:`component`)."""

        def rows():  # each relation's unknown cells (positions in members) and signs
            r = np.asarray(rels, dtype=np.int64)
            if not len(r):
                return []
            start, size = self.rel_start[r], self.rel_start[r + 1] - self.rel_start[r]
            at = np.repeat(start - np.cumsum(size) + size, size) + np.arange(int(size.sum()))
            cells = self.cell_of[at]
            ok = unknown[cells]
            ends = np.cumsum(np.bincount(np.repeat(np.arange(len(r)), size)[ok], minlength=len(r)))[:-1]
            return list(zip(np.split(np.searchsorted(members, cells[ok]), ends), np.split(self.sign[at][ok], ends),
                            strict=True))

        return [self.cells[j] for j in self._solve(members, rows).tolist()]

    def breakers(self, members: np.ndarray, rels: list[int], targets: list[int],
                 candidates: list[int]) -> np.ndarray:
        """Which shown ``candidates`` (ids), once unknown, leave each determined ``target`` (ids of
        the component ``members``, ``rels``: :meth:`component`) unsolvable: ``breaks[t, k]``.

        With the component's system ``A x = 0`` (relations × unknown cells), target ``j`` is solved
        by every ``y`` with ``yᵀA = e_jᵀ``: ``y₀ + N z``, ``y₀`` the least-norm solution and ``N``
        the left null space. A new unknown with column ``a`` breaks all of them when ``yᵀa ≠ 0``
        for every such ``y``: ``Nᵀa = 0`` and ``y₀ᵀa ≠ 0``. The new unknown's relations outside
        the component are not in ``A``: the caller checks the result again.
        """
        from scipy.linalg import svd

        a = self._matrix(members, rels)
        u, sv, vt = svd(a, full_matrices=True)
        rank = int((sv > max(a.shape) * np.finfo(float).eps * (sv[0] if len(sv) else 0)).sum())
        cand = np.asarray(sorted(candidates), dtype=np.int64)
        c = self._matrix(members, rels, cand)
        y0 = u[:, :rank] @ (vt[:rank, np.searchsorted(members, targets)] / sv[:rank, None])
        free = np.linalg.norm(u[:, rank:].T @ c, axis=0) < 1e-8
        breaks = (np.abs(y0.T @ c) > 1e-8) & free
        order = np.searchsorted(cand, candidates)
        return breaks[:, order]

    def determined(self, known: set[Cell]) -> set[Cell]:
        """The unknown cells (not in ``known``) that the relations fix exactly."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(self.cells)
        unknown = np.ones(n, dtype=bool)
        unknown[[self.id[c] for c in known if c in self.id]] = False
        keep = unknown[self.cell_of]
        rel, cell, sign = self.rel_of[keep], self.cell_of[keep], self.sign[keep]
        if not len(rel):
            return set()
        # unknown cells of one relation are linked (consecutive entries of the same relation)
        same = rel[1:] == rel[:-1]
        graph = coo_matrix((np.ones(int(same.sum())), (cell[:-1][same], cell[1:][same])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        comp = label[cell]
        order = np.lexsort((rel, comp))
        rel, cell, sign, comp = rel[order], cell[order], sign[order], comp[order]
        bounds = np.flatnonzero(np.diff(comp)) + 1
        out: set[Cell] = set()
        for r_c, c_c, s_c in zip(np.split(rel, bounds), np.split(cell, bounds), np.split(sign, bounds),
                                 strict=True):
            members = np.unique(c_c)

            def rows(members=members, r_c=r_c, c_c=c_c, s_c=s_c):
                row_bounds = np.flatnonzero(np.diff(r_c)) + 1
                return list(zip(np.split(np.searchsorted(members, c_c), row_bounds), np.split(s_c, row_bounds),
                                strict=True))

            out.update(self.cells[j] for j in self._solve(members, rows).tolist())
        return out


def _component_determined(rows: list[tuple[np.ndarray, np.ndarray]], n: int,
                          codes: Sequence[str] | None = None, qr_cache: _QRCache | None = None) -> np.ndarray:
    """Which of ``n`` unknowns the homogeneous system ``rows`` (column indices, ±1 coefficients) fixes.

    ``codes``: the area code of each unknown, when known; the core is then solved area by area
    (:func:`_area_null_vectors`, whose factorisations ``qr_cache`` keeps).

    Unknown ``j`` is determined when every solution has ``x_j = 0``: its row of a null-space basis
    is zero, or, what is the same but for a set of measure zero, it is zero in a few random
    solutions (:func:`_area_null_vectors`). Exact reductions first, then a null space on what is left:

    1. a relation with one undetermined unknown determines it (repeated);
    2. a relation holding an unknown found in no other relation is set aside: dropping it leaves
       the solutions of the others unchanged, and that unknown's null-space row is the relation's
       combination of the other unknowns' rows (filled in afterwards, last set aside first);
    3. the remaining core: :func:`_area_null_vectors` (:func:`_random_null_vectors` without codes); an
       unknown in no remaining relation is free.
    """
    var_rows: list[list[int]] = [[] for _ in range(n)]
    for r, (cols, _) in enumerate(rows):
        for c in cols:
            var_rows[c].append(r)
    det = np.zeros(n, dtype=bool)
    free = np.array([len(cols) for cols, _ in rows])
    queue = [r for r in range(len(rows)) if free[r] == 1]
    while queue:  # 1. one unknown left in a sum: solved
        r = queue.pop()
        if free[r] != 1:
            continue
        c = next(c for c in rows[r][0] if not det[c])
        det[c] = True
        for r2 in var_rows[c]:
            free[r2] -= 1
            if free[r2] == 1:
                queue.append(r2)
    active = free >= 2
    deg = np.zeros(n, dtype=np.int64)
    for r in np.flatnonzero(active):
        cols = rows[r][0]
        np.add.at(deg, cols[~det[cols]], 1)
    stack = [c for c in range(n) if deg[c] == 1]
    set_aside: list[tuple[int, int]] = []
    while stack:  # 2. an unknown of a single sum: the sum is set aside
        c = stack.pop()
        if deg[c] != 1:
            continue
        r = next(r for r in var_rows[c] if active[r])
        active[r] = False
        set_aside.append((c, r))
        for c2 in rows[r][0]:
            if not det[c2]:
                deg[c2] -= 1
                if deg[c2] == 1:
                    stack.append(c2)
    core_rows = np.flatnonzero(active)
    core_vars = np.flatnonzero((deg > 0) & ~det)
    aside = np.zeros(n, dtype=bool)
    aside[[c for c, _ in set_aside]] = True
    lone = np.flatnonzero((deg == 0) & ~det & ~aside)
    # random solutions (NULL_VECTORS of them, seeded: the same answer for the same system): a cell
    # is determined when it is 0 in all of them (:func:`_area_null_vectors`)
    rng = np.random.default_rng(0)
    x = np.zeros((n, NULL_VECTORS))
    if len(core_rows):  # 3. the core
        from scipy.sparse import csr_matrix

        pos = np.full(n, -1, dtype=np.int64)
        pos[core_vars] = np.arange(len(core_vars))
        ok = [~det[rows[r][0]] for r in core_rows]
        ptr = np.concatenate([[0], np.cumsum([int(o.sum()) for o in ok])])
        a = csr_matrix((np.concatenate([rows[r][1][o] for r, o in zip(core_rows, ok, strict=True)]),
                        np.concatenate([pos[rows[r][0][o]] for r, o in zip(core_rows, ok, strict=True)]),
                        ptr), shape=(len(core_rows), len(core_vars)))
        x[core_vars] = (_random_null_vectors(a.toarray(), rng, NULL_VECTORS) if codes is None
                        else _area_null_vectors(a, [codes[c] for c in core_vars.tolist()], rng, NULL_VECTORS,
                                                qr_cache))
    x[lone] = rng.standard_normal((len(lone), NULL_VECTORS))  # in no remaining sum: free
    for c, r in reversed(set_aside):  # own·x_c + Σ s·x_other = 0, the others known by now
        cols, signs = rows[r]
        own = signs[cols == c][0]
        other = (cols != c) & ~det[cols]
        x[c] = -own * (signs[other] @ x[cols[other]])
    return det | (np.abs(_scaled(x)).max(axis=1) < 1e-9)  # 0 but for rounding, in every solution


#: the area split of :func:`_area_null_vectors` is worth its bookkeeping from this many unknowns
AREA_SPLIT_FROM = 300

#: random solutions a component's determined cells are read from (:func:`_component_determined`)
NULL_VECTORS = 3


class _QRCache:
    """Column-pivoted QR factorisations of areas' systems (:func:`_area_null_vectors`), by content.

    Hiding a cell changes one area's system; the settling of :func:`plan_suppression` then solves
    the component again, and every other area's factorisation is found here. At most ``size``
    are kept, the least recently used dropped first.
    """

    def __init__(self, size: int = 1024):
        from collections import OrderedDict

        self.size, self.kept = size, OrderedDict()

    def qr(self, ak) -> tuple:
        """``(q_r, null, r11, piv, rank, t)`` of ``akᵀ`` (``ak`` sparse), or ``None`` when the rank is
        unclear: ``akᵀ[:, piv] = QR``, ``q_r = Q[:, :rank]`` and ``Q[:, rank:]`` (as ``null``),
        ``r11 = R[:rank, :rank]``, ``t = R₁₁⁻¹R₁₂``."""
        import hashlib

        from scipy.linalg import qr, solve_triangular

        ak = ak.tocsr()
        ak.sort_indices()
        h = hashlib.blake2b(repr(ak.shape).encode(), digest_size=20)
        for part in (ak.indptr, ak.indices, ak.data):
            h.update(np.ascontiguousarray(part).tobytes())
        key = h.digest()
        if key in self.kept:
            self.kept.move_to_end(key)
            return self.kept[key]
        dense = ak.toarray()
        q, r, piv = qr(dense.T, pivoting=True)
        d = np.abs(np.diag(r))
        tol = max(dense.shape) * np.finfo(float).eps * (d[0] if len(d) else 0.0)
        unclear = not len(d) or not d[0] or ((d > tol) & (d < 1e-6 * d[0])).any()
        found = None
        if not unclear:
            rank = int((d > tol).sum())
            r11 = r[:rank, :rank]
            found = (q[:, :rank], q[:, rank:], r11, piv, rank, solve_triangular(r11, r[:rank, rank:]))
        self.kept[key] = found
        if len(self.kept) > self.size:
            self.kept.popitem(last=False)
        return found


def _area_null_vectors(a, codes: Sequence[str], rng: np.random.Generator, k: int,
                       qr_cache: _QRCache | None = None) -> np.ndarray:
    """``k`` random vectors of the null space of ``a`` (relations × unknown cells; dense or sparse),
    solved area by area: a dense array (cells × ``k``).

    Which cells are determined is all the caller asks: cell ``j`` is when ``x_j = 0`` in every
    solution, and ``x = N z`` for a basis ``N`` and a random ``z`` is zero in coordinate ``j``
    exactly when row ``j`` of ``N`` is (but for a set of ``z`` of measure zero). So no basis is
    built: a province's has thousands of columns, and making it cost most of the settling.

    A province's core is one connected system of thousands of cells (its kab/kota linked through
    the province's sums), and a dense factorisation costs the cube of its size. But most cells
    belong to one area under the top of the system (a kab/kota of a province, a kecamatan of a
    kota), and only the cells of sums across those areas tie them together. Those become the
    *interface* ``I``; each area ``k`` keeps the relations ``A_k x_k + B_k x_I = 0`` among its
    own cells ``x_k``; relations of interface cells only are ``C x_I = 0``. Then (exactly, as a
    Schur complement):

    - ``x_I`` solves ``C x_I = 0`` and ``B_k x_I ∈ range(A_k)`` for every ``k``, i.e.
      ``W_kᵀ B_k x_I = 0`` with ``W_k`` a basis of the left null space of ``A_k``;
    - given ``x_I``, ``x_k`` is one solution of ``A_k x_k = −B_k x_I`` plus ``null(A_k)``.

    A random solution is a random interface solution (the same problem one level up) with each
    area's solution for it plus a random vector of ``null(A_k)``. One column-pivoted QR of each
    ``A_kᵀ`` gives ``null(A_k)``, ``W_k`` and the solutions: the cost is the sum of the areas'
    cubes, not the cube of their sum; ``qr_cache`` keeps the factorisations of areas that do not
    change between calls. Below :data:`AREA_SPLIT_FROM` cells, or when the areas do not split the
    system (one area; most cells on the interface) or a rank is unclear, :func:`_block_null_space`
    (the whole matrix) is used.
    """
    from scipy.linalg import solve_triangular
    from scipy.sparse import csr_matrix, issparse

    qr_cache = _QRCache() if qr_cache is None else qr_cache
    a = csr_matrix(a) if not issparse(a) else a.tocsr()
    n_rows, n_cols = a.shape
    label = _area_split(a, codes) if n_cols >= AREA_SPLIT_FROM else None
    if label is None:
        return _random_null_vectors(a.toarray(), rng, k)
    inter = np.flatnonzero(label < 0)
    coo = a.tocoo()
    row_area = np.full(n_rows, -1)
    lab = label[coo.col]
    row_area[coo.row[lab >= 0]] = lab[lab >= 0]  # one area per relation (or none: interface only)
    a_inter = a[:, inter]
    constraints = [a_inter[np.flatnonzero(row_area < 0)].toarray()]
    local_null, solve = [], []
    for area in np.unique(label[label >= 0]):
        own = np.flatnonzero(label == area)
        k_rows = np.flatnonzero(row_area == area)
        found = qr_cache.qr(a[k_rows][:, own])
        if found is None:
            return _random_null_vectors(a.toarray(), rng, k)  # a rank not clear from the QR: the whole matrix
        q_r, null, r11, piv, rank, t = found
        local_null.append((own, null))
        bk_sparse = a_inter[k_rows]
        touch = np.unique(bk_sparse.indices)  # the interface cells this area's relations hold
        bk = bk_sparse[:, touch].toarray()
        # left null space of A_k: z[piv] = [−R₁₁⁻¹R₁₂; I]; the interface must satisfy zᵀB_k x_I = 0
        block = np.zeros((len(piv) - rank, len(inter)))
        block[:, touch] = bk[piv[rank:]] - t.T @ bk[piv[:rank]]
        constraints.append(block)
        solve.append((own, q_r, r11, bk[piv[:rank]], touch))
    m = np.vstack(constraints)
    # the interface's own system has the same shape one level up (kecamatan sums within kab/kota)
    x_i = (_area_null_vectors(m, [codes[c] for c in inter.tolist()], rng, k, qr_cache) if m.shape[0]
           else rng.standard_normal((len(inter), k)))
    x = np.zeros((n_cols, k))
    x[inter] = x_i
    for own, nk in local_null:
        x[own] = nk @ rng.standard_normal((nk.shape[1], k))
    for own, q_r, r11, b_piv, touch in solve:  # A_k x_k = −B_k x_I: R₁₁ᵀy = −(B_k x_I)[piv], x_k = Q_r y
        x[own] += q_r @ solve_triangular(r11, -(b_piv @ x_i[touch]), trans="T")
    return _scaled(x)


def _scaled(x: np.ndarray) -> np.ndarray:
    """Each column of ``x`` divided by its largest absolute value (a zero column kept): the
    solutions of a level feed the next, and rounding is judged against the largest entry."""
    top = np.abs(x).max(axis=0, initial=0.0)
    return x / np.where(top > 0, top, 1.0)


def _random_null_vectors(a: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` random vectors of the null space of the dense ``a`` (:func:`_block_null_space`)."""
    basis = _block_null_space(a)
    return _scaled(basis @ rng.standard_normal((basis.shape[1], k)))


def _area_split(a: np.ndarray, codes: Sequence[str]) -> np.ndarray | None:
    """The areas of :func:`_area_null_vectors`: for each unknown (column of ``a``), its area's number,
    or −1 for the interface; ``None`` when no split pays.

    The areas are those of one level of the codes (kab/kota, kecamatan or desa: a code cut to that
    many parts; a cell above the level is on the interface), and a relation with cells of two areas
    puts all its cells on the interface. Of the levels, the one with the least work (the sum of
    ``cells² × relations`` over the areas and the cube of the interface) is taken, if it is less
    than half the whole matrix's.
    """
    n_rows, n_cols = a.shape
    coo = a.tocoo()
    rows, cols = coo.row, coo.col
    dots = np.array([c.count(".") for c in codes])
    best, best_cost = None, 0.5 * float(n_cols) ** 2 * n_rows
    for level in range(dots.min(), dots.max() + 1):
        label = pd.factorize(pd.Series([".".join(c.split(".")[:level + 1]) for c in codes]))[0]
        label = label.astype(np.int64)
        label[dots < level] = -1
        lab = label[cols]
        local = lab >= 0
        lo = np.full(n_rows, np.iinfo(np.int64).max)
        hi = np.full(n_rows, -1)
        np.minimum.at(lo, rows[local], lab[local])
        np.maximum.at(hi, rows[local], lab[local])
        across = (hi >= 0) & (lo != hi)
        label[cols[across[rows]]] = -1
        n_areas = int(label.max()) + 1
        if n_areas < 2 or not (label >= 0).any():
            continue
        size = np.bincount(label[label >= 0], minlength=n_areas).astype(float)
        row_area = np.full(n_rows, -1)
        lab = label[cols]
        row_area[rows[lab >= 0]] = lab[lab >= 0]
        height = np.bincount(row_area[row_area >= 0], minlength=n_areas).astype(float)
        cost = float((size ** 2 * np.maximum(height, 1)).sum()) + float((label < 0).sum()) ** 3
        if cost < best_cost:
            best, best_cost = label, cost
    return best


def _block_null_space(a: np.ndarray) -> np.ndarray:
    """:func:`_null_space` of ``a`` block by block: the peeling of :func:`_component_determined` can
    leave a core that falls apart into independent blocks (unknowns sharing no relation), whose null
    space is the direct sum of theirs. A dense QR costs the cube of its size: a province's core
    (8,130 × 8,181, two blocks of ~4,000) took minutes as one matrix."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows, cols = np.nonzero(a)
    n_rows, n_cols = a.shape
    if not len(rows):
        return np.eye(n_cols)
    # rows and columns as nodes of one graph: a row is linked to each of its columns
    graph = coo_matrix((np.ones(len(rows)), (rows, n_rows + cols)), shape=(n_rows + n_cols,) * 2)
    n_blocks, label = connected_components(graph, directed=False)
    if n_blocks == 1:
        return _null_space(a)
    row_label, col_label = label[:n_rows], label[n_rows:]
    parts = []
    for b in np.unique(col_label):
        c = np.flatnonzero(col_label == b)
        r = np.flatnonzero(row_label == b)
        block = _null_space(a[np.ix_(r, c)]) if len(r) else np.eye(len(c))
        full = np.zeros((n_cols, block.shape[1]))
        full[c] = block
        parts.append(full)
    return np.hstack(parts) if parts else np.zeros((n_cols, 0))


def _null_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the null space of ``a``: the columns of ``Q`` past the rank, from a
    column-pivoted QR of ``aᵀ`` (about twice as fast as the SVD of ``scipy.linalg.null_space`` on
    these ±1 matrices). Rows of zeros are dropped first, and with more rows than columns ``a`` is
    replaced by ``R`` of its plain QR (the same null space; an interface's system is tall). Where a
    diagonal of ``R`` is neither clearly zero nor clearly not, the SVD decides."""
    from scipy.linalg import null_space, qr

    size = max(a.shape)
    a = a[a.any(axis=1)]  # a row of zeros constrains nothing (an interface's system has many)
    if a.shape[0] > a.shape[1]:  # more rows than unknowns: the same null space as R of a = QR,
        a = qr(a, mode="r", overwrite_a=True)[0][:a.shape[1]]  # whose plain QR is the faster
    if not a.size:
        return np.eye(a.shape[1])
    q, r, _ = qr(a.T, pivoting=True)
    d = np.abs(np.diag(r))
    tol = size * np.finfo(float).eps * d[0]
    if ((d > tol) & (d < 1e-6 * d[0])).any() or not d[0]:
        return null_space(a)
    return q[:, int((d > tol).sum()):]


def determined_cells(values: dict[Cell, float], relations, known: set[Cell],
                     solver: _Solver | None = None) -> set[Cell]:
    """The unknown cells a reader can compute exactly from the known ones and the sums.

    A cell ``j`` is determined when every solution of the linear system (relations with the
    known cells substituted) has the same ``x_j``: the null space of the system's matrix
    restricted to the unknown cells is zero in coordinate ``j`` (per connected component of
    unknown cells, see :func:`_component_determined`). ``solver``: a :class:`_Solver` of the same
    ``values`` and ``relations`` whose kept answers are reused (:func:`plan_suppression`).
    """
    return (solver or _Solver(values, relations)).determined(known)


def plan_suppression(est: pd.DataFrame, min_cell: int | None = None, mapper=None) -> _Plan:
    """Decide which rows of the estimates table to hide, and whose ``n`` to blank.

    Parameters
    ----------
    est
        The estimates table (values present).
    min_cell
        Default ``privacy.min_cell`` (no silent default).
    mapper
        ``None``: the table's independent systems (:func:`_parts`) are settled one after another.
        Else a callable like ``map`` that settles them elsewhere (``parallel.ProcessMapper``, or a dask
        cluster's ``client.map`` and gather): the same plan, as no system reads another.

    Returns
    -------
    _Plan
        Boolean arrays by row: ``hidden`` (the value may not be published), ``primary`` (it is
        itself a count of 1 … min_cell − 1), ``hide_n`` (``n`` may not be published), ``survey``
        (a survey-weighted row, exempt).

    Notes
    -----
    Register rows (sources in :data:`REGISTER_SOURCES`, not model-based) are cells of counts of
    persons or families: a count row is one cell; a rate with its ``n`` is three (numerator k,
    n − k, and n), the same cells as the counts of that numerator and denominator when the table
    holds them (:data:`NUMERATOR`, :data:`DENOMINATOR`). A cell of 1 … min_cell − 1 is hidden
    (primary) in every row that shows it. The sums a reader can use are the kelurahan of a
    kecamatan, the kecamatan of the kota, the values of an additive breakdown and n = k + (n − k);
    first the one-pass complementary rule of :func:`suppress_small_counts` is applied per level,
    then, as long as a hidden cell can be solved exactly from the shown ones (linear algebra:
    :func:`determined_cells`), the smallest positive shown cell of one of its sums is hidden too.
    A change between two figures (``difference:*``) is hidden when either figure is. Survey
    rows (``susenas``) and model rows (``fay-herriot*``) follow the reliability (RSE) rule instead.
    """
    m = configured_min_cell() if min_cell is None else int(min_cell)
    est = est.reset_index(drop=True)
    est_cells, n_cell, values, rates, register, difference = _row_cells(est, m)
    relations = _relations(values, rates)
    protected: dict[Cell, str] = {c: "primary" for c, v in values.items() if 1 <= v < m}
    # a figure of an earlier rakor hidden then stays hidden
    forced = est["indicator"].astype(str).str.endswith(PREVIOUS_SUFFIX) & est["suppressed"].fillna(False).astype(bool)
    for i in np.flatnonzero(forced.to_numpy()):
        for c in est_cells[i]:
            protected.setdefault(c, "secondary")
    # One pass of the classic rule per level first: the cells it picks are those published before.
    count_rows = [i for i, cells in enumerate(est_cells) if len(cells) == 1 and est["unit"].iat[i] == "count"]
    if count_rows:
        t = est.iloc[count_rows][["indicator", "breakdown", "data_period", "method", "area_code",
                                  "estimate"]].copy()
        t["cell"] = [est_cells[i][0] for i in count_rows]
        t["level"] = t["area_code"].str.count(r"\.")
        for level, parent_len in ((3, 8), (2, 5), (1, 2)):  # kelurahan, kecamatan, kab/kota of a province
            rows = t[(t["level"] == level) & t["estimate"].notna()]
            if rows.empty:
                continue
            cells = rows.assign(parent=rows["area_code"].str.slice(0, parent_len))
            done = suppress_small_counts(cells, "estimate", min_cell=m,
                                         group_cols=["indicator", "breakdown", "data_period", "method", "parent"])
            for c in done.loc[done["suppressed"], "cell"]:
                protected.setdefault(c, "secondary")
    for settled in _map_parts(_parts(values, relations, est_cells, n_cell, protected), mapper):
        protected.update(settled)
    hidden = np.array([any(c in protected for c in cells) for cells in est_cells], dtype=bool)
    primary = np.array([any(protected.get(c) == "primary" for c in cells) for cells in est_cells], dtype=bool)
    hide_n = np.array([c is not None and c in protected for c in n_cell], dtype=bool)
    hidden |= forced.to_numpy()
    # A mean or SD of 1 … min_cell − 1 children is (nearly) their own values: hidden with its n.
    n = pd.to_numeric(est["n"], errors="coerce").to_numpy(dtype=float)
    few = register & (est["unit"].astype(str) == "z").to_numpy() & (n >= 1) & (n < m)
    hidden |= few
    primary |= few
    hide_n |= few
    hidden = _hide_differences(est, hidden)
    survey = ~register & (est["source"].astype(str) == "susenas").to_numpy()
    return _Plan(hidden, primary, hide_n, survey)


def _parts(values: dict[Cell, float], relations, est_cells, n_cell, protected: dict) -> list[tuple]:
    """The table's independent systems that hold a small cell, each as the arguments of
    :func:`_settle_part`, largest first.

    Cells that no chain of sums links never constrain each other: a quantity's cells of one data
    period (with the quantities sharing a denominator) form one system, and settling one system
    neither reads nor hides a cell of another. Each keeps the global order of its cells, sums and
    rows, so that it is settled exactly as it was in the whole table. A system without a small
    cell has nothing to settle.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    cid = {c: i for i, c in enumerate(values)}
    pairs = [(cid[top], cid[k]) for top, kids in relations for k in kids]
    top_of, kid_of = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True)) if pairs else ([], [])
    n = len(cid)
    _, label = connected_components(coo_matrix((np.ones(len(pairs)), (top_of, kid_of)), shape=(n, n)),
                                    directed=False)
    label = label.tolist()
    wanted = sorted({label[cid[c]] for c, kind in protected.items() if kind == "primary" and c in cid})
    if not wanted:
        return []
    by_label: dict[int, tuple] = {k: ({}, [], [], [], {}) for k in wanted}

    def part_of(c: Cell):  # the part holding cell c, or None (not a cell of the sums, or nothing to settle)
        i = cid.get(c)
        return None if i is None else by_label.get(label[i])

    for c, v in values.items():
        if (part := part_of(c)) is not None:
            part[0][c] = v
    for top, kids in relations:
        if (part := part_of(top)) is not None:
            part[1].append((top, kids))
    for cells in est_cells:
        if cells and (part := part_of(cells[0])) is not None:
            part[2].append(cells)
    for c in dict.fromkeys(c for c in n_cell if c is not None):
        if (part := part_of(c)) is not None:
            part[3].append(c)
    for c, kind in protected.items():
        if (part := part_of(c)) is not None:
            part[4][c] = kind
    return sorted(by_label.values(), key=lambda part: -len(part[0]))


def _settle_part(part: tuple) -> dict[Cell, str]:
    """Settle one system of :func:`_parts`: its protected cells, those hidden for it included."""
    values, relations, rows, n_cells, protected = part
    cell_rel: dict[Cell, list[tuple[int, Cell, list[Cell]]]] = {}
    for top, kids in relations:
        for c in kids:
            cell_rel.setdefault(c, []).append((0, top, kids))
        cell_rel.setdefault(top, []).append((1, top, kids))
    solver = _Solver(values, relations)
    view = _Shown(rows, n_cells, protected, solver)
    small = {c for c, kind in protected.items() if kind == "primary"}
    # hundreds of small dense solves: one BLAS thread each is ~10x faster than several on 2 cores.
    # threadpool_limits limits the libraries loaded when it starts: scipy's own OpenBLAS first (a
    # pool's fresh process has not loaded it yet, and ran 2.5x slower unlimited)
    import scipy.linalg  # noqa: F401

    with threadpool_limits(limits=1, user_api="blas"):
        _settle_all(solver, view, protected, small, cell_rel, values, relations)
    return protected


def _map_parts(parts: list[tuple], mapper) -> list[dict[Cell, str]]:
    """:func:`_settle_part` of each part: here one after another, or by ``mapper`` (a callable
    like the built-in ``map``: a process pool's or a dask cluster's, see :func:`plan_suppression`)."""
    return list((map if mapper is None or len(parts) < 2 else mapper)(_settle_part, parts))


#: a process pool (``parallel.ProcessMapper``) pays for its start (each process imports the
#: analysis modules) from this many cells to settle (Bontang's sample table has ~15,000; Kalimantan
#: Timur's at scale 0.5 ~630,000)
PROCESSES_FROM_CELLS = 200_000


class _Shown:
    """The cells a reader sees (:func:`plan_suppression`), kept up to date as cells are hidden.

    A cell is shown when it is not protected and some row shows it: a row none of whose cells is
    protected, or a row whose ``n`` it is (``n`` is blanked only when it is itself protected).
    """

    def __init__(self, est_cells, n_cell, protected: dict, solver: _Solver):
        self.est_cells, self.protected, self.solver = est_cells, protected, solver
        self.rows_of: dict[Cell, list[int]] = {}
        self.visible: dict[Cell, int] = {}
        self.hidden_row = np.zeros(len(est_cells), dtype=bool)
        self.is_n = {c for c in n_cell if c is not None}
        for i, cells in enumerate(est_cells):
            for c in cells:
                self.rows_of.setdefault(c, []).append(i)
            if any(c in protected for c in cells):
                self.hidden_row[i] = True
            else:
                for c in cells:
                    self.visible[c] = self.visible.get(c, 0) + 1
        self.known = {c for c in solver.cells if self._shown(c)}
        self.unknown = np.ones(len(solver.cells), dtype=bool)
        self.unknown[[solver.id[c] for c in self.known]] = False

    def _shown(self, c: Cell) -> bool:
        return c not in self.protected and (c in self.is_n or self.visible.get(c, 0) > 0)

    def _drop(self, c: Cell) -> None:
        if c in self.known and not self._shown(c):
            self.known.discard(c)
            self.unknown[self.solver.id[c]] = True

    def protect(self, cell: Cell) -> None:
        """``cell`` was just protected: hide the rows that show it."""
        self._drop(cell)
        for i in self.rows_of.get(cell, []):
            if self.hidden_row[i]:
                continue
            self.hidden_row[i] = True
            for c in self.est_cells[i]:
                self.visible[c] -= 1
                self._drop(c)


def _settle_all(solver: _Solver, view: _Shown, protected: dict, small: set, cell_rel, values, relations) -> None:
    """Hide shown cells until no small cell can be solved from the shown ones (:func:`_settle`)."""
    for _ in range(len(values) + 1):  # one round in practice: the second finds nothing exposed
        exposed = sorted(c for c in determined_cells(values, relations, view.known, solver) if c in small)
        if not exposed:
            return
        before = len(protected)
        for p in exposed:
            _settle(p, solver, view, protected, small, cell_rel, values)
        if len(protected) == before:  # nothing left to hide
            return


#: components up to this many unknown cells get :meth:`_Solver.breakers` (a full SVD of the
#: component: a second or more beyond ~2,000 cells, for 1-2% fewer hidden cells); larger ones the
#: plain choice of :func:`_complement_for`
BREAKERS_UP_TO = 400


def _settle(p: Cell, solver: _Solver, view: _Shown, protected: dict, small: set, cell_rel, values) -> None:
    """Hide shown cells until no small cell of ``p``'s component can be solved.

    Hiding a cell only adds unknowns, so a small cell that cannot be solved stays so: each
    component is settled once, and the cells hidden for it never expose another one. The cells
    hidden are the smallest that break the sums giving each exposed cell away
    (:meth:`_Solver.breakers`), else :func:`_complement_for`'s choice.
    """
    pid = solver.id[p]
    for _ in range(len(solver.cells) + 1):
        members, rels = solver.component(pid, view.unknown)
        exposed = sorted(c for c in solver.component_determined(members, rels, view.unknown) if c in small)
        if not exposed:
            return
        cand, breaks = [], None
        if len(members) <= BREAKERS_UP_TO:
            near = {c for r in rels for c in solver.rel_cells[r]}
            cand = sorted((c for c in near if not view.unknown[c] and solver.cells[c] not in protected
                           and not _pinned(c, solver, view.unknown, rels)),
                          key=lambda c: (values[solver.cells[c]] == 0, values[solver.cells[c]], solver.cells[c]))
        if cand:
            breaks = solver.breakers(members, rels, [solver.id[q] for q in exposed], cand)
        chosen: list[int] = []
        before = len(protected)
        for t, q in enumerate(exposed):
            if breaks is not None and breaks[t, chosen].any():
                continue  # a cell already chosen breaks it too
            k = np.flatnonzero(breaks[t]) if breaks is not None else []
            if len(k):
                chosen.append(int(k[0]))
                pick = solver.cells[cand[int(k[0])]]
            else:
                pick = _complement_for(q, cell_rel, view.known, protected, values)
            if pick is not None and pick not in protected:
                protected[pick] = "secondary"
                view.protect(pick)
        if len(protected) == before:
            return


def _pinned(c: int, solver: _Solver, unknown: np.ndarray, rels: list[int]) -> bool:
    """Whether cell ``c``, if hidden, is still solved by a sum outside ``rels`` whose other cells
    are all shown."""
    inside = set(rels)
    return any(r not in inside and all(not unknown[x] for x in solver.rel_cells[r] if x != c)
               for r in solver.cell_rels[c])


def _complement_for(p: Cell, cell_rel, known: set[Cell], protected: dict, values: dict) -> Cell | None:
    """The shown cell to hide so that ``p`` can no longer be solved.

    The smallest positive one of a sum ``p`` belongs to, taken from the sum with the fewest unknown
    cells (where ``p`` is the only one, that sum alone gives it away: one of its cells must go);
    sibling areas and breakdown values before n = k + (n − k), a total last. When every sum of ``p``
    is already hidden but for ``p``'s unknown partners, the sums of those partners are next (nearest
    first): ``p`` is solved through them.
    """
    def unknowns(rel):
        _kind, top, kids = rel
        return sum(c not in known for c in (top, *kids))

    def smallest(cells):
        return min(cells, key=lambda c: (values[c] == 0, values[c], c))

    for allow_top in (False, True):
        for _kind, top, kids in sorted(cell_rel.get(p, []), key=lambda r: (unknowns(r), r[0])):
            members = [c for c in (*kids, *([top] if allow_top else [])) if c != p]
            cand = [c for c in members if c in known and c not in protected]
            if cand:
                return smallest(cand)
    seen, frontier = {p}, [p]
    while frontier:
        partners = {c for q in frontier for _kind, top, kids in cell_rel.get(q, []) for c in (top, *kids)
                    if c not in known and c not in seen}
        seen |= partners
        cand = {c for q in partners for _kind, top, kids in cell_rel.get(q, []) for c in (top, *kids)
                if c in known and c not in protected}
        if cand:
            return smallest(cand)
        frontier = sorted(partners)
    return None


def _hide_differences(est: pd.DataFrame, hidden: np.ndarray) -> np.ndarray:
    """A change is hidden when the figure at either end is (it would give the hidden one away)."""
    hidden = hidden.copy()
    ind = est["indicator"].astype(str)
    is_diff = est["method"].astype(str).str.startswith("difference").to_numpy()
    if not is_diff.any():
        return hidden
    key = list(zip(ind, est["area_code"].astype(str), est["breakdown"].astype(str),
                   est["data_period"].astype(str), strict=True))
    by_key: dict[tuple, bool] = {}
    for i, k in enumerate(key):
        if not is_diff[i]:
            by_key[k] = by_key.get(k, False) or bool(hidden[i])
    # a previous-rakor figure is found by (indicator, area, breakdown rakor=P)
    prev_rows = {(k[0], k[1], k[2]): bool(hidden[i]) for i, k in enumerate(key) if k[0].endswith(PREVIOUS_SUFFIX)}
    for i in np.flatnonzero(is_diff):
        name, area, bd, dp = key[i]
        if name.endswith("_change") and bd.startswith("since="):
            base = name.removesuffix("_change")
            sides = [by_key.get((base, area, "total", bd.removeprefix("since=")), False),
                     by_key.get((base, area, "total", dp), False)]
        elif name.endswith("_since_previous"):
            base = name.removesuffix("_since_previous")
            sides = [prev_rows.get((base + PREVIOUS_SUFFIX, area, bd), False),
                     by_key.get((base, area, "total", dp), False)]
        elif name.endswith("_difference"):  # ours minus another source's, same area and month (skdn)
            sides = [by_key.get((name.removesuffix("_difference"), area, bd, dp), False)]
        else:
            continue
        hidden[i] = hidden[i] or any(sides)
    return hidden


def suppress(est: pd.DataFrame, min_cell: int | None = None) -> pd.DataFrame:
    """Apply the one small-count rule to the estimates table (values kept, ``suppressed`` set).

    See :func:`plan_suppression` for the rule. The text a brief shows for a hidden figure goes in
    ``note``: ``"<5"`` when it is itself a small count, ``"*"`` for a complementary cell; survey rows
    without a note are labelled :data:`SURVEY_NOTE`. ``store.published_estimates`` blanks hidden
    values (and ``n`` where it is a hidden count) in every copy that leaves the analyst.
    """
    return suppress_with_plan(est, min_cell)[0]


def suppress_with_plan(est: pd.DataFrame, min_cell: int | None = None,
                       mapper=None) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`suppress`, and the plan's ``hide_n`` by row of the result (``n`` may not be
    published), so that the published copy needs no second solve (a province's takes minutes).
    ``mapper``: see :func:`plan_suppression`."""
    m = configured_min_cell() if min_cell is None else int(min_cell)
    est = est.reset_index(drop=True).copy()
    plan = plan_suppression(est, m, mapper)
    keep_note = est["indicator"].astype(str).str.endswith(PREVIOUS_SUFFIX) & est["suppressed"].fillna(False).astype(bool)
    newly = plan.hidden & ~keep_note.to_numpy()
    est["suppressed"] = plan.hidden
    est.loc[newly & plan.primary, "note"] = f"<{m}"
    est.loc[newly & ~plan.primary, "note"] = COMPLEMENTARY_MARK
    label = plan.survey & est["note"].isna().to_numpy() & (est["unit"].astype(str) != "days").to_numpy()
    est.loc[label, "note"] = SURVEY_NOTE
    return est, plan.hide_n
