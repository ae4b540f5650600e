"""The Manager's policy, replayed as scripted histories with a fake process factory and clock."""

from __future__ import annotations

import signal
from typing import Any

import pytest

from mdrun.errors import MdrunError
from mdrun.model import Plan
from mdrun.run.handoff import ShellState
from mdrun.run.manager import Manager
from mdrun.run.state import Policy
from tests.helpers.fakes import FakeClock, FakeIO, FakeKiller, FakeUI
from tests.helpers.plans import plan

pytestmark = pytest.mark.timeout(10)

TERM, KILL = signal.SIGTERM, signal.SIGKILL


class Run:
    """A manager wired to fakes, plus helpers to script what the children do."""

    def __init__(self, p: Plan, **policy: Any) -> None:
        self.io, self.killer, self.ui, self.clock = FakeIO(), FakeKiller(), FakeUI(), FakeClock()
        self.m = Manager(p, Policy(**policy), self.io, self.killer, self.ui, self.clock)
        self.m.start()

    def exit(self, name: str, code: int, state: ShellState | None = None) -> None:
        child = self.io.last(name)
        child.state = state
        self.m.on_exit(child, code)

    def tick(self, seconds: float) -> None:
        self.clock.now += seconds
        self.m.on_tick()

    def status(self) -> dict[str, str]:
        return {name: r.status for name, r in self.m.records.items()}


def test_sync_blocks_run_in_order_and_share_state() -> None:
    r = Run(plan(("a", "export X=1"), ("b", "echo $X")))
    assert r.io.started() == ["a"]
    after_a = ShellState({"X": "1"}, "/somewhere")
    r.exit("a", 0, after_a)
    assert r.io.started() == ["a", "b"]
    assert r.io.last("b").spec.env == {"X": "1"} and r.io.last("b").spec.cwd == "/somewhere"
    r.exit("b", 0)
    assert r.m.done and r.m.result() == 0
    assert r.status() == {"a": "ok", "b": "ok"}


def test_failure_stops_the_run_naming_block_origin_and_code() -> None:
    r = Run(plan(("a", "false"), ("b", "echo never")))
    r.exit("a", 3)
    assert r.io.started() == ["a"]
    assert r.m.done and r.m.result() == 1
    assert r.ui.errors == ["block 'a' (runbook.md:10) failed with exit code 3"]
    assert r.status() == {"a": "failed", "b": "not-run"}


def test_allow_failure_and_keep_going_go_on() -> None:
    r = Run(plan(("a", "false", {"allow_failure": True}), ("b", "true")))
    r.exit("a", 1)
    r.exit("b", 0)
    assert r.m.result() == 0 and r.status()["a"] == "allowed-failure"
    r = Run(plan(("a", "false"), ("b", "true")), keep_going=True)
    r.exit("a", 1)
    r.exit("b", 0)
    assert r.io.started() == ["a", "b"] and r.m.result() == 1


def test_exit_90_stops_successfully_and_skips_are_not_started() -> None:
    r = Run(plan(("a", "true"), ("s", "x"), ("b", "exit 90"), ("c", "x"), skip={"s"}))
    r.exit("a", 0)
    assert r.io.started() == ["a", "b"]
    assert "skipped s: FOO is unset" in r.ui.messages
    r.exit("b", 90)
    assert r.m.done and r.m.result() == 0
    assert r.status() == {"a": "ok", "s": "skipped", "b": "ok", "c": "not-run"}


def test_async_blocks_are_stopped_when_the_last_sync_block_ends() -> None:
    r = Run(plan(("srv", "serve", {"is_async": True}), ("a", "true")), grace=5)
    assert r.io.started() == ["srv", "a"]
    r.exit("a", 0)
    assert r.killer.sent == [TERM] and not r.m.done
    r.tick(5.0)
    assert r.killer.sent == [TERM, KILL]
    r.exit("srv", -KILL)
    assert r.m.done and r.status()["srv"] == "stopped" and r.m.result() == 0


