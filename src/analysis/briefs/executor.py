"""Execute many brief notebooks in one long-lived kernel (one per worker process).

A fresh kernel per brief spends most of its time starting Python and importing pandas,
matplotlib and :mod:`analysis`. :class:`KernelSession` starts one kernel and hands it to papermill
for every brief through a papermill engine (``rakor-reuse``), so the parameters cell, the
``injected-parameters`` cell, the papermill metadata, the error cells and the written notebook are
papermill's own. Before each brief the kernel is put back in the state of a fresh kernel:

- the user namespace is emptied (what ``%reset -f`` does: ``InteractiveShell.reset`` and a full
  garbage collection, without the second one reset makes before the namespace is emptied) and the
  execution counter set back to 1;
  what survives the collection (modules, the caches below) is then frozen (``gc.freeze``), so the
  next brief's collections look at that brief's objects only, not again at the ~350,000 objects
  of pandas, matplotlib and the rest (a full collection of them cost 0.3 s and more a brief);
- matplotlib's figures are closed and its ``rcParams`` restored to what they were right after
  ``import matplotlib.pyplot`` in the fresh kernel (the briefs set their theme on top of them);
- the warning filters are restored and every "already shown" warning registry is invalidated, so a
  warning a brief triggers is shown again in each brief, as in a fresh kernel;
- the working directory, ``sys.path`` and the environment are restored;
- the configuration cache (:func:`analysis.config.load_yaml`) is cleared. The other caches of the
  package (WHO growth tables, gazetteer names) hold reference data that does not change within a
  run: they are kept, which is much of the saving.

The reset of the next brief is asked for as soon as a brief is written (:meth:`KernelSession.execute`),
so the kernel does it while the brief is turned into HTML and PDF, in this process; the next brief
waits for its reply before its first cell, as for a reset made then. Nothing runs in the kernel in
between, so it starts from the same state either way. After a brief that stopped on an error, or
in a new kernel, the reset is made before the first cell.

A kernel that died is replaced by a new one before the next brief.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENGINE = "rakor-reuse"

# Run once in a new kernel, before any brief: what a fresh kernel looks like at the first cell.
SETUP_CODE = """
def __rakor_setup():
    import os, sys, types, warnings
    import matplotlib
    import matplotlib.pyplot
    state = types.ModuleType("__rakor_fresh_state__")
    state.rc = dict(matplotlib.rcParams)
    state.filters = list(warnings.filters)
    state.path = list(sys.path)
    state.cwd = os.getcwd()
    state.environ = dict(os.environ)
    sys.modules[state.__name__] = state
__rakor_setup()
del __rakor_setup
"""

# Run before each brief (silently, outside the history): back to the fresh-kernel state.
RESET_CODE = """
def __rakor_empty():
    # %reset -f is InteractiveShell.reset(new_session=False) and a full collection; reset also
    # collects in its output-cache flush, before the namespace is emptied: that one is skipped
    # (its other work, releasing the cached outputs, is done here and by the history reset)
    import gc
    ip = get_ipython()
    hook = ip.displayhook
    full, hook.do_full_cache = hook.do_full_cache, False
    try:
        ip.reset(new_session=False)
    finally:
        hook.do_full_cache = full
    hook._ = hook.__ = hook.___ = ""
    gc.collect()
__rakor_empty()
def __rakor_reset():
    import gc, os, sys, warnings
    import matplotlib
    import matplotlib.pyplot as plt
    state = sys.modules["__rakor_fresh_state__"]
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dict.update(matplotlib.rcParams, state.rc)
    warnings.filters[:] = state.filters
    warnings._filters_mutated()
    warnings.onceregistry.clear()
    sys.path[:] = state.path
    os.chdir(state.cwd)
    os.environ.clear()
    os.environ.update(state.environ)
    config = sys.modules.get("analysis.config")
    if config is not None:
        config.load_yaml.cache_clear()
    get_ipython().execution_count = 1
    gc.freeze()
