"""`mdrun run`: execute a Plan under supervision and return the run's exit code.

Wiring only: the log directory, the watchdog, the subreaper, the loop and the manager. The
policy lives in manager.py/state.py, the I/O in loop.py/output.py, processes in process.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from mdrun.model import Plan
from mdrun.redact import secret_values
from mdrun.run.asking import ConsoleSettler
from mdrun.run.contracts import Policy, Settler, initial_shell
from mdrun.run.live import LiveArea, print_summary, terminal_size
from mdrun.run.logdir import make_log_dir
from mdrun.run.loop import Loop
from mdrun.run.manager import Manager
from mdrun.run.manifest import BlockRecord, answers_record, write_manifest
from mdrun.run.output import BlockLog, ConsoleOut, use_colour
from mdrun.run.process import Spawner, become_subreaper, signal_pids
from mdrun.run.watchdog import Watchdog, run_pids


class RunOptions(NamedTuple):
    """How `mdrun run` runs a plan."""

    log_dir: str | None = None
    """`--log-dir` or $MDRUN_LOG_DIR; None: `.mdrun/runs/<timestamp>/`."""
    grace: float = 5.0
    """Seconds between SIGTERM and SIGKILL when stopping."""
    pty: bool = False
    """Every block under a pseudo-terminal."""
    keep_going: bool = False
    """Go on after a failing sync block (the run still exits 1)."""
    show_secrets: bool = False
    """Do not redact secret values in run.json and the status area."""
    restart_backoff: float = 0.5
    """First `restart=` delay, doubled per restart."""
    console_fd: int = 1
    """Where block output and messages go."""
    live: bool | None = None
    """The rich status area: None means on a TTY only."""
    summary: bool = True
    """Print the summary table at the end."""


_SAVE_EVERY = 0.25
"""Seconds between run.json rewrites while blocks change state."""


class RunKiller:
    """Signals everything of the run: its process groups, run-id carriers, orphans."""

    def __init__(self, run_id: str, watchdog: Watchdog) -> None:
        self.run_id, self.watchdog = run_id, watchdog
        self.groups: set[int] = set()

    def add_group(self, pgid: int) -> None:
        """A new block's group (also told to the watchdog)."""
        self.groups.add(pgid)
        self.watchdog.add_group(pgid)

    def signal_groups(self, sig: int) -> None:
        """Signal the blocks' process groups."""
        for pgid in list(self.groups):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                self.groups.discard(pgid)
            except PermissionError:
                pass

    def signal_all(self, sig: int) -> None:
        """Signal every group and every process found by run id or parentage."""
        self.signal_groups(sig)
        signal_pids(self._stray(), sig)

    def alive(self) -> bool:
        """Whether anything of the run still lives (zombies excluded)."""
        return bool(self._stray())

    def _stray(self) -> list[int]:
        pids = run_pids(self.run_id, parent=os.getpid())
        return [p for p in pids if p != self.watchdog.process.pid]


class ConsoleUI:
    """The manager's messages: on the console, errors also on stderr."""

    def __init__(self, console: ConsoleOut, colour: bool) -> None:
        self.console = console
        self.tag = "\x1b[1m[mdrun]\x1b[0m" if colour else "[mdrun]"

    def message(self, text: str) -> None:
        """An ordinary event."""
        self.console.message(f"{self.tag} {text}")

    def error(self, text: str) -> None:
        """A failure: flushed so it appears in order, then repeated on stderr."""
        self.console.message(f"{self.tag} error: {text}")
        self.console.flush()
        if not _same_file(2, self.console.fd) and not (os.isatty(2) and os.isatty(self.console.fd)):
            with contextlib.suppress(OSError):
                os.write(2, f"mdrun: {text}\n".encode(errors="replace"))