def test_stopping_waits_for_strays_outside_the_group() -> None:
    r = Run(plan(("a", "setsid sleep 100 &")))
    r.killer.stray = 1
    r.exit("a", 0)
    r.tick(1.0)
    assert not r.m.done
    r.killer.stray = 0
    r.tick(0.1)
    assert r.m.done


def test_restart_on_failure_backs_off_and_gives_up() -> None:
    opts = {"is_async": True, "restart": "on-failure", "max_restarts": 2}
    r = Run(plan(("w", "work", opts), ("a", "sleep")), restart_backoff=1.0)
    r.exit("w", 1)
    r.tick(0.9)
    assert r.io.started() == ["w", "a"]
    r.tick(0.2)
    assert r.io.started() == ["w", "a", "w"]
    r.exit("w", 1)
    r.tick(1.5)
    assert r.io.started().count("w") == 2  # second delay is 2 s
    r.tick(0.6)
    r.exit("w", 1)
    r.tick(10)
    assert r.io.started().count("w") == 3 and r.m.records["w"].restarts == 2
    # Out of restarts, still failing: the run fails (the async failure policy).
    assert r.status()["w"] == "failed" and r.m.phase == "stopping" and r.m.exit_code == 1


def test_a_failed_async_block_fails_the_run_unless_it_allows_failure() -> None:
    r = Run(plan(("w", "work", {"is_async": True}), ("a", "sleep")))
    r.exit("w", 3)
    assert r.m.phase == "stopping" and r.io.last("a").signals == []
    assert r.ui.errors == ["block 'w' (runbook.md:10) failed with exit code 3"]
    r.exit("a", -TERM)
    assert r.m.done and r.m.result() == 1 and r.status() == {"w": "failed", "a": "stopped"}
    r = Run(plan(("w", "work", {"is_async": True, "allow_failure": True}), ("a", "sleep")))
    r.exit("w", 3)
    assert r.m.phase == "main" and "going on (allow-failure)" in r.ui.errors[0]
    r.exit("a", 0)
    assert r.m.done and r.m.result() == 0 and r.status()["w"] == "allowed-failure"


def test_an_optional_async_block_may_fail_as_an_optional_sync_block_may() -> None:
    # madwizard's `optional: true` (block frontmatter, a closed `???`) on a sampler.
    r = Run(plan(("w", "work", {"is_async": True, "optional": True}), ("a", "sleep")))
    r.exit("w", 3)
    assert r.m.phase == "main" and r.io.last("a").signals == []
    assert r.ui.errors == ["block 'w' (runbook.md:10) failed with exit code 3; going on (optional)"]
    r.exit("a", 0)
    assert r.m.done and r.m.result() == 0 and r.status()["w"] == "allowed-failure"


def test_an_async_block_ending_with_0_is_fine_unless_required() -> None:
    r = Run(plan(("w", "true", {"is_async": True}), ("a", "sleep")))
    r.exit("w", 0)
    assert r.m.phase == "main" and r.ui.errors == []
    r = Run(plan(("w", "serve", {"is_async": True, "required": True}), ("a", "sleep")))
    r.exit("w", 0)
    assert r.m.phase == "stopping" and r.m.exit_code == 1
    assert r.ui.errors == [
        "block 'w' (runbook.md:10) required, exited with code 0 before the run ended"
    ]


def test_restart_always_says_how_the_block_exited_and_counts_restarts() -> None:
    opts = {"is_async": True, "restart": "always", "max_restarts": 1}
    r = Run(plan(("w", "true", opts), ("a", "sleep")), restart_backoff=1.0)
    r.exit("w", 0)
    assert r.ui.messages[-1] == "w exited with code 0: restarting in 1s"
    r.tick(1.0)
    r.exit("w", 0)
    assert r.m.phase == "main" and r.ui.errors == [] and r.m.records["w"].restarts == 1
    assert not any("failed" in m for m in r.ui.messages)


def test_keep_going_goes_on_after_an_async_failure_and_the_run_fails() -> None:
    r = Run(plan(("w", "work", {"is_async": True}), ("a", "sleep")), keep_going=True)
    r.exit("w", 2)
    assert r.m.phase == "main" and "--keep-going" in r.ui.errors[0]
    r.exit("a", 0)
    assert r.m.done and r.m.result() == 1