__rakor_reset()
del __rakor_reset  # (__rakor_empty went with the namespace it emptied)
"""


class KernelSession:
    """One kernel kept alive across briefs.

    Parameters
    ----------
    kernel_name
        Jupyter kernel to start.
    cwd
        Working directory of the kernel (papermill's ``cwd``).
    extra_arguments
        Extra command-line arguments of the kernel.
    start_attempts
        Tries to start the kernel (kernels started at the same moment can race for ports).
    startup_timeout
        Seconds to wait for the kernel to reply.
    """

    def __init__(self, kernel_name: str, cwd: Path, extra_arguments: list[str] | None = None,
                 start_attempts: int = 3, startup_timeout: int = 60):
        self.kernel_name = kernel_name
        self.cwd = Path(cwd)
        self.extra_arguments = list(extra_arguments or [])
        self.start_attempts = start_attempts
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self.kc: Any = None
        self.env_key: tuple = ()
        self.briefs = 0
        self.starts = 0
        self.pending_reset: str | None = None  # id of a reset asked for after the last brief

    # -- kernel life -------------------------------------------------------------------------

    def _start(self) -> None:
        import nbformat
        from nbclient import NotebookClient

        for attempt in range(self.start_attempts):
            client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=self.kernel_name,
                                    extra_arguments=self.extra_arguments,
                                    startup_timeout=self.startup_timeout)
            client.km = client.create_kernel_manager()
            try:
                client.start_new_kernel(cwd=str(self.cwd))
                client.start_new_kernel_client()
                self.km, self.kc = client.km, client.kc
                self._run(client, SETUP_CODE)
                break
            except RuntimeError as exc:
                self.km, self.kc = client.km, client.kc
                self.close()
                if "Kernel died before replying" not in str(exc) or attempt == self.start_attempts - 1:
                    raise
                time.sleep(1 + attempt)
        self.env_key = _env_key()
        self.starts += 1

    def alive(self) -> bool:
        """Whether the kernel is running."""
        if self.km is None:
            return False
        from nbclient.util import run_sync

        return bool(run_sync(self.km.is_alive)())

    def ensure(self) -> None:
        """Start the kernel, or a new one if it died or the environment it inherited changed."""
        if self.km is not None and (not self.alive() or self.env_key != _env_key()):
            log.warning("brief kernel died or its environment changed; starting a new one")
            self.close()
        if self.km is None:
            self._start()

    def close(self) -> None:
        """Shut the kernel down (nothing if none is running)."""
        from nbclient.util import run_sync

        kc, km, self.kc, self.km = self.kc, self.km, None, None
        self.pending_reset = None
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception as exc:  # noqa: BLE001 - a dead kernel may not answer; nothing to keep
            log.debug("kernel shutdown: %s", exc)

    # -- execution ---------------------------------------------------------------------------

    @staticmethod
    def _run(client: Any, code: str) -> None:
        """Run ``code`` silently (no outputs, no history, no execution count)."""
        KernelSession._wait(client, client.kc.execute(code, silent=True, store_history=False, allow_stdin=False))

    @staticmethod
    def _wait(client: Any, msg_id: str) -> None:
        """Wait for the reply to the silent request ``msg_id``; raise when it failed."""
        reply = client.wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel reset failed: {content.get('ename')}: {content.get('evalue')}")

    def reset(self, client: Any) -> None:
        """Put the kernel back in a fresh kernel's state before a brief (see the module's notes):
        wait for the reset asked for after the last brief, or make one now."""
        pending, self.pending_reset = self.pending_reset, None
        if pending is not None:
            KernelSession._wait(client, pending)
        else:
            KernelSession._run(client, RESET_CODE)

    def _reset_ahead(self) -> None:
        """Ask for the next brief's reset now, without waiting (the kernel is idle until then)."""
        self.pending_reset = self.kc.execute(RESET_CODE, silent=True, store_history=False, allow_stdin=False)

    def execute(self, input_path: Path, output_path: Path, parameters: dict[str, Any]) -> None:
        """Execute one notebook with papermill in this kernel (same arguments as the fresh path).

        Raises
        ------
        papermill.exceptions.PapermillExecutionError
            As :func:`papermill.execute_notebook` (a cell raised).
        nbclient.exceptions.DeadKernelError
            When the kernel died during the brief twice in a row (it is restarted and the brief
            tried once more after the first death).
        """
        import papermill as pm
        from nbclient.exceptions import DeadKernelError

        _register_engine()
        for attempt in (0, 1):
            self.ensure()
            try:
                pm.execute_notebook(str(input_path), str(output_path), parameters=parameters,
                                    engine_name=ENGINE, kernel_name=self.kernel_name,
                                    progress_bar=False, log_output=False, cwd=str(self.cwd),
                                    session=self)
                self.briefs += 1
                self._reset_ahead()
                return
            except DeadKernelError:
                self.close()
                if attempt:
                    raise
                log.warning("the brief kernel died while executing %s; retrying in a new kernel",
                            input_path)


