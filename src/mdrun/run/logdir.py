"""The log directory of one run: created private, claimed, refused when another run has it."""

from __future__ import annotations

import os
import time

from mdrun.errors import UsageError


def make_log_dir(given: str | None, claim: str = "run.json") -> str:
    """Create the log directory (mode 0700) and claim it for this run; UsageError (exit 2) when
    it cannot be used.

    One run per directory: a directory that already holds files (an earlier run's logs, or a
    run going on now) is refused rather than mixed with or overwritten, and `run.json` is created
    exclusively so that two runs starting at once cannot both take an empty one (`claim`: the
    file the run writes first, `job.json` for `run --ray`)."""
    if given:
        path = given
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = os.path.join(".mdrun", "runs", stamp)
        n = 2
        while os.path.exists(path):
            path, n = os.path.join(".mdrun", "runs", f"{stamp}-{n}"), n + 1
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        taken = bool(os.listdir(path))
        if not taken:
            try:
                os.close(os.open(os.path.join(path, claim), _CLAIM, 0o600))
            except FileExistsError:
                taken = True
    except OSError as exc:
        raise UsageError(f"cannot use log directory {path}: {exc.strerror or exc}") from None
    if taken:
        raise UsageError(_in_use(path))
    return path


_CLAIM = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def _in_use(path: str) -> str:
    return (
        f"log directory {path} is not empty (an earlier run's logs, or a run going on now): "
        "remove it, or give another --log-dir or MDRUN_LOG_DIR (each run needs its own)"
    )
