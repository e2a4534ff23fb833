"""A notebook executed in the kept brief kernel is the notebook a fresh papermill kernel writes.

A tiny notebook (not a brief: no pipeline run) that would show the state a kept kernel carries over
from the brief before: a variable, a changed rcParam, a warning shown once, the execution count.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from analysis.briefs.executor import KernelSession, comparable

pytestmark = pytest.mark.integration

CELLS = [
    "x = 1",  # parameters
    "print('left over' if 'leak' in dir() else 'clean')\nleak = x",
    "import warner\nwarner.warn()",
    "import matplotlib\nprint(matplotlib.rcParams['lines.linewidth'])\nmatplotlib.rcParams['lines.linewidth'] = x",
    "x * 10",
]


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    # a warning raised in a module (its location is the module, the same in any kernel), shown
    # once per location unless the registry is reset
    (tmp_path / "warner.py").write_text("import warnings\n\ndef warn():\n    warnings.warn('shown in every brief')\n")
    return path


def _outputs(path: Path) -> list[str]:
    """Each code cell's printed text or result, in order (typed-out expectations below)."""
    out = []
    for cell in json.loads(path.read_text())["cells"][2:]:  # after the parameters and injected cells
        texts = ["".join(o.get("text", "")) if o["output_type"] == "stream"
                 else "".join(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"]]
        out.append("|".join(t.strip() for t in texts))
    return out


def _fresh(notebook, tmp_path):
    """The notebook executed by papermill in a kernel of its own, with x = 2."""
    fresh = tmp_path / "fresh.ipynb"
    pm.execute_notebook(str(notebook), str(fresh), parameters={"x": 2}, kernel_name="python3",
                        progress_bar=False, cwd=str(tmp_path))
    return fresh


def test_kept_kernel_writes_the_notebook_of_a_fresh_kernel(notebook, tmp_path):
    fresh = _fresh(notebook, tmp_path)
    session = KernelSession("python3", tmp_path)
    try:
        session.execute(notebook, tmp_path / "first.ipynb", {"x": 3})  # leaves x, leak, rcParam, warning
        session.execute(notebook, tmp_path / "kept.ipynb", {"x": 2})
    finally:
        session.close()
    assert session.starts == 1 and session.briefs == 2
    kept = _outputs(tmp_path / "kept.ipynb")
    assert kept[0] == "clean" and kept[2] == "1.5" and kept[3] == "20"  # matplotlib's default width
    assert "shown in every brief" in kept[1]
    assert comparable(tmp_path / "kept.ipynb") == comparable(fresh)
    assert comparable(tmp_path / "first.ipynb") != comparable(fresh)  # the check sees a difference


def test_the_reset_asked_for_after_a_brief_and_after_an_error(notebook, tmp_path):
    """The next brief's reset is asked for when a brief is written (the kernel does it while the PDF is
    printed); after a brief that stopped on an error none is pending, and the reset is made then."""
    from papermill.exceptions import PapermillExecutionError

    failing = nbformat.v4.new_notebook()
    failing.cells = [nbformat.v4.new_code_cell("x = 1"),
                     nbformat.v4.new_code_cell("leak = x\nimport matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
                                               "raise ValueError('stop')")]
    failing.cells[0].metadata["tags"] = ["parameters"]
    failing.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(failing, tmp_path / "failing.ipynb")
    fresh = _fresh(notebook, tmp_path)
    session = KernelSession("python3", tmp_path)
    try:
        session.execute(notebook, tmp_path / "first.ipynb", {"x": 3})
        assert session.pending_reset is not None
        with pytest.raises(PapermillExecutionError, match="stop"):
            session.execute(tmp_path / "failing.ipynb", tmp_path / "failed.ipynb", {"x": 4})
        assert session.pending_reset is None  # the brief before's reset was used, none asked for
        session.execute(notebook, tmp_path / "after.ipynb", {"x": 2})
        session.execute(notebook, tmp_path / "again.ipynb", {"x": 2})
    finally:
        session.close()
    assert session.pending_reset is None and session.starts == 1
    for name in ("after.ipynb", "again.ipynb"):
        assert _outputs(tmp_path / name)[0] == "clean" and _outputs(tmp_path / name)[2] == "1.5"
        assert comparable(tmp_path / name) == comparable(fresh)


def test_a_print_split_into_several_messages_compares_equal(tmp_path):
    """ipykernel may send ``print('1.5')`` as "1.5" and "\\n" under load: the same output."""
    def written(outputs, name):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1.5)", id="c1")])
        nb.cells[0].outputs = [nbformat.from_dict(o) for o in outputs]
        nbformat.write(nb, tmp_path / name)
        return comparable(tmp_path / name)

    one = written([{"output_type": "stream", "name": "stdout", "text": "1.5\n"}], "one.ipynb")
    split = written([{"output_type": "stream", "name": "stdout", "text": "1.5"},
                     {"output_type": "stream", "name": "stdout", "text": "\n"}], "split.ipynb")
    other = written([{"output_type": "stream", "name": "stdout", "text": "1.5"},
                     {"output_type": "stream", "name": "stderr", "text": "\n"}], "other.ipynb")
    assert one == split and one != other
