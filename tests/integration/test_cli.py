"""The command line with a user's mistakes: exit code 2 and one message a clerk can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "messy" / "broken"


def test_a_broken_export_stops_cleaning_with_exit_2_and_names_file_and_closest_header(tmp_path, cli):
    raw = tmp_path / "raw"
    shutil.copytree(BROKEN, raw)
    proc = cli("clean", "--raw", str(raw), "--processed", str(tmp_path / "processed"), check=False,
               env={"RAKOR_PSEUDONYM_KEY": "cli-test"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    message = proc.stderr
    assert "eppgbm/feb.csv" in message and "closest" in message and "config/sources.yml" in message


def test_unknown_option_value_is_rejected_by_the_parser(cli):
    proc = cli("run", "--raw", "x", "--lang", "fr", check=False)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_sample_data_refuses_a_folder_with_other_files(tmp_path, cli):
    (tmp_path / "eppgbm").mkdir()
    (tmp_path / "eppgbm" / "real_export.csv").write_text("NIK,Nama\n")
    proc = cli("sample-data", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "eppgbm" / "real_export.csv").exists()


def test_a_broken_settings_file_stops_with_exit_2_naming_the_key(tmp_path, cli):
    """config/settings.yml is checked once, before anything runs (RAKOR_ROOT points at a copy)."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "config", tmp_path / "config")
    settings = yaml.safe_load((tmp_path / "config" / "settings.yml").read_text(encoding="utf-8"))
    settings["privacy"]["min_cell"] = "lima"
    (tmp_path / "config" / "settings.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc = cli("clean", "--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p"), check=False,
               env={"RAKOR_ROOT": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "`privacy.min_cell` must be a positive whole number; got 'lima'" in proc.stderr
    assert "Traceback" not in proc.stderr
    del settings["estimation"]["reliability"]
    (tmp_path / "config" / "settings.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc = cli("run", "--raw", str(tmp_path / "raw"), check=False, env={"RAKOR_ROOT": str(tmp_path)})
    assert proc.returncode == 2 and "estimation.reliability" in proc.stderr and "Traceback" not in proc.stderr


def test_another_pseudonym_key_stops_cleaning_before_it_breaks_the_links(pipeline_run, tmp_path, cli):
    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    before = {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")}
    proc = cli("clean", "--raw", str(pipeline_run["raw"]), "--processed", str(processed), check=False,
               env={"RAKOR_PSEUDONYM_KEY": "not-the-key-of-the-earlier-periods"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "not the key that pseudonymised the tables" in proc.stderr and "earlier periods" in proc.stderr
    assert "not-the-key" not in proc.stderr and "Traceback" not in proc.stderr
    assert {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")} == before


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["clean", "run"])
def test_an_unreachable_scheduler_exits_2_naming_its_address(tmp_path, cli, command, bontang_sample):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    proc = cli(command, "--raw", str(bontang_sample), "--processed", str(tmp_path / "processed"),
               *(["--out", str(tmp_path / "reports")] if command == "run" else []),
               "--engine", "dask", "--scheduler", address, check=False,
               env={"RAKOR_PSEUDONYM_KEY": "cli-test"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"cannot reach the dask scheduler at {address}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "processed" / "intake.parquet").exists()


def test_scheduler_and_workers_need_the_dask_engine(cli):
    proc = cli("clean", "--raw", "x", "--scheduler", "tcp://127.0.0.1:8786", check=False)
    assert proc.returncode == 2 and "need --engine dask" in proc.stderr


def test_the_dask_engine_gives_the_pandas_run_on_a_two_worker_cluster(pipeline_run, dask_scheduler,
                                                                      tmp_path, cli):
    """``rakor run --engine dask`` on a running scheduler (two workers started by the test): the
    same processed tables, estimates, briefs (HTML and PDF) and executed notebooks as the pandas
    run of the same raw folder; only the folder names and the engine parameters differ."""
    from analysis.briefs.executor import comparable

    pandas_base = pipeline_run["processed"].parent
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    cli("run", "--raw", str(pipeline_run["raw"]), "--processed", str(processed), "--out", str(reports),
        "--date", pipeline_run["rakor_date"], "--engine", "dask", "--scheduler", dask_scheduler,
        env=pipeline_run["env"])
    assert (processed / "eppgbm.parquet").is_dir()
    for table in sorted(pipeline_run["processed"].glob("*.parquet")):
        pd.testing.assert_frame_equal(pd.read_parquet(processed / table.name), pd.read_parquet(table),
                                      obj=table.name)
    report = reports / pipeline_run["report"].name
    theirs = sorted(p.relative_to(pipeline_run["report"]) for p in pipeline_run["report"].rglob("*")
                    if p.is_file())
    assert sorted(p.relative_to(report) for p in report.rglob("*") if p.is_file()) == theirs
    n_briefs = 0
    for rel in theirs:
        if rel.suffix in (".html", ".pdf"):
            n_briefs += 1
            assert (report / rel).read_bytes() == (pipeline_run["report"] / rel).read_bytes(), rel
        elif rel.suffix == ".ipynb":
            if rel.name in ("01_clean.ipynb", "02_estimate.ipynb"):  # parameters differ: outputs
                assert _outputs(report / rel, tmp_path, pandas_base) == _outputs(
                    pipeline_run["report"] / rel), rel
            else:
                mine = comparable(report / rel).replace(str(tmp_path), str(pandas_base))
                assert _unstaged(mine) == _unstaged(comparable(pipeline_run["report"] / rel)), rel
    assert n_briefs >= 4


def _unstaged(text: str) -> str:
    """Without the random name of the staging folder a report is built in (the manifest path)."""
    import re

    return re.sub(r"\.staging-[A-Za-z0-9_]+", ".staging", text)


def _outputs(ipynb: Path, old: Path | None = None, new: Path | None = None) -> list:
    import json

    text = ipynb.read_text(encoding="utf-8")
    if old is not None:
        text = text.replace(str(old), str(new))
    return [c.get("outputs") for c in json.loads(text)["cells"]]