def _on_a_terminal(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _same_file(a: int, b: int) -> bool:
    """Whether two fds lead to the same file (`>out 2>&1`): a message is then written once."""
    try:
        first, second = os.fstat(a), os.fstat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def run_plan(plan: Plan, options: RunOptions, settler: Settler | None = None) -> int:
    """Run every block of `plan`; return 0, 1 (a block failed), 2 (a question reached during
    the run could not be answered) or 128+signal. `settler` answers the questions still open
    as the run reaches the blocks they govern."""
    log_dir = make_log_dir(options.log_dir)
    run_id = uuid.uuid4().hex
    temp_dir = tempfile.mkdtemp(prefix="mdrun-")
    become_subreaper()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a size limit must fail writes, not kill us
    watchdog = Watchdog(run_id, options.grace, temp_dir)
    try:
        code = _run(plan, options, log_dir, run_id, temp_dir, watchdog, settler)
    except BaseException:
        watchdog.close()  # without "done": the watchdog stops whatever is left
        raise
    else:
        watchdog.dismiss()
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    return code


def _run(
    plan: Plan,
    options: RunOptions,
    log_dir: str,
    run_id: str,
    temp_dir: str,
    watchdog: Watchdog,
    settler: Settler | None,
) -> int:
    colour = use_colour(options.console_fd)
    console = ConsoleOut(options.console_fd)
    ui = ConsoleUI(console, colour)
    killer = RunKiller(run_id, watchdog)
    log_errors: list[str] = []
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    def on_log_error(log: BlockLog, exc: OSError) -> None:
        log_errors.append(f"cannot write {log.path}: {exc.strerror}")
        ui.error(f"cannot write {log.path}: {exc.strerror}; the console keeps the output")

    spawner = Spawner(temp_dir, run_id, killer.add_group, log_dir, terminal_input=_on_a_terminal(0))
    loop = Loop(log_dir, console, spawner, colour, on_log_error)
    loop.others[watchdog.process.pid] = watchdog.process
    secrets: tuple[str, ...] = (
        ()
        if options.show_secrets
        else secret_values(initial_shell(plan, dict(os.environ), "").env.items())
    )
    policy = Policy(options.grace, options.pty, options.keep_going, options.restart_backoff)

    saved_at = [0.0, 0.0]  # last write, last change

    def changed() -> None:
        saved_at[1] = time.monotonic()
        save()

    def save(force: bool = False) -> None:
        # Throttled: 128 async blocks starting must not rewrite run.json 128 times.
        now = time.monotonic()
        if force or (saved_at[1] > saved_at[0] and now - saved_at[0] >= _SAVE_EVERY):
            _update(manager.records.values(), loop)
            saved_at[0] = now
            answers = answers_record(manager.answers, options.show_secrets)
            try:
                write_manifest(
                    log_dir, run_id, manager.records.values(), secrets, started=started, **answers
                )
            except OSError as exc:
                # A full disk must not turn into a crash after the run: report it once, and
                # let the run fail like any other lost log.
                what = f"cannot write {os.path.join(log_dir, 'run.json')}: {exc.strerror}"
                if what not in log_errors:
                    log_errors.append(what)
                    ui.error(what)

    asking = ConsoleSettler(settler, console) if settler is not None else None
    manager = Manager(plan, policy, loop, killer, ui, on_change=changed, settler=asking)
    loop.periodic.append(save)
    if options.live if options.live is not None else os.isatty(options.console_fd):
        _attach_live(loop, console, manager, secrets, colour)
    loop.install_signals()
    try:
        loop.run(manager)
    finally:
        loop.restore_signals()
        save(force=True)
        if console.after_flush is not None:  # the live area goes; the summary replaces it
            console.after_flush = None
            console.write(None, b"", True)
            console.flush()
            console.before_flush = None
        loop.close()
    code = manager.result()
    if log_errors and code == 0:
        ui.error("the run's logs are incomplete: " + "; ".join(log_errors))
        code = 1
    console.flush()
    if options.summary:
        print_summary(manager.records.values(), options.console_fd, colour, log_dir)
    return code


def _update(records: Iterable[BlockRecord], loop: Loop) -> None:
    for record in records:
        log = loop.logs.get(record.name)
        if log is not None:
            record.lines, record.log = log.lines, log.path
            record.error = str(log.error) if log.error else record.error


def _attach_live(
    loop: Loop, console: ConsoleOut, manager: Manager, secrets: tuple[str, ...], colour: bool
) -> None:
    area = LiveArea(lambda: manager.records.values(), loop.logs, secrets, colour, console.fd)
    console.before_flush, console.after_flush = area.erase, area.draw

    console.width = lambda: terminal_size(console.fd)[0]

    def redraw() -> None:
        _update(manager.records.values(), loop)
        console.refresh()  # the area only: a partial line above it stays partial

    loop.periodic.append(redraw)
