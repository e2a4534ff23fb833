"""The command's environment as the notebook kernels inherit it."""

from __future__ import annotations

import os

from analysis import cli


def test_a_relative_pythonpath_is_made_absolute_for_the_kernels(tmp_path, monkeypatch):
    # kernels start in notebooks/: a relative PYTHONPATH=src would import another copy of the package there
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["src", "/opt/lib", ""]))
    cli._absolute_pythonpath()
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path / "src"), "/opt/lib", ""]


def test_no_pythonpath_stays_unset(monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    cli._absolute_pythonpath()
    assert "PYTHONPATH" not in os.environ
