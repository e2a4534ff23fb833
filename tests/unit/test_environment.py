"""pyproject.toml is the single source of truth for dependencies; environment.yml must not drift."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert listed == wanted, (
        f"only in environment.yml: {sorted(listed - wanted)}; only in pyproject.toml: {sorted(wanted - listed)}"
    )


def test_environment_yml_pins_python_311_and_installs_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pips = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pips and "-e ." in pips[0]["pip"]


def test_makefile_help_is_the_default_goal_and_every_target_is_documented():
    text = (ROOT / "Makefile").read_text()
    assert ".DEFAULT_GOAL := help" in text
    for target in ("report", "test", "lab", "sample-data", "bench", "lint", "clean"):
        assert re.search(rf"## .+\n{re.escape(target)}:", text), f"target {target} lacks a ## comment"


def test_notebooks_are_committed_without_outputs():
    import json

    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), nb.name
