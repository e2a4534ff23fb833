"""analysis.files.reread_when_changed: a file read once while its content stays the same."""

from __future__ import annotations

import pandas as pd

from analysis import files


def test_reread_when_changed_reads_again_only_for_a_new_content(tmp_path):
    reads = []

    @files.reread_when_changed
    def read(path):
        reads.append(path.name)
        return pd.read_csv(path)

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("x\n1\n")
    first = read(a)
    first.loc[0, "x"] = 99  # the caller's copy: the kept table is not changed
    assert read(a)["x"].tolist() == [1] and reads == ["a.csv"]
    a.write_text("x\n2\n")  # same size, rewritten at once: the content tells
    assert read(a)["x"].tolist() == [2] and reads == ["a.csv", "a.csv"]
    assert read(b)["x"].tolist() == [1] and reads == ["a.csv", "a.csv", "b.csv"]  # another file
    read.cache_clear()
    read(b)
    assert reads[-1] == "b.csv" and len(reads) == 4