#: what differs between two executions of one notebook with the same inputs: the clock
_TIMING_KEYS = ("start_time", "end_time", "duration")


def comparable(executed_ipynb: Path) -> str:
    """An executed notebook as text, without what differs between two executions of the same
    inputs (to check that the kept and the fresh kernel give the same notebook).

    Left out: papermill's times (notebook and cells), nbclient's ``execution`` timestamps, the
    notebook's own input and output paths, and the id papermill draws at random for the
    ``injected-parameters`` cell; consecutive pieces of one output stream are joined (how a
    ``print`` is split into messages depends on timing). Everything else (sources, outputs with
    their images, execution counts, parameters, cell ids and statuses) is kept as it is.

    Parameters
    ----------
    executed_ipynb
        A notebook written by papermill.

    Returns
    -------
    str
        JSON with sorted keys.
    """
    nb = json.loads(Path(executed_ipynb).read_text(encoding="utf-8"))
    pm = nb.get("metadata", {}).get("papermill", {})
    for key in (*_TIMING_KEYS, "input_path", "output_path"):
        pm.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        for key in _TIMING_KEYS:
            meta.get("papermill", {}).pop(key, None)
        if "injected-parameters" in meta.get("tags", []):
            cell.pop("id", None)
        cell["outputs"] = _coalesced(cell.get("outputs", []))
    return json.dumps(nb, sort_keys=True, ensure_ascii=False)


def _coalesced(outputs: list[dict]) -> list[dict]:
    """Consecutive outputs of one stream as one: the kernel flushes a ``print`` in one message or
    several ("1.5", then "\\n") depending on timing (nbconvert's ``coalesce_streams`` exists for
    the same reason)."""
    out: list[dict] = []
    for o in outputs:
        if o.get("output_type") == "stream":
            o = {**o, "text": "".join(o.get("text", ""))}
            if out and out[-1].get("output_type") == "stream" and out[-1].get("name") == o.get("name"):
                out[-1] = {**out[-1], "text": out[-1]["text"] + o["text"]}
                continue
        out.append(o)
    return out


def _env_key() -> tuple:
    """What a kernel inherits at start and the briefs depend on."""
    return tuple(os.environ.get(k) for k in ("RAKOR_ROOT", "RAKOR_CONFIG", "PYTHONPATH"))


_REGISTERED = False


def _register_engine() -> None:
    """Register the ``rakor-reuse`` papermill engine (once)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class FinalSaveManager(NotebookExecutionManager):
        """papermill's execution manager, writing the notebook only when the engine fails.

        papermill writes the whole notebook (images included) at the start and the end of every
        cell, so that a crash leaves a partial copy; for a brief that is some 45 serialisations of a
        1 MB notebook, each between two cells, while the kernel waits. papermill writes the
        finished notebook itself once the engine returns (also when a cell raised); only an error
        out of the engine (the kernel died) skips that write, and then this manager writes the
        partial notebook when it completes (``save_now`` set by the engine).
        """

        save_now = False

        def save(self, **kwargs):
            if self.save_now:
                super().save(**kwargs)

    class ReusedKernelClient(PapermillNotebookClient):
        """Papermill's client on an already running kernel, reset before the first cell."""

        def __init__(self, nb_man, session: KernelSession, **kw):
            super().__init__(nb_man, km=session.km, **kw)
            self.kc = session.kc  # setup_kernel keeps both: the client does not own the kernel
            self.rakor_session = session

        def papermill_execute_cells(self):
            self.rakor_session.reset(self)
            return super().papermill_execute_cells()

    class ReusedKernelEngine(NBClientEngine):
        """papermill's nbclient engine, on the kernel of a :class:`KernelSession`."""

        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            # papermill's Engine.execute_notebook, with the manager that does not write each cell
            nb_man = FinalSaveManager(nb, output_path=output_path, progress_bar=progress_bar,
                                      log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            except BaseException:
                nb_man.save_now = True  # papermill will not write it: the partial notebook, below
                raise
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     session: KernelSession | None = None, **kwargs):
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            return ReusedKernelClient(
                nb_man, session, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
            ).execute()

    papermill_engines.register(ENGINE, ReusedKernelEngine)
    _REGISTERED = True
