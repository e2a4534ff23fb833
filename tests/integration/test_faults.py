"""Faults lose nothing: locks, runs killed in each stage, half-done commits, the pseudonym key.

The lock, commit and key tests call the pipeline's functions on small made-up folders (fast); the
kill tests run ``rakor run`` on the integration sample in a subprocess and SIGKILL it, with every
process it started, in the middle of a stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import pipeline
from analysis.errors import PipelineError, RakorInputError

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the lock of ``folder`` for ``seconds``."""
    code = ("import sys, time\nfrom analysis import pipeline\n"
            f"with pipeline.folder_lock({str(folder)!r}, 'the test folder'):\n"
            "    print('locked', flush=True)\n"
            f"    time.sleep({seconds})\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---------------------------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------------------------

def test_a_second_run_waits_for_the_lock_then_stops_with_a_clear_message(tmp_path):
    holder = _holder(tmp_path, 30)
    try:
        start = time.monotonic()
        with pytest.raises(RakorInputError, match=rf"another rakor run \(pid {holder.pid}\b.*is writing "
                                                  r"the processed folder"):
            with pipeline.folder_lock(tmp_path, "the processed folder", wait_s=0.6):
                pass
        assert 0.5 < time.monotonic() - start < 10
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_gets_the_lock_when_the_first_finishes(tmp_path):
    holder = _holder(tmp_path, 1.0)
    start = time.monotonic()
    try:
        with pipeline.folder_lock(tmp_path, "the processed folder", wait_s=20) as lock:
            assert json.loads(lock.read_text())["pid"] == os.getpid()
            assert time.monotonic() - start > 0.8  # it waited for the first one's second of work
    finally:
        holder.wait()
    assert not (tmp_path / pipeline.LOCK_NAME).exists()  # released


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path, capsys):
    pid = _dead_pid()
    (tmp_path / pipeline.LOCK_NAME).write_text(json.dumps({"pid": pid, "host": os.uname().nodename,
                                                           "started": "2025-03-01T08:00:00"}))
    with pipeline.folder_lock(tmp_path, "the report folder", wait_s=0):
        # re-entrant: a stage inside run_all takes it again without waiting
        with pipeline.folder_lock(tmp_path, "the report folder", wait_s=0):
            pass
        assert json.loads((tmp_path / pipeline.LOCK_NAME).read_text())["pid"] == os.getpid()
    err = capsys.readouterr().err
    assert f"took over the lock of the report folder {tmp_path}" in err and f"pid {pid}" in err
    assert not (tmp_path / pipeline.LOCK_NAME).exists()


def test_a_lock_file_left_empty_by_a_kill_is_stale_after_a_grace_period(tmp_path, capsys):
    """Killed between creating the lock and writing its pid: an empty file, old enough, is stale."""
    lock = tmp_path / pipeline.LOCK_NAME
    lock.write_text("")
    os.utime(lock, (time.time() - 60, time.time() - 60))
    with pipeline.folder_lock(tmp_path, "the processed folder", wait_s=0):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert "took over the lock" in capsys.readouterr().err


def test_the_cli_stops_with_exit_2_while_another_run_holds_the_lock(tmp_path, cli):
    processed = tmp_path / "processed"
    processed.mkdir()
    holder = _holder(processed, 60)
    try:
        proc = cli("estimate", "--processed", str(processed), check=False,
                   env={"RAKOR_LOCK_WAIT_S": "0.5"})
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"pid {holder.pid}" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------------
# Staged commits of the processed folder and of the report
# ---------------------------------------------------------------------------------------------

