"""Paths and configuration: the one place where the workspace's locations and policy values are read.

Paths are resolved from the project root (the folder holding ``config/``), which is found from
the ``RAKOR_ROOT`` environment variable or by walking up from the current directory; policy values
(poverty lines, targets, focus kelurahan, criteria, programmes) come from ``config/*.yml``.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DATA = Path(str(resources.files("analysis") / "data"))
WHO2006_DIR = PACKAGE_DATA / "who2006"
WILAYAH_CSV = PACKAGE_DATA / "bontang_wilayah_kemendagri.csv"


def find_root(start: Path | None = None) -> Path:
    """Return the project root: ``$RAKOR_ROOT``, else the nearest parent holding ``config/settings.yml``."""
    env = os.environ.get("RAKOR_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "config" / "settings.yml").is_file():
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
CONFIG_DIR = ROOT / "config"
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
SAMPLE_RAW_DIR = RAW_DIR / "sample"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """Load ``config/<name>.yml`` (cached; treat the result as read-only)."""
    path = CONFIG_DIR / f"{name}.yml"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def settings() -> dict[str, Any]:
    """Policy values and choices: ``config/settings.yml``."""
    return load_yaml("settings")


def sources() -> dict[str, Any]:
    """Raw sources with their required columns and header aliases: ``config/sources.yml``."""
    return load_yaml("sources")


def wilayah_aliases() -> dict[str, Any]:
    """Local spellings of area names: ``config/wilayah_aliases.yml``."""
    return load_yaml("wilayah_aliases")


def poverty_line(kind: str) -> float:
    """Rupiah per person per month for ``kind`` in {"poverty", "extreme"}."""
    return float(settings()["poverty_lines"][kind]["value_idr_person_month"])


def focus_kelurahan() -> list[str]:
    """Kemendagri codes of the focus kelurahan (target: zero extreme poverty)."""
    return list(settings()["focus_kelurahan"]["codes"])
