"""`LOGDIR/run.json`: what ran, when, how it ended; rewritten atomically as blocks finish."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Literal

from mdrun.model import Answer
from mdrun.redact import redact_answer, scrub

BlockStatus = Literal[
    "pending",
    "registered",
    "running",
    "restarting",
    "ok",
    "skipped",
    "failed",
    "allowed-failure",
    "timeout",
    "stopped",
    "not-run",
]
"""Where a block stands: `pending` (not reached yet), `registered` (a `finally=true` block waiting
for the end), `running`, `restarting` (an async block waiting out its backoff), and how it
ended: `ok`, `skipped`, `failed`, `allowed-failure`, `timeout` (its `timeout=` expired),
`stopped` (by mdrun at the end of the run), `not-run` (the run stopped before it)."""


@dataclass(slots=True)
class BlockRecord:
    """One block's entry in the manifest and the summary table; updated while it runs."""

    name: str
    origin: str
    mode: str
    verdict: str
    status: BlockStatus = "pending"
    """Where the block stands (see `BlockStatus`)."""
    reason: str = ""
    pid: int | None = None
    start: float | None = None
    """Wall-clock start (seconds since the epoch) of the latest attempt."""
    end: float | None = None
    exit_code: int | None = None
    signal: str | None = None
    lines: int = 0
    log: str | None = None
    restarts: int = 0
    """How many times `restart=` started the block again."""
    turn: int | None = None
    """When the run reached the block (1 first; cleanup blocks when they run): the summary's
    order. None for blocks the run never reached."""
    error: str | None = None
    """A log-file write error (disk full...), if any."""

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (or None when it never ran)."""
        if self.start is None:
            return None
        return (self.end or time.time()) - self.start


def write_manifest(
    log_dir: str,
    run_id: str,
    records: Iterable[BlockRecord],
    secrets: Iterable[str],
    **extra: object,
) -> None:
    """Rewrite run.json atomically (temp file then rename): readers never see half of it."""
    secret_list = list(secrets)
    blocks = [
        {k: scrub(v, secret_list) if isinstance(v, str) else v for k, v in _fields(r)}
        for r in records
    ]
    head = json.dumps({"run_id": run_id, **extra})[:-1]
    # One block per line, by the C encoder (json's `indent` switches to the pure-Python one).
    body = ",\n  ".join(json.dumps(b) for b in blocks)
    path = os.path.join(log_dir, "run.json")
    tmp = f"{path}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as f:
            f.write(f'{head}, "blocks": [\n  {body}\n]}}\n')
        os.replace(tmp, path)
    except OSError:
        # The previous run.json stays whole; a half-written copy would only take space.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def answers_record(answers: Mapping[str, Answer], show_secrets: bool = False) -> dict[str, object]:
    """run.json's `answers` (question id → value, a form's fields, source and detail; secret
    ones redacted unless `show_secrets`), or nothing when the runbook asked no question."""
    if not answers:
        return {}
    if not show_secrets:
        answers = {qid: redact_answer(a) for qid, a in answers.items()}
    return {
        "answers": {
            qid: {
                "value": a.value,
                "fields": dict(a.fields) if a.fields else None,
                "source": a.source,
                "detail": a.detail,
            }
            for qid, a in answers.items()
        }
    }


def _fields(record: BlockRecord) -> list[tuple[str, object]]:
    # Not dataclasses.asdict: its deep copies cost more than the JSON encoding.
    return [(f.name, getattr(record, f.name)) for f in fields(record)]


def log_name(name: str) -> str:
    """A file name for a block's log: the name with path separators and oddities replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "block"
    return f"{safe}.log"
