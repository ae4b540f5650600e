"""The supervisor (`mdrun run`): throughput, latency, load and shutdown.

mdrun is started as `python -m tests.helpers.runplan SPEC.json` (a hand-built plan, then
`run_plan`): the same process `mdrun run` becomes after planning. honcho 2.0 and sh 2.x run the
same children in the same invocation for comparison.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env

sys.path.insert(0, str(ROOT / "src"))
import contextlib

from mdrun.run.watchdog import run_pids

Row = dict[str, object]
HONCHO = str(Path(sys.executable).parent / "honcho")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def mdrun(
    tmp: Path, blocks: list[list[Any]], stdout: Any = subprocess.DEVNULL, **opts: Any
) -> subprocess.Popen[bytes]:
    """Start mdrun on a hand-built plan."""
    spec = tmp / f"spec-{time.monotonic_ns()}.json"
    opts = {"log_dir": str(tmp / f"logs-{time.monotonic_ns()}"), "summary": False, **opts}
    spec.write_text(json.dumps({"blocks": blocks, "options": opts}))
    argv = [sys.executable, "-m", "tests.helpers.runplan", str(spec)]
    return subprocess.Popen(argv, cwd=ROOT, stdout=stdout, env=bench_env())


def timed(start: Any) -> float:
    """Seconds until the process `start()` returns exits (it must exit 0)."""
    t = time.perf_counter()
    proc = start()
    if proc.wait() != 0:
        raise RuntimeError(f"exit {proc.returncode}")
    return time.perf_counter() - t


# -- throughput -----------------------------------------------------------------------------


def throughput(tmp: Path, quick: bool) -> list[Row]:
    n = 1_000_000
    runs = 3 if quick else 5
    flag = tmp / "flag"
    sync = [["x", f"seq {n}"]]
    async_ = [
        ["x", f"seq {n}; touch {flag}", {"is_async": True}],
        ["w", f"until [ -e {flag} ]; do sleep 0.01; done"],
    ]
    base = ["sh", "-c", f"seq {n} | sed 's/^/[x] /' > {tmp / 'sed.out'}"]
    samples: dict[str, list[float]] = {"sync": [], "async": [], "base": []}
    for _ in range(runs):
        samples["base"].append(timed(lambda: subprocess.Popen(base, stdout=subprocess.DEVNULL)))
        samples["sync"].append(timed(lambda: mdrun(tmp, sync)))
        flag.unlink(missing_ok=True)
        samples["async"].append(timed(lambda: mdrun(tmp, async_)))
    honcho_n = 100_000 if quick else n
    (tmp / "Procfile").write_text(f"x: seq {honcho_n}\n")
    honcho_s = timed(
        lambda: subprocess.Popen(
            [HONCHO, "-f", str(tmp / "Procfile"), "start"],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            env=bench_env(),
        )
    )
    med = {k: statistics.median(v) for k, v in samples.items()}
    honcho = (
        f"honcho 2.0: {honcho_n / honcho_s:,.0f} lines/s ({honcho_n:,} lines in {honcho_s:.2f} s)"
    )
    rows = []
    for mode in ("sync", "async"):
        ratio = med[mode] / med["base"]
        rows.append(
            {
                "name": f"throughput-{mode}",
                "what": f"1,000,000 lines from one {mode} block into its log file, console to /dev/null, wall time incl. interpreter start",
                "baseline": "`seq 1000000 | sed 's/^/[x] /' > file`, interleaved",
                "subject_s": round(med[mode], 4),
                "baseline_s": round(med["base"], 4),
                "ratio": round(ratio, 2),
                "target": "<= 3x",
                "passed": ratio <= 3.0,
                "detail": f"median of {runs}; mdrun {n / med[mode]:,.0f} lines/s; {honcho}",
            }
        )
    return rows


# -- latency --------------------------------------------------------------------------------

CHILD = """
import sys, time
for _ in range(int(sys.argv[1])):
    print(f"{time.time():.6f}", flush=sys.argv[2] == "flush")
    time.sleep(0.01)
"""

SH_DRIVER = """
import sys, sh
def out(line):
    sys.stdout.write("[lat] " + line); sys.stdout.flush()
