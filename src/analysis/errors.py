"""Errors that mean the user must fix something (a file, a parameter), not the code.

The command line turns them into one readable paragraph and exit code 2, never a traceback.
"""

from __future__ import annotations


class RakorInputError(Exception):
    """Bad input that the user can fix: the message says what, where, and how.

    Parameters
    ----------
    message
        One paragraph in plain words: what is wrong, where (file, row, column, value),
        what was expected, and what to do.
    """


class PipelineError(Exception):
    """A notebook of the pipeline failed; the message names the notebook, the cell and the error."""
