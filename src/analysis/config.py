"""Paths and configuration: the one place where the workspace's locations and policy values are read.

Paths are resolved from the project root (the folder holding ``config/``), which is found from
the ``RAKOR_ROOT`` environment variable or by walking up from the current directory; policy values
(poverty lines, targets, focus kelurahan, criteria, programmes) come from ``config/*.yml``.

The configuration folder is ``config/`` of the project root unless the ``RAKOR_CONFIG``
environment variable (or ``rakor --config DIR``, which sets it through :func:`use_config_dir`)
names another one, e.g. one written by ``rakor init --region CODE``.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import RakorInputError

PACKAGE_DATA = Path(str(resources.files("analysis") / "data"))
WHO2006_DIR = PACKAGE_DATA / "who2006"


def find_root(start: Path | None = None) -> Path:
    """Return the project root: ``$RAKOR_ROOT``, else the nearest parent holding ``config/settings.yml``
    and ``notebooks/`` (a folder that only holds a region's configuration, as ``rakor init --config
    DIR/config`` writes it, is not a checkout)."""
    env = os.environ.get("RAKOR_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "config" / "settings.yml").is_file() and (candidate / "notebooks").is_dir():
            return candidate
    # Installed as a package outside a checkout: fall back to the source tree if present.
    src_root = Path(__file__).resolve().parents[2]
    if (src_root / "config" / "settings.yml").is_file():
        return src_root
    raise FileNotFoundError(
        "cannot find the project folder (a folder with config/settings.yml); "
        "run from inside the checkout or set RAKOR_ROOT"
    )


ROOT = find_root()
#: The configuration shipped with the workspace (Kota Bontang): the defaults ``rakor init`` copies.
DEFAULT_CONFIG_DIR = ROOT / "config"
#: The configuration in use: ``$RAKOR_CONFIG`` when set, else :data:`DEFAULT_CONFIG_DIR`.
CONFIG_DIR = Path(os.environ["RAKOR_CONFIG"]).resolve() if os.environ.get("RAKOR_CONFIG") else DEFAULT_CONFIG_DIR
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
SAMPLE_RAW_DIR = RAW_DIR / "sample"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"


#: First line (or first row, or file metadata) of every file under a ``restricted/`` folder.
RESTRICTED_NOTICE = (
    "DATA PRIBADI - TERBATAS: berkas ini memuat data pribadi (UU 27/2022 tentang Pelindungan Data "
    "Pribadi); hanya untuk verifikasi oleh petugas yang berwenang, jangan dibagikan atau diunggah. "
    "PERSONAL DATA - RESTRICTED (Law 27/2022)."
)
RESTRICTED_MODE = 0o700  # owner only: the folders that hold names, NIK and No. KK


def make_restricted_dir(path: Path | str) -> Path:
    """Create ``path`` (and parents) and make it owner-only (``0700``), whatever the umask.

    Parameters
    ----------
    path
        A folder that will hold personal data (its name or a parent's is ``restricted``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=RESTRICTED_MODE)
    # mkdir's mode is masked by the umask, parents get the default and an old folder keeps its
    # own: set it on the folder and on every folder between it and the `restricted` one above.
    parts = path.resolve().parts
    top = len(parts) - 1 - parts[::-1].index("restricted") if "restricted" in parts else len(parts) - 1
    for depth in range(top, len(parts)):
        os.chmod(Path(*parts[:depth + 1]), RESTRICTED_MODE)
    return path


def use_config_dir(path: Path | str) -> Path:
    """Use the configuration in ``path`` from now on, in this process and the notebooks it starts.

    Parameters
    ----------
    path
        A folder holding ``settings.yml``, ``sources.yml`` and ``wilayah_aliases.yml``.

    Returns
    -------
    pathlib.Path
        The folder, resolved.

    Raises
    ------
    RakorInputError
        The folder or its ``settings.yml`` does not exist.

    Notes
    -----
    Call it before any module that reads the settings on import (``estimates.table``,
    ``intake.schemas``) is imported: the ``rakor`` command does so first thing.
    """
    global CONFIG_DIR
    folder = Path(path).expanduser().resolve()
    if not (folder / "settings.yml").is_file():
        raise RakorInputError(f"configuration folder {folder} has no settings.yml; write one with "
                              f"`rakor init --region CODE --config {path}`")
    CONFIG_DIR = folder
    os.environ["RAKOR_CONFIG"] = str(folder)  # inherited by the notebook kernels
    load_yaml.cache_clear()
    return folder


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """Load ``config/<name>.yml`` (cached; treat the result as read-only).

    Raises
    ------
    RakorInputError
        When the file is missing, is not valid YAML (the message gives the line) or does not hold
        a mapping; for ``settings`` also when a required key is missing or has the wrong type
        (see :data:`SETTINGS_SPEC`).
    """
    path = CONFIG_DIR / f"{name}.yml"
    if not path.is_file():
        raise RakorInputError(f"configuration file {path} is missing; restore it from git")
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RakorInputError(f"{path} is not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise RakorInputError(f"{path} must hold a mapping of settings; got {type(data).__name__}")
    if name == "settings":
        validate_settings(data, path)
    return data


def settings() -> dict[str, Any]:
    """Policy values and choices: ``config/settings.yml``, validated once when first loaded."""
    return load_yaml("settings")


# Checks of settings.yml: dotted key -> (what it must be, test). Every key the code reads is
# here, so that a broken or incomplete file stops the run at once, naming the key, instead of
# failing half-way or falling back on a default nobody chose.
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _one_of(*options: str):
    return (f"one of {', '.join(options)}", lambda v: v in options)


_POSITIVE_INT = ("a positive whole number", lambda v: _is_int(v) and v > 0)
_NON_NEG_INT = ("a whole number >= 0", lambda v: _is_int(v) and v >= 0)
_NUMBER = ("a number", _is_number)
_POSITIVE_NUMBER = ("a positive number", lambda v: _is_number(v) and v > 0)
_PERCENT = ("a number from 0 to 100", lambda v: _is_number(v) and 0 <= v <= 100)
_TEXT = ("a non-empty text", _is_str)

SETTINGS_SPEC: dict[str, tuple[str, Any]] = {
    "region.name": _TEXT,
    "region.code": ("a Kemendagri kab/kota code such as \"64.74\", or a province code such as \"64\" (quoted text)",
                    lambda v: isinstance(v, str) and re.fullmatch(r"\d{2}(\.\d{2})?", v) is not None),
    "focus_kelurahan.codes": ("a list of kelurahan codes such as \"64.74.01.1003\"",
                              lambda v: isinstance(v, list) and all(
                                  isinstance(c, str) and re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", c)
                                  for c in v)),
    "focus_kelurahan.target_extreme_poor": _NON_NEG_INT,
    "focus_kelurahan.target_days": _POSITIVE_INT,
    "focus_kelurahan.start_date": ("a date \"YYYY-MM-DD\" (quoted text)",
                                   lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None),
    "poverty_line_table.table": _TEXT,
    "poverty_line_table.extreme_choice": _TEXT,
    "targets.extreme_poverty_pct.value": _PERCENT,
    "targets.stunting_pct.value": _PERCENT,
    "local_criteria.min_criteria_extreme": _POSITIVE_INT,
    "local_criteria.criteria": ("a list of {key, label_id}",
                                lambda v: isinstance(v, list) and bool(v) and all(
                                    isinstance(c, dict) and _is_str(c.get("key")) and _is_str(c.get("label_id"))
                                    for c in v)),
    "programmes": ("a list of {key, label_id, kind: assistance|incentive}",
                   lambda v: isinstance(v, list) and bool(v) and all(
                       isinstance(p, dict) and _is_str(p.get("key")) and _is_str(p.get("label_id"))
                       and p.get("kind") in ("assistance", "incentive") for p in v)),
    # option lists as the estimators define them (survey.CI_METHODS, LONELY_PSU_OPTIONS, small_area)
    "estimation.ci_method": _one_of("logit", "korn-graubard", "wilson", "clopper-pearson", "jeffreys",
                                    "agresti-coull"),
    "estimation.ci_method_rare": _one_of("logit", "korn-graubard", "wilson", "clopper-pearson", "jeffreys",
                                         "agresti-coull"),
    "estimation.alpha": ("a number between 0 and 1", lambda v: _is_number(v) and 0 < v < 1),
    "estimation.dof": _one_of("design"),
    "estimation.lonely_psu": _one_of("adjust", "certainty", "remove", "fail"),
    "estimation.reliability.reliable_max_rse": _PERCENT,
    "estimation.reliability.caution_max_rse": _PERCENT,
    "privacy.min_cell": _POSITIVE_INT,
    "reconcile.fuzzy_match_threshold": _PERCENT,
    "convergence.poor_max_desil": ("a whole number from 1 to 10", lambda v: _is_int(v) and 1 <= v <= 10),
    "wilayah.fuzzy_threshold": _PERCENT,
    "sae.method": _one_of("reml", "ml", "li-lahiri"),
    "sae.method_rare": _one_of("reml", "ml", "li-lahiri"),
    "sae.variance": _one_of("gvf", "arcsin"),
    "sae.variance_rare": _one_of("gvf", "arcsin"),
    "sae.benchmark": _one_of("ratio", "raking"),
    "sae.covariates": ("a list of column names", lambda v: isinstance(v, list) and all(_is_str(c) for c in v)),
    "sae.n_boot": _POSITIVE_INT,
    "sae.seed": _NON_NEG_INT,
}


def validate_settings(data: dict[str, Any], path: Path | str = "config/settings.yml") -> None:
    """Check that every key the code reads is present in ``data`` and has the right type.

    Parameters
    ----------
    data
        The parsed ``settings.yml``.
    path
        Named in the message.

    Raises
    ------
    RakorInputError
        Naming the first missing or wrong key (dotted, e.g. ``privacy.min_cell``), what it must be
        and the value found; also when the RSE thresholds are out of order.
    """
    missing = object()
    for dotted, (expected, ok) in SETTINGS_SPEC.items():
        node: Any = data
        for part in dotted.split("."):
            node = node.get(part, missing) if isinstance(node, dict) else missing
            if node is missing:
                break
        if node is missing:
            raise RakorInputError(f"{path}: the setting `{dotted}` is missing; it must be {expected}")
        if not ok(node):
            raise RakorInputError(f"{path}: the setting `{dotted}` must be {expected}; got {node!r}")
    _validate_region(data, path)
    rel = data["estimation"]["reliability"]
    if not rel["reliable_max_rse"] < rel["caution_max_rse"]:
        raise RakorInputError(
            f"{path}: `estimation.reliability.reliable_max_rse` ({rel['reliable_max_rse']}) must be below "
            f"`estimation.reliability.caution_max_rse` ({rel['caution_max_rse']})")


def _validate_region(data: dict[str, Any], path: Path | str) -> None:
    """The region is in the gazetteer and every area code of the settings lies inside it."""
    from analysis.intake.gazetteer import region_table

    code = data["region"]["code"]
    try:
        known = set(region_table(code)["kode"])
    except RakorInputError as exc:
        raise RakorInputError(f"{path}: the setting `region.code`: {exc}") from None
    for i, c in enumerate(data["focus_kelurahan"]["codes"]):
        if not c.startswith(code + "."):
            raise RakorInputError(f"{path}: the setting `focus_kelurahan.codes` item {i + 1} ({c!r}) lies "
                                  f"outside the region {code} (`region.code`)")
        if c not in known:
            raise RakorInputError(f"{path}: the setting `focus_kelurahan.codes` item {i + 1} ({c!r}) is not a "
                                  f"desa/kelurahan of {code} in the Kemendagri gazetteer")


def sources() -> dict[str, Any]:
    """Raw sources with their required columns and header aliases: ``config/sources.yml``."""
    return load_yaml("sources")


def wilayah_aliases() -> dict[str, Any]:
    """Local spellings of area names: ``config/wilayah_aliases.yml``."""
    return load_yaml("wilayah_aliases")


def poverty_line(kind: str, period: str = "9999-12") -> float:
    """Rupiah per person per month of the region's ``kind`` line ("poverty", "extreme") for ``period``.

    From the dated table ``config/poverty_lines.csv`` (:func:`analysis.estimation.poverty_lines.resolve_line`);
    without a period, the latest line available.
    """
    from analysis.estimation.poverty_lines import resolve_line

    return resolve_line(kind, settings()["region"]["code"], period).value_idr


def focus_kelurahan() -> list[str]:
    """Kemendagri codes of the focus kelurahan (target: zero extreme poverty)."""
    return list(settings()["focus_kelurahan"]["codes"])