def test_required_async_failure_fails_the_run() -> None:
    r = Run(plan(("w", "work", {"is_async": True, "required": True}), ("a", "sleep")))
    r.exit("w", 2)
    assert r.m.phase == "stopping" and r.io.last("a").spec.name == "a"
    assert "required" in r.ui.errors[0]
    r.exit("a", -TERM)
    assert r.m.done and r.m.result() == 1


def test_ready_holds_following_blocks_until_met_or_timeout() -> None:
    p = plan(
        ("srv", "serve", {"is_async": True, "ready": "listening", "ready_timeout": 3}), ("a", "x")
    )
    r = Run(p)
    assert r.io.started() == ["srv"]
    r.io.ready["srv"]()
    assert r.io.started() == ["srv", "a"]
    r = Run(p)
    r.tick(3.1)
    assert r.m.phase == "stopping" and r.ui.errors == [
        "block 'srv' (runbook.md:10) not ready after 3s"
    ]


def test_timeout_terminates_then_kills_the_group() -> None:
    r = Run(plan(("a", "sleep 100", {"timeout": 2.0})), grace=1)
    r.tick(2.0)
    assert r.io.last("a").signals == [TERM]
    r.tick(1.0)
    assert r.io.last("a").signals == [TERM, KILL]
    r.exit("a", -KILL)
    assert r.m.result() == 1 and "timed out" in r.ui.errors[0]


def test_sigint_stops_everything_and_a_second_one_hurries() -> None:
    r = Run(plan(("srv", "serve", {"is_async": True}), ("a", "sleep")), grace=30)
    r.m.on_signal(signal.SIGINT)
    assert r.killer.sent == [TERM] and r.m.exit_code == 130
    r.m.on_signal(signal.SIGINT)
    assert r.killer.sent == [TERM, KILL]
    r.exit("a", -KILL)
    r.exit("srv", -KILL)
    assert r.m.done and r.m.result() == 130


def test_cleanup_blocks_run_at_the_end_after_failure_with_the_final_state() -> None:
    p = plan(("c", "rm -rf $T", {"cleanup": True}), ("a", "false"), ("b", "x"))
    r = Run(p)
    assert r.io.started() == ["a"]
    r.exit("a", 1, ShellState({"T": "/tmp/t"}, "/w"))
    assert r.io.started() == ["a", "c"] and r.io.last("c").spec.env == {"T": "/tmp/t"}
    r.exit("c", 0)
    assert r.m.done and r.m.result() == 1 and r.status()["c"] == "ok"


def test_a_block_that_cannot_start_is_a_failure() -> None:
    r = Run(plan(("b0", "x"), ("a", "x"), ("b", "x")))
    r.io.fail = {"a"}
    r.exit("b0", 0)
    assert r.m.done and r.m.result() == 1 and "could not start" in r.ui.errors[0]


def test_cleanup_blocks_run_last_registered_first() -> None:
    p = plan(
        ("c1", "stop db", {"cleanup": True}), ("c2", "stop app", {"cleanup": True}), ("a", "x")
    )
    r = Run(p)
    r.exit("a", 0)
    assert r.io.started() == ["a", "c2"]
    r.exit("c2", 0)
    assert r.io.started() == ["a", "c2", "c1"]
    r.exit("c1", 0)
    assert r.m.done and r.m.result() == 0
    assert [n for n, rec in sorted(r.m.records.items(), key=lambda x: x[1].turn or 0)] == [
        "a",
        "c2",
        "c1",
    ]


def test_a_cleanup_whose_directory_is_gone_runs_where_mdrun_started() -> None:
    r = Run(plan(("c", "rm -rf tmp", {"cleanup": True}), ("a", "cd /gone")))
    r.io.missing_dirs = {"/gone"}
    r.exit("a", 0, ShellState({}, "/gone"))
    assert r.io.last("c").spec.cwd == r.m.start_cwd != "/gone"
    assert "cleanup c: its directory /gone is gone; running it in " in r.ui.messages[-1]
    r.exit("c", 0)
    assert r.m.done and r.m.result() == 0 and r.status()["c"] == "ok"