sh.Command(sys.executable)(sys.argv[1], sys.argv[2], "flush", _out=out, _bg=True).wait()
"""


def _delays(proc: subprocess.Popen[bytes], marker: bytes) -> list[float]:
    """Milliseconds from each timestamp a child printed to the moment it arrived here."""
    delays = []
    assert proc.stdout is not None
    for line in proc.stdout:
        now = time.time()
        if marker in line:
            with contextlib.suppress(ValueError):
                delays.append((now - float(line.rsplit(None, 1)[-1])) * 1000)
    proc.wait()
    return delays


def _p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)] if values else float("nan")


def latency(tmp: Path, quick: bool) -> list[Row]:
    n = 200 if quick else 1000
    child = tmp / "child.py"
    child.write_text(CHILD)
    (tmp / "sh_driver.py").write_text(SH_DRIVER)
    py = sys.executable
    pipe_cmd = f"{py} {child} {n} flush"
    pty_cmd = f"env -u PYTHONUNBUFFERED {py} {child} {n} noflush"
    direct = _delays(
        subprocess.Popen([py, str(child), str(n), "flush"], stdout=subprocess.PIPE), b"."
    )
    pipe = _delays(mdrun(tmp, [["lat", pipe_cmd]], stdout=subprocess.PIPE), b"[lat] ")
    pty = _delays(mdrun(tmp, [["lat", pty_cmd, {"pty": True}]], stdout=subprocess.PIPE), b"[lat] ")
    sh_run = _delays(
        subprocess.Popen(
            [py, str(tmp / "sh_driver.py"), str(child), str(n)],
            stdout=subprocess.PIPE,
            env=bench_env(),
        ),
        b"[lat] ",
    )
    (tmp / "Procfile").write_text(f"lat: {pipe_cmd}\n")
    honcho = _delays(
        subprocess.Popen(
            [HONCHO, "-f", str(tmp / "Procfile"), "start"],
            cwd=tmp,
            stdout=subprocess.PIPE,
            env=bench_env(),
        ),
        b"lat.1",
    )
    base_p99 = _p99(direct)
    rows = []
    cases = (
        ("pipe", "mdrun, pipe mode", pipe, 5.0),
        ("pty", "mdrun, pty mode, a child that block-buffers on pipes", pty, 20.0),
        ("pipe-sh", "sh 2.x (`_out` callback, its default pty), for comparison", sh_run, 5.0),
        ("pipe-honcho", "honcho 2.0, for comparison", honcho, 5.0),
    )
    for name, who, values, target in cases:
        p99 = _p99(values)
        rows.append(
            {
                "name": f"latency-{name}",
                "what": f"p99 ms from a child's write to the line on the supervisor's stdout: {who} "
                f"({len(values)} lines, one per 10 ms)",
                "baseline": "the same child writing straight into the bench's pipe (no supervisor)",
                "subject": round(p99, 3),
                "baseline_value": round(base_p99, 3),
                "unit": "ms",
                "ratio": round(p99 / max(base_p99, 1e-3), 2),
                "target": f"p99 <= {target:g} ms",
                "passed": p99 <= target,
                "detail": f"median {statistics.median(values):.2f} ms, max {max(values):.2f} ms",
            }
        )
    return rows


# -- load -----------------------------------------------------------------------------------

TICKER = 'exec 3<> <(:); for ((i=0; i<{n}; i++)); do echo "tick $i of $$"; read -t 0.1 -u 3 || true; done; sleep 1000'


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _sample(pid: int, seconds: float) -> tuple[float, float]:
    """CPU share of one core and peak RSS (MB) of `pid` over `seconds`."""
    cpu0, t0, rss = _cpu_s(pid), time.monotonic(), 0.0
    while time.monotonic() - t0 < seconds:
        rss = max(rss, _rss_mb(pid))
        time.sleep(0.5)
    return (_cpu_s(pid) - cpu0) / (time.monotonic() - t0), rss


BARE_ASYNCIO = """
import asyncio, os, sys
async def pump(i, body):
    proc = await asyncio.create_subprocess_exec("bash", "-c", body, stdout=asyncio.subprocess.PIPE,
                                                start_new_session=True)
    fd = os.open(f"{sys.argv[2]}/a{i}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    while chunk := await proc.stdout.read(65536):
        os.write(fd, chunk)
        os.write(1, chunk)
async def main():
    await asyncio.gather(*(pump(i, sys.argv[1]) for i in range(128)))
asyncio.run(main())
"""


def _bare_asyncio(tmp: Path, body: str, seconds: float) -> float:
    """CPU share of a bare asyncio loop doing only read + log write + console write."""
    script = tmp / "bare_asyncio.py"
    script.write_text(BARE_ASYNCIO)
    logs = tmp / "bare-logs"
    logs.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, str(script), body, str(logs)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(3.0)
    cpu, _ = _sample(proc.pid, seconds)
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in run_pids("-", parent=proc.pid):
        os.kill(pid, signal.SIGKILL)
    proc.wait()
    return cpu


def load(tmp: Path, quick: bool) -> list[Row]:
    seconds, blocks = (6.0, 128) if quick else (20.0, 128)
    n = int(seconds * 10) + 30
    body = TICKER.format(n=n)
    plan = [[f"t{i}", body, {"is_async": True}] for i in range(blocks)] + [
        ["wait", f"sleep {seconds + 3}"]
    ]
    proc = mdrun(tmp, plan, grace=1.0)
    time.sleep(3.0)  # let 128 bashes start on a small machine
    cpu, rss = _sample(proc.pid, seconds)
    proc.wait()
    # honcho runs Procfile lines with /bin/sh: the bash loop needs an explicit bash.
    line = f"bash -c {shlex.quote(body)}"
    (tmp / "Procfile").write_text("".join(f"t{i}: {line}\n" for i in range(blocks)))
    honcho = subprocess.Popen(
        [HONCHO, "-f", str(tmp / "Procfile"), "start"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        env=bench_env(),
    )
    time.sleep(3.0)
    h_cpu, h_rss = _sample(honcho.pid, seconds)
    honcho.send_signal(signal.SIGINT)
    honcho.wait(timeout=30)
    a_cpu = _bare_asyncio(tmp, TICKER.format(n=n).replace("; sleep 1000", ""), seconds)
    return [
        {
            "name": "load-cpu",
            "what": f"mdrun's own CPU (utime+stime, children excluded) with {blocks} async blocks x 10 lines/s over {seconds:g} s",
            "baseline": "honcho 2.0 on the same Procfile, same run",
            "subject": round(cpu * 100, 2),
            "baseline_value": round(h_cpu * 100, 2),
            "unit": "% of one core",
            "ratio": round(cpu / max(h_cpu, 1e-6), 3),
            "target": "<= 2 % of a core, RSS <= 150 MB",
            "passed": cpu <= 0.02 and rss <= 150,
            "detail": f"mdrun RSS peak {rss:.1f} MB; honcho CPU {h_cpu * 100:.1f} %, RSS {h_rss:.1f} MB; "
            f"a bare asyncio loop doing only read + log write + console write: {a_cpu * 100:.1f} %",
        }
    ]


# -- shutdown -------------------------------------------------------------------------------

FAMILY = "sleep 1000 & setsid sleep 1000 & (setsid bash -c 'sleep 1000 & exit' &); sleep 1000"


def _stop_once(tmp: Path, blocks: int, grace: float, how: str) -> tuple[float, int]:
    plan = [[f"f{i}", FAMILY, {"is_async": True}] for i in range(blocks)] + [["wait", "sleep 1000"]]
    log_dir = tmp / f"logs-stop-{how}"
    proc = mdrun(tmp, plan, grace=grace, log_dir=str(log_dir))
    run_id, deadline = "", time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            run_id = json.loads((log_dir / "run.json").read_text())["run_id"]
            if len(run_pids(run_id)) >= blocks * 4:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    t = time.monotonic()
    proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGKILL)
    limit = t + grace + 1.0
    while run_pids(run_id) and time.monotonic() < limit + 5:
        time.sleep(0.05)
    proc.wait(timeout=30)
    return time.monotonic() - t, len(run_pids(run_id)) if time.monotonic() > limit else 0


def shutdown(tmp: Path, quick: bool) -> list[Row]:
    blocks, grace = (32, 2.0) if quick else (128, 2.0)
    rows = []
    for how in ("sigint", "sigkill"):
        elapsed, left = _stop_once(tmp, blocks, grace, how)
        rows.append(
            {
                "name": f"shutdown-{how}",
                "what": f"{how.upper()} to mdrun with {blocks} async blocks, each with a grandchild, a setsid child and a double-forked daemon: seconds until none is left",
                "baseline": f"grace + 1 s = {grace + 1:g} s",
                "subject_s": round(elapsed, 3),
                "baseline_s": grace + 1.0,
                "ratio": round(elapsed / (grace + 1.0), 2),
                "target": "none left after grace + 1 s",
                "passed": left == 0 and elapsed <= grace + 1.0,
                "detail": f"{blocks * 4}+ processes; left after the limit: {left}",
            }
        )
    return rows


def run(quick: bool = False) -> list[Row]:
    """All supervisor rows."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="mdrun-bench-") as tmp:
        for topic in (throughput, latency, load, shutdown):
            rows += topic(Path(tmp), quick)
    return rows


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    with tempfile.TemporaryDirectory(prefix="mdrun-bench-") as tmp:
        for topic in (throughput, latency, load, shutdown):
            if not only or topic.__name__ in only:
                for r in topic(Path(tmp), quick):
                    print(json.dumps(r), flush=True)