def _tree(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file outside dot folders: (sha256, mtime_ns, inode); any write shows."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            st = path.stat()
            out[rel.as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_ino)
    return out


def _processed(tmp_path: Path) -> Path:
    processed = tmp_path / "processed"
    (processed / "executed").mkdir(parents=True)
    pd.DataFrame({"a": [1, 2]}).to_parquet(processed / "old.parquet")
    pd.DataFrame({"a": [3]}).to_parquet(processed / "stale.parquet")
    (processed / "executed" / "01_clean.ipynb").write_text("{}")
    return processed


def test_a_failed_stage_leaves_the_tables_untouched(tmp_path):
    processed = _processed(tmp_path)
    before = _tree(processed)
    with pytest.raises(KeyError), pipeline.processed_transaction(processed, "clean") as work:
        pd.DataFrame({"a": [9]}).to_parquet(work / "old.parquet")
        (work / "new.parquet").write_bytes(b"x")
        raise KeyError("the stage failed")
    assert _tree(processed) == before
    assert not list(processed.glob(".staging-*"))
    # a failed notebook keeps its working copy for inspection, under a name the message gives
    with pytest.raises(PipelineError, match=r"\.failed-estimate"), \
            pipeline.processed_transaction(processed, "estimate") as work:
        raise PipelineError(f"notebook 02_estimate.ipynb failed; kept at {work}/executed/02_estimate.ipynb")
    assert _tree(processed) == before and (processed / ".failed-estimate").is_dir()


def test_a_successful_stage_commits_every_change_and_removes_what_it_removed(tmp_path):
    processed = _processed(tmp_path)
    with pipeline.processed_transaction(processed, "clean") as work:
        pd.DataFrame({"a": [9]}).to_parquet(work / "old.parquet")
        (work / "stale.parquet").unlink()
        pipeline.config.make_restricted_dir(work / "restricted")
        from analysis.briefs.pii_scan import write_restricted_parquet

        write_restricted_parquet(pd.DataFrame({"nama": ["X"]}), work / "restricted" / "identity.parquet")
        (work / "executed" / "01_clean.ipynb").write_text(json.dumps({"dir": str(work)}))
    assert pd.read_parquet(processed / "old.parquet")["a"].tolist() == [9]
    assert not (processed / "stale.parquet").exists()
    assert (processed / "restricted").stat().st_mode & 0o777 == 0o700
    # the executed notebook names the folder its tables are in, not the working copy
    assert json.loads((processed / "executed" / "01_clean.ipynb").read_text()) == {"dir": str(processed)}
    assert not list(processed.glob(".staging-*")) and not (processed / pipeline.JOURNAL).exists()


def test_a_commit_killed_half_way_is_finished_by_the_next_run(tmp_path):
    """A journal means the stage had succeeded: the next run rolls it forward, whatever was moved."""
    processed = _processed(tmp_path)
    work = processed / ".staging-clean-123"
    (work / "executed").mkdir(parents=True)
    pd.DataFrame({"a": [7]}).to_parquet(work / "old.parquet")
    (work / "executed" / "01_clean.ipynb").write_text('{"new": 1}')
    journal = {"staging": work.name, "files": ["executed/01_clean.ipynb", "new.parquet", "old.parquet"],
               "dirs": ["executed"]}
    (processed / "new.parquet").write_bytes(b"moved before the kill")  # new.parquet was moved already
    (processed / pipeline.JOURNAL).write_text(json.dumps(journal))
    pipeline.recover_processed(processed)
    assert pd.read_parquet(processed / "old.parquet")["a"].tolist() == [7]
    assert (processed / "executed" / "01_clean.ipynb").read_text() == '{"new": 1}'
    assert (processed / "new.parquet").read_bytes() == b"moved before the kill"
    assert not (processed / "stale.parquet").exists()
    assert not work.exists() and not (processed / pipeline.JOURNAL).exists()
    pipeline.recover_processed(processed)  # twice changes nothing


def test_a_swap_killed_half_way_puts_the_old_report_back(tmp_path, capsys):
    out = tmp_path / "reports"
    old = out / ".2025-03.old-4242"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    (out / ".2025-03.staging-abc").mkdir()
    pipeline.recover_reports(out)
    assert (out / "2025-03" / "manifest.json").exists()
    assert not old.exists() and not (out / ".2025-03.staging-abc").exists()
    assert "restored the report" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The pseudonym key
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def key_env(tmp_path, monkeypatch):
    from analysis import config
    from analysis.intake import identifiers

    monkeypatch.setattr(config, "ROOT", tmp_path / "root")  # .rakor/pseudonym.key goes there
    monkeypatch.delenv(identifiers.KEY_ENV, raising=False)
    return tmp_path / "root" / ".rakor" / "pseudonym.key"


def test_the_key_fingerprint_is_kept_and_another_key_stops_the_run(tmp_path, key_env, monkeypatch):
    from analysis.intake import identifiers

    processed = tmp_path / "processed"
    processed.mkdir()
    monkeypatch.setenv(identifiers.KEY_ENV, "key-of-2024")
    fp = pipeline.check_pseudonym_key(processed)  # an empty folder: any key
    assert fp == identifiers.key_fingerprint(b"key-of-2024") and len(fp) == 64
    assert "key-of-2024" not in fp
    (processed / pipeline.RUN_INFO).write_text(json.dumps({"key_id": fp}))
    pd.DataFrame({"period": ["2024-09"]}).to_parquet(processed / "history.parquet")
    assert pipeline.check_pseudonym_key(processed) == fp
    monkeypatch.setenv(identifiers.KEY_ENV, "another-key")
    with pytest.raises(RakorInputError, match=r"not the key that pseudonymised the tables.*earlier periods"):
        pipeline.check_pseudonym_key(processed)


def test_a_lost_key_is_not_silently_recreated_where_history_exists(tmp_path, key_env):
    processed = tmp_path / "processed"
    processed.mkdir()
    pd.DataFrame({"period": ["2024-09"]}).to_parquet(processed / "history.parquet")
    (processed / pipeline.RUN_INFO).write_text(json.dumps({"key_id": "ab" * 32}))
    with pytest.raises(RakorInputError, match=r"there is no pseudonym key.*A new key would be made.*"
                                              r"earlier periods"):
        pipeline.check_pseudonym_key(processed)
    assert not key_env.exists()
    # a fresh folder may get a new key (the first run of a workspace)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    pipeline.check_pseudonym_key(fresh)
    assert key_env.exists() and (key_env.stat().st_mode & 0o777) == 0o600


# ---------------------------------------------------------------------------------------------
# The scan stops publication
# ---------------------------------------------------------------------------------------------

def test_a_finding_stops_publication_naming_file_and_kind_never_the_value(tmp_path):
    processed = tmp_path / "processed"
    pipeline.config.make_restricted_dir(processed / "restricted")
    pd.DataFrame({"nik": ["6474014508190003"], "no_kk": ["6474012001150007"], "nama": ["Siti Rahmawati"],
                  "alamat": ["Jl. Pupuk Raya No. 12"]}).to_parquet(processed / "restricted" / "identity.parquet")
    staging = tmp_path / "reports" / ".2025-03.staging-x"
    (staging / "executed").mkdir(parents=True)
    (staging / "restricted").mkdir()
    (staging / "kota.html").write_text("<p>Keluarga Siti Rahmawati</p>", encoding="utf-8")
    (staging / "executed" / "kota.ipynb").write_text("{not json", encoding="utf-8")
    (staging / "restricted" / "list.csv").write_text("Siti Rahmawati 6474014508190003\n")  # not scanned
    (staging / "manifest.json").write_text("{}")
    with pytest.raises(PipelineError) as err:
        pipeline.publish_if_clean(staging, processed)
    message = str(err.value)
    assert "kota.html: name (1)" in message and "executed/kota.ipynb: unreadable file (1)" in message
    assert "not published" in message
    assert "Rahmawati" not in message and "6474014508190003" not in message
    scan = json.loads((staging / "manifest.json").read_text())["privacy_scan"]
    assert scan["files"] == 3 and scan["findings"] == 2 and scan["identity_values"] == 4
    assert {f["file"] for f in scan["found"]} == {"kota.html", "executed/kota.ipynb"}
    assert "Rahmawati" not in json.dumps(scan)
    (staging / "kota.html").write_text("<p>Prevalensi 12,3%</p>", encoding="utf-8")
    (staging / "executed" / "kota.ipynb").write_text("{}", encoding="utf-8")
    assert pipeline.publish_if_clean(staging, processed)["findings"] == 0


# ---------------------------------------------------------------------------------------------
# rakor run killed in each stage
# ---------------------------------------------------------------------------------------------

def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the run and every process it started (kernels run in their own session)."""
    import psutil

    try:
        parent = psutil.Process(proc.pid)
        family = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=30)
    psutil.wait_procs(family, timeout=30)


def _run_and_kill(args: list[str], stage_started, env: dict, settle_s: float = 0.5) -> str:
    proc = subprocess.Popen([sys.executable, "-m", "analysis.cli", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})
    deadline = time.monotonic() + 300
    try:
        while not stage_started():
            assert proc.poll() is None, f"the run ended before the stage: {proc.stderr.read()[-2000:]}"
            assert time.monotonic() < deadline, "the stage never started"
            time.sleep(0.05)
        time.sleep(settle_s)  # well inside the stage: its notebook is running
        assert proc.poll() is None, "the run ended before it could be killed"
    finally:
        _kill_tree(proc)
    return proc.stderr.read()


def test_a_run_killed_in_each_stage_leaves_the_previous_outputs_intact(pipeline_run, tmp_path):
    import shutil

    from analysis.briefs import pii_scan

    processed, out = tmp_path / "processed", tmp_path / "reports"
    shutil.copytree(pipeline_run["processed"], processed)
    period = pipeline_run["report"].name
    shutil.copytree(pipeline_run["report"], out / period)
    before_processed, before_report = _tree(processed), _tree(out)
    assert before_processed and before_report
    base = ["run", "--raw", str(pipeline_run["raw"]), "--processed", str(processed), "--out", str(out),
            "--kecamatan", "64.74.01", "--no-pdf", "--jobs", "1",
            "--date", pipeline_run["rakor_date"]]  # the date of the run copied: its estimates stand

    def notebook_running(pattern: str, since: float):
        # papermill writes the executed notebook as soon as the kernel runs its first cell
        return lambda: any(p.stat().st_mtime > since for p in processed.parent.glob(pattern))

    # Each run reaches the stage to kill without committing an earlier one: clean is forced; the
    # estimate runs for another period (cleaning is unchanged, so skipped); the briefs run alone
    # when cleaning and estimates are unchanged.
    stages = {
        "clean": (["--force"], f"processed/.staging-clean-*/executed/{pipeline.NOTEBOOKS['clean']}"),
        "estimate": (["--period", "2024-09"],
                     f"processed/.staging-estimate-*/executed/{pipeline.NOTEBOOKS['estimate']}"),
        "briefs": ([], f"reports/.{period}.staging-*/executed/*.ipynb"),
    }
    for stage, (extra, pattern) in stages.items():
        _run_and_kill(base + extra, notebook_running(pattern, time.time()), pipeline_run["env"])
        assert _tree(processed) == before_processed, f"processed tables changed by a run killed in {stage}"
        assert _tree(out) == before_report, f"the report changed by a run killed in {stage}"
        assert (processed / pipeline.LOCK_NAME).exists()  # left by the killed run: stale now
    args = base + ["--force"]
    # The next run takes the stale locks over, discards the killed runs' copies, and succeeds.
    proc = subprocess.run([sys.executable, "-m", "analysis.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **pipeline_run["env"]}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "took over the lock" in proc.stderr and "left in" in proc.stderr
    assert not list(processed.glob(".staging-*")) and not list(out.glob(".*staging*"))
    assert not (processed / pipeline.LOCK_NAME).exists() and not (out / pipeline.LOCK_NAME).exists()
    manifest = json.loads((out / period / "manifest.json").read_text())
    assert manifest["privacy_scan"]["findings"] == 0 and manifest["privacy_scan"]["files"] >= 5
    # Same raw data, so the same estimates as the run before the kills.
    pd.testing.assert_frame_equal(pd.read_parquet(processed / "estimates.parquet"),
                                  pd.read_parquet(pipeline_run["processed"] / "estimates.parquet"))
    # Nothing personal in what the whole run printed (issue 17 item 5).
    identity = pd.read_parquet(processed / "restricted" / "identity.parquet",
                               columns=["nik", "no_kk", "nama", "alamat"])
    log = tmp_path / "run-output.txt"
    log.write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
    findings = pii_scan.scan_for_pii([log], identity)
    assert findings == [], [f.kind for f in findings]