def test_ctrl_c_lets_a_running_cleanup_finish_a_second_terminates_a_third_kills() -> None:
    p = plan(("c1", "x", {"cleanup": True}), ("c2", "ray stop", {"cleanup": True}), ("a", "sleep"))
    r = Run(p, grace=3)
    r.m.on_signal(signal.SIGINT)  # during the main part: stop, then clean up
    r.exit("a", -TERM)
    assert r.io.started() == ["a", "c2"]
    r.m.on_signal(signal.SIGINT)
    assert r.io.last("c2").signals == [] and "again to terminate it" in r.ui.messages[-1]
    r.m.on_signal(signal.SIGINT)
    assert r.io.last("c2").signals == [TERM] and "again to kill it" in r.ui.messages[-1]
    r.tick(3.0)
    assert r.io.last("c2").signals == [TERM, KILL]  # its own grace, then SIGKILL
    r.exit("c2", -KILL)
    assert r.io.started() == ["a", "c2", "c1"]  # the next cleanup still runs, with a fresh count
    r.m.on_signal(signal.SIGINT)
    assert r.io.last("c1").signals == []
    r.m.on_signal(signal.SIGINT)
    r.m.on_signal(signal.SIGINT)
    assert r.io.last("c1").signals == [TERM, KILL]
    r.exit("c1", -KILL)
    assert r.m.done and r.m.result() == 130


class Asking:
    """A settler for the manager: before `at`, answers (or raises) and gives back `then`."""

    def __init__(self, at: str, then: Plan | BaseException) -> None:
        self.at, self.then = at, then
        self.answers: dict[str, Any] = {}
        self.asked: list[tuple[str, dict[str, str]]] = []

    def needs(self, block: Any) -> bool:
        return block.name == self.at and not self.asked

    def settle(self, block: Any, env: Any) -> Plan:
        self.asked.append((block.name, dict(env)))
        if isinstance(self.then, BaseException):
            raise self.then
        return self.then


def _asking_run(p: Plan, settler: Asking) -> Run:
    run = Run.__new__(Run)
    run.io, run.killer, run.ui, run.clock = FakeIO(), FakeKiller(), FakeUI(), FakeClock()
    run.m = Manager(p, Policy(), run.io, run.killer, run.ui, run.clock, settler=settler)
    run.m.start()
    return run


def test_a_question_is_settled_in_the_state_the_blocks_before_it_left() -> None:
    full = plan(("a", "export X=1"), ("b", "echo b"), ("c", "echo c"))
    without_b = full._replace(blocks=(full.blocks[0], full.blocks[2]))
    settler = Asking("b", without_b)
    r = _asking_run(full, settler)
    assert r.io.started() == ["a"] and settler.asked == []  # not asked before it is reached
    r.exit("a", 0, ShellState({"X": "1"}, "/w"))
    assert settler.asked == [("b", {"X": "1"})]
    assert r.io.started() == ["a", "c"]  # b's branch was not chosen: gone from the run
    r.exit("c", 0)
    assert r.m.done and r.m.result() == 0 and r.status() == {"a": "ok", "c": "ok"}


def test_ctrl_c_at_a_later_prompt_stops_the_run_and_runs_the_cleanups() -> None:
    p = plan(("undo", "echo undo", {"cleanup": True}), ("a", "true"), ("b", "true"))
    r = _asking_run(p, Asking("b", KeyboardInterrupt()))
    r.exit("a", 0)
    assert r.io.started() == ["a", "undo"]
    r.exit("undo", 0)
    assert r.m.done and r.m.result() == 130
    assert r.status() == {"undo": "ok", "a": "ok", "b": "not-run"}


def test_a_question_nobody_can_answer_mid_run_fails_it_with_exit_2() -> None:
    r = _asking_run(plan(("a", "true"), ("b", "true")), Asking("b", MdrunError("no answer")))
    r.exit("a", 0)
    assert r.m.done and r.m.result() == 2 and r.ui.errors == ["no answer"]
    assert r.status() == {"a": "ok", "b": "not-run"}
