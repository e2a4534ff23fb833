"""Writing files so that a reader never sees half of one: the one atomic-write helper.

Every writer of the workspace (cleaned tables, rejects, estimates, history, worklists, briefs,
manifests) goes through :func:`atomic_write`: the content is written to a temporary file in the
same folder, flushed to disk, and moved over the target with ``os.replace``. A failure at any
point removes the temporary file and leaves the previous version of the target untouched.

A file that many briefs of one kernel read (the estimates table, the poverty lines) is read once
while it stays the same: :func:`reread_when_changed`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write(path: Path | str, write: Callable[[Path], None], *, mode: int | None = None) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it into place.

    Parameters
    ----------
    path
        The file to write; parent folders are created.
    write
        Writes the whole content to the path it is given.
    mode
        Permission bits of the result; default: an ordinary file under the process umask
        (``tempfile.mkstemp`` alone would leave ``0600``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:  # the bytes reach the disk before the rename makes them visible
            os.fsync(fh.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: Path | str, **kwargs: Any) -> Path:
    """Write ``df`` to ``path`` as Parquet (no index), atomically."""
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, **kwargs))


def replace_path(target: Path | str, new: Path | str | None = None) -> None:
    """Remove ``target`` (a file, or a folder such as a table of Parquet partitions), then move
    ``new`` (a file or a folder) to its place."""
    target = Path(target)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif new is None or Path(new).is_dir():
        target.unlink(missing_ok=True)  # (a file over a file: os.replace below, atomic)
    if new is not None:
        os.replace(new, target)


def write_json(obj: Any, path: Path | str) -> Path:
    """Write ``obj`` as indented UTF-8 JSON, atomically (values JSON cannot hold become strings)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_text(text: str, path: Path | str) -> Path:
    """Write ``text`` as UTF-8, atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_json(path: Path | str) -> dict:
    """The JSON object in ``path``, or ``{}`` when the file does not exist."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def reread_when_changed(read: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """Decorate ``read(path)``: the result is kept while the file's content stays the same, and each
    call returns a ``.copy()`` of it.

    The content is recognised by its BLAKE2 digest (hashing the bytes costs a small part of
    parsing and checking them, and, unlike a modification time, cannot miss a quick rewrite of the
    same size). One file is kept (the last read). A file that cannot be read is passed to ``read``
    each time (which says what is wrong with it).

    Parameters
    ----------
    read
        Reads one file into an object with a ``copy()`` method (a DataFrame); it must depend on
        the file's content only.

    Returns
    -------
    callable
        ``read`` with the cache; ``.cache_clear()`` forgets the kept result.
    """
    kept: dict[tuple, Any] = {}

    @functools.wraps(read)
    def wrapper(path: Path | str) -> Any:
        path = Path(path)
        try:
            key = (str(path.resolve()), hashlib.blake2b(path.read_bytes()).digest())
        except OSError:
            return read(path)
        if key not in kept:
            result = read(path)
            kept.clear()
            kept[key] = result
        return kept[key].copy()

    wrapper.cache_clear = kept.clear  # type: ignore[attr-defined]
    return wrapper
