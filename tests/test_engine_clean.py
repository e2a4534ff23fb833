"""Cleaning on a real two-worker dask cluster gives the pandas engine's tables (#18, item 2).

The reference is the pandas engine run on the same files in this process; the dask engine's
source tables are folders of one partition per raw file, read back with ``pd.read_parquet``.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analysis.errors import RakorInputError
from analysis.intake.clean import SOURCES, clean_all
from analysis.intake.read import TABLE_SUFFIXES

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
TODAY = dt.date(2025, 10, 1)
PARTITIONED = {"eppgbm", "dtsen_member", "susenas", "pendataan_rt", "program", "eppgbm_bulanan"}


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")


@pytest.fixture(scope="module")
def client(dask_scheduler):
    from distributed import Client

    with Client(dask_scheduler, timeout="30s") as c:
        yield c


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    found = {p.name: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    found["identity"] = pd.read_parquet(folder / "restricted" / "identity.parquet")
    return found


def _raw_files(raw: Path, folder: str) -> list[Path]:
    return sorted(p for p in (raw / folder).iterdir()
                  if p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith((".", "~$")))


def _same_as_pandas(raw: Path, tmp_path: Path, client) -> dict[str, pd.DataFrame]:
    ref = clean_all(raw, tmp_path / "pandas", today=TODAY)
    got = clean_all(raw, tmp_path / "dask", today=TODAY, client=client)
    want, have = _tables(tmp_path / "pandas"), _tables(tmp_path / "dask")
    assert sorted(want) == sorted(have)
    for name, df in want.items():
        assert_frame_equal(have[name], df, obj=name)
    # one partition per raw file, numbered in the order of the file names
    for source, tables in SOURCES.items():
        files = _raw_files(raw, source) if (raw / source).is_dir() else []
        if files and tables[0] in PARTITIONED:
            folder = tmp_path / "dask" / f"{tables[0]}.parquet"
            assert folder.is_dir()
            assert sorted(p.name for p in folder.iterdir()) == [f"part-{i:05d}.parquet"
                                                                for i in range(len(files))]
            rows = [len(pd.read_parquet(folder / f"part-{i:05d}.parquet")) for i in range(len(files))]
            kept = ref.intake.set_index("file").loc[[f"{source}/{p.name}" for p in files], "rows_kept"]
            if source != "verifikasi":
                assert rows == kept.tolist()
    assert_frame_equal(got.intake, ref.intake)
    assert (got.intake["rows_in"] == got.intake["rows_kept"] + got.intake["rows_rejected"]).all()
    assert not list((tmp_path / "dask" / "restricted").glob(".clean-states-*"))  # the states written, removed
    assert got.notes == ref.notes
    return want


def test_sample_is_cleaned_file_by_file_into_the_pandas_tables(tmp_path, client, bontang_sample):
    want = _same_as_pandas(bontang_sample, tmp_path, client)
    assert len(want["eppgbm.parquet"]) and len(want["dtsen_family.parquet"])
    assert (want["rejects.parquet"]["reason"] == "duplicate").any()  # judged across files


def test_results_gathered_a_few_files_at_a_time_give_the_same_identity(tmp_path, client, bontang_sample,
                                                                      monkeypatch):
    """The client gathers the files' results in batches, keeping each key's first identity row
    as it goes: the identity table is that of the pandas engine, which keeps the first of all."""
    from analysis.engine import clean as engine

    monkeypatch.setattr(engine, "GATHER_FILES", 2)
    want = _same_as_pandas(bontang_sample, tmp_path, client)
    assert len(want["identity"]) and not want["identity"].duplicated(["key", "source"]).any()


def test_a_folder_switches_between_partitions_and_one_file(tmp_path, client, bontang_sample):
    """Each engine rewrites a table the other wrote in its own layout, nothing stale left."""
    out = tmp_path / "p"
    clean_all(bontang_sample, out, today=TODAY, client=client)
    assert (out / "eppgbm.parquet").is_dir()
    clean_all(bontang_sample, out, today=TODAY)
    assert (out / "eppgbm.parquet").is_file()
    ref = pd.read_parquet(out / "eppgbm.parquet")
    clean_all(bontang_sample, out, today=TODAY, client=client)
    assert (out / "eppgbm.parquet").is_dir()
    assert_frame_equal(pd.read_parquet(out / "eppgbm.parquet"), ref)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_format_fixtures_and_extra_monthly_columns(tmp_path, client):
    want = _same_as_pandas(FIX / "formats" / "ok", tmp_path, client)
    assert len(want["eppgbm_bulanan.parquet"]) and len(want["susenas.parquet"])


def test_planted_bad_rows_give_the_same_rejects(tmp_path, client):
    raw = tmp_path / "raw"
    for folder in (FIX / "bad").iterdir():
        if folder.is_dir():  # the other region's exports stop the run: left out here
            (raw / folder.name).mkdir(parents=True)
            for f in folder.iterdir():
                if "samarinda" not in f.name and "64_72" not in f.name:
                    shutil.copy2(f, raw / folder.name / f.name)
    want = _same_as_pandas(raw, tmp_path / "out", client)
    assert len(want["rejects.parquet"]) > 0
    assert "verifikasi.parquet" in want


def test_every_broken_file_is_named_in_one_message(tmp_path, client):
    raw = FIX / "bad"
    with pytest.raises(RakorInputError) as ref:
        clean_all(raw, tmp_path / "pandas", today=TODAY)
    with pytest.raises(RakorInputError) as got:
        clean_all(raw, tmp_path / "dask", today=TODAY, client=client)
    assert str(got.value) == str(ref.value)
    assert str(got.value).count("samarinda") >= 5
    assert not (tmp_path / "dask" / "eppgbm.parquet").exists()
    assert not list((tmp_path / "dask" / "restricted").glob(".clean-states-*"))


def test_without_writing_the_tables_come_back_whole(client, bontang_sample):
    ref = clean_all(bontang_sample, None, today=TODAY, write=False)
    got = clean_all(bontang_sample, None, today=TODAY, write=False, client=client)
    assert sorted(got.tables) == sorted(ref.tables)
    for name, df in ref.tables.items():
        assert_frame_equal(got.tables[name], df, obj=name)
    assert_frame_equal(got.rejects, ref.rejects)
    assert_frame_equal(got.identity, ref.identity)


def test_a_broken_file_of_a_later_source_leaves_no_partition_behind(tmp_path, client, bontang_sample):
    """Sources read before the broken one were being finished: their partitions are removed."""
    raw = tmp_path / "raw"
    shutil.copytree(bontang_sample, raw)
    shutil.copy2(FIX / "bad" / "program" / "program_samarinda_2025-02.csv", raw / "program")
    out = tmp_path / "out"
    with pytest.raises(RakorInputError) as ref:
        clean_all(raw, out, today=TODAY)
    with pytest.raises(RakorInputError) as got:
        clean_all(raw, out, today=TODAY, client=client)
    assert str(got.value) == str(ref.value) and "program_samarinda_2025-02.csv" in str(got.value)
    assert not out.exists() or not list(out.iterdir())


@pytest.mark.parametrize("before_is_folder", [False, True])
def test_a_stage_commit_switches_a_table_between_one_file_and_partitions(tmp_path, before_is_folder):
    """recover_processed moves the stage's layout into place: no stale file or partition left."""
    from analysis import pipeline

    processed = tmp_path / "processed"
    processed.mkdir()
    df = pd.DataFrame({"a": [1, 2, 3]})
    target = processed / "eppgbm.parquet"

    def write(folder_layout: bool, at: Path, frames: list[pd.DataFrame]) -> None:
        if folder_layout:
            at.mkdir()
            for i, f in enumerate(frames):
                f.to_parquet(at / f"part-{i:05d}.parquet", index=False)
        else:
            pd.concat(frames, ignore_index=True).to_parquet(at, index=False)

    write(before_is_folder, target, [df, df, df])
    with pipeline.processed_transaction(processed, "clean") as work:
        from analysis.files import replace_path

        replace_path(work / "eppgbm.parquet")
        write(not before_is_folder, work / "eppgbm.parquet", [df.head(1), df.tail(2)])
    assert target.is_dir() is (not before_is_folder)
    if target.is_dir():
        assert sorted(p.name for p in target.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert_frame_equal(pd.read_parquet(target), df)
    assert not [p.name for p in processed.iterdir() if p.name.startswith(".") and p.name != ".rakor.lock"]


def test_a_file_state_written_between_the_phases_finishes_as_the_one_held(tmp_path):
    """With the tables written, a file's cleaning task writes the file's state to an owner-only
    folder and returns only the key columns of its kept rows: the worker holds nothing while
    the other files are read. Finishing from that file gives what finishing the state held in
    memory gives, and leaves the file for a task run again (the client removes it)."""
    import pickle
    import stat

    from analysis import config
    from analysis.engine import clean as engine
    from analysis.intake import clean as cl
    from analysis.intake.identifiers import pseudonym_key

    key = pseudonym_key()
    path = FIX / "messy" / "raw" / "eppgbm" / "feb.csv"
    cfg = cl._source_cfg("eppgbm", config.sources()["eppgbm"])
    gaz = cl.gazetteer()
    folder = engine._spill_dir(tmp_path)
    assert folder.parent == tmp_path / "restricted"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    spilled = folder / "eppgbm-00000.pickle"
    error, keys, other = engine._read_task("eppgbm", str(path), 0, cfg, gaz, TODAY, key,
                                           str(config.CONFIG_DIR), str(spilled))
    assert error is None and not other and spilled.is_file()
    held = cl.clean_file("eppgbm", path, 0, cfg, gaz, TODAY, key)
    assert_frame_equal(keys, cl.duplicate_input(held, "eppgbm"))
    dups = cl.judge_duplicates("eppgbm", [keys])
    assert len(dups)  # the fixture repeats a child's weighing
    from_disk = engine._finish_task(str(spilled), "eppgbm", dups, key, None, None, True)
    in_memory = engine._finish_task(held, "eppgbm", dups, key, None, None, True)
    again = engine._finish_task(str(spilled), "eppgbm", dups, key, None, None, True)
    assert_frame_equal(again["rejects"], from_disk["rejects"])
    assert_frame_equal(from_disk["table"], in_memory["table"])
    assert_frame_equal(from_disk["rejects"], in_memory["rejects"])
    assert (from_disk["rejects"]["reason"] == "duplicate").any()
    assert pickle.dumps(from_disk["intake"]) == pickle.dumps(in_memory["intake"])


def test_the_client_removes_each_written_state_once_it_has_the_files_result(tmp_path, monkeypatch):
    from analysis.engine import clean as engine

    class Here:  # a client whose futures are their results
        def gather(self, futures):
            return list(futures)

        def cancel(self, futures):
            pass

    monkeypatch.setattr(engine, "GATHER_FILES", 2)
    paths = [tmp_path / f"eppgbm-{i:05d}.pickle" for i in range(3)]
    for p in paths:
        p.write_bytes(b"state")
    ident = [pd.DataFrame({"key": keys, "source": "eppgbm", "nama": names})
             for keys, names in ((["a", "b"], ["Ani", "Budi"]), (["b", "c"], ["Budi S", "Citra"]), (["a"], ["Ani"]))]
    results = [{"identity": i, "intake": n} for n, i in enumerate(ident)]
    got = engine._gather_results(Here(), results, [str(p) for p in paths])
    assert not any(p.exists() for p in paths)
    assert [r["intake"] for r in got] == [0, 1, 2]
    # the first of each key per batch of 2 files, on the batch's first result
    assert got[0]["identity"]["nama"].tolist() == ["Ani", "Budi", "Citra"] and got[1]["identity"] is None
    assert got[2]["identity"]["key"].tolist() == ["a"]
