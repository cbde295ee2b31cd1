"""Ending quietly when the reader of a command's output goes away (``hggt-data ... | head``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def run_until_pipe_closes(command: Callable[[], int]) -> int:
    """Run a command's main; a closed stdout ends it with exit 0 instead of a traceback.

    ``head`` closes the pipe once it has read what it wanted: what was written is all the reader
    wanted, so this is not an error. stdout is pointed at the null device so that Python's own
    flush at exit does not fail a second time.
    """
    try:
        code = command()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
