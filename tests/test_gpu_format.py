"""The GPU sampler's formatting, run for real on real `nvidia-smi` captures.

The block body is taken from snippets/gpu-utilization.md through mdrun's loader and run with
bash; a stand-in `nvidia-smi` on PATH prints one of the captures in ../shared/fixtures/gpu/
(recorded on an H100, see its README) and records the arguments it was given. Expected values
are parsed from the capture here, independently of the block's awk.
"""

from __future__ import annotations

import os
import re
import select
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = ROOT / "snippets" / "gpu-utilization.md"
CAPTURES = SHARED / "fixtures" / "gpu"
QUERY = "timestamp,utilization.gpu,utilization.memory,memory.total,temperature.gpu,name"
ESC = re.compile(r"\x1b\[([0-9;]*)m")

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.shared("fixtures", "gpu"),
]


def gpu_body() -> str:
    """The GPU block exactly as mdrun would run it."""
    runbook = load_runbook(str(SNIPPET), LoadOptions())
    (block,) = [b for b in runbook.blocks if b.name == "gpu-utilization"]
    return block.body


def stand_in(tmp_path: Path, output: str, first_rc: int = 0, hold: float = 0) -> Path:
    """A stand-in `nvidia-smi`: its first call records its arguments, prints `output` and
    exits `first_rc`; later calls wait `hold` seconds, then fail as a lost GPU does (exit 9),
    which ends the block's sampling loop."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (tmp_path / "smi-output.txt").write_text(output)
    script = bindir / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n# stand-in for nvidia-smi (tests/test_gpu_format.py)\n"
        f'if [ -e "{tmp_path}/smi-called" ]; then sleep {hold}; exit 9; fi\n'
        f'touch "{tmp_path}/smi-called"\n'
        f'printf "%s\\n" "$@" > "{tmp_path}/smi-args.txt"\n'
        f'cat "{tmp_path}/smi-output.txt"\n'
        f"exit {first_rc}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bindir


def block_env(bindir: Path, **env: str) -> dict[str, str]:
    """This environment with the stand-in first on PATH and one GPU."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "KUBE_CONTEXT")}
    return {
        **base,
        "PATH": f"{bindir}:{base['PATH']}",
        "NUM_GPUS": "1",
        "METRICS_INTERVAL": "0.1",
        **env,
    }


def run_block(tmp_path: Path, output: str, first_rc: int = 0, **env: str) -> str:
    """Run the GPU block against the stand-in until nvidia-smi fails; return its stdout."""
    bindir = stand_in(tmp_path, output, first_rc)
    proc = subprocess.run(
        ["bash", "-c", gpu_body()],
        env=block_env(bindir, **env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    # The stand-in's failure (its first call's or the next's) must be the block's, so that
    # restart=on-failure can take over.
    assert proc.returncode == 9, proc.stderr
    return proc.stdout


def capture_rows(name: str) -> list[list[str]]:
    """The data rows of a capture, split on the CSV separator."""
    rows = (CAPTURES / name).read_text().splitlines()
    return [r.split(", ") for r in rows if r and not r.startswith("timestamp")]


@pytest.mark.parametrize(
    "capture", ["nvidia-smi-idle.csv", "nvidia-smi-load.csv", "nvidia-smi-load-header-lms.csv"]
)
def test_one_line_per_metric_with_the_captured_values(tmp_path: Path, capture: str) -> None:
    out = run_block(tmp_path, (CAPTURES / capture).read_text(), NO_COLOR="1")
    lines = out.splitlines()
    rows = capture_rows(capture)
    assert len(lines) == 3 * len(rows)
    for i, (stamp, util, mem, total, temp, name) in enumerate(rows):
        utilization, memory, temperature = lines[3 * i : 3 * i + 3]
        assert utilization.startswith(f"{stamp} GPU utilization")
        assert re.search(rf"\s{util.removesuffix(' %')} %\s+{re.escape(name)}$", utilization)
        assert memory.startswith(f"{stamp} GPU memory")
        assert f" {mem.removesuffix(' %')} % busy, {total.removesuffix(' MiB')} MiB total" in memory
        assert temperature == f"{stamp} GPU temperature {temp:>3} C"


def test_the_query_matches_the_captures_columns(tmp_path: Path) -> None:
    run_block(tmp_path, "", NO_COLOR="1")
    args = (tmp_path / "smi-args.txt").read_text().splitlines()
    # one sample per call: with -l, nvidia-smi block-buffers into a pipe
    assert args == [f"--query-gpu={QUERY}", "--format=csv,noheader"]


def test_a_sample_is_shown_before_the_next_one_is_taken(tmp_path: Path) -> None:
    row = (CAPTURES / "nvidia-smi-load.csv").read_text().splitlines()[-1]
    bindir = stand_in(tmp_path, row + "\n", hold=20)
    proc = subprocess.Popen(
        ["bash", "-c", gpu_body()],
        env=block_env(bindir, NO_COLOR="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        received = b""
        while received.count(b"\n") < 3:
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            assert ready, f"only {received!r} while nvidia-smi holds its next sample"
            received += os.read(proc.stdout.fileno(), 65536)
        lines = received.decode().splitlines()
        assert lines[0].startswith(row.split(", ")[0] + " GPU utilization")
        assert "GPU temperature" in lines[2]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_each_metric_has_its_colour(tmp_path: Path) -> None:
    out = run_block(tmp_path, (CAPTURES / "nvidia-smi-load.csv").read_text())
    lines = out.splitlines()
    codes = [ESC.findall(line) for line in lines[:3]]
    assert codes == [["32", "0"], ["35", "0"], ["36", "0"]]
    # colour wraps only the metric, the timestamp stays plain
    assert all(line.split(" ", 2)[2].startswith("\x1b[") for line in lines)


def test_no_color_means_no_escape_codes(tmp_path: Path) -> None:
    out = run_block(tmp_path, (CAPTURES / "nvidia-smi-load.csv").read_text(), NO_COLOR="1")
    assert "\x1b" not in out and out


def test_temperature_colour_follows_the_heat(tmp_path: Path) -> None:
    # Derived from a real row: only the temperature field is changed.
    stamp, util, mem, total, _, name = capture_rows("nvidia-smi-load.csv")[-1]
    rows = [f"{stamp}, {util}, {mem}, {total}, {t}, {name}" for t in ("69", "70", "84", "85")]
    out = run_block(tmp_path, "\n".join(rows) + "\n")
    temps = [line for line in out.splitlines() if "temperature" in line]
    assert [ESC.findall(t)[0] for t in temps] == ["36", "33", "33", "1;31"]


def test_nvidia_smi_errors_pass_through(tmp_path: Path) -> None:
    message = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
    assert run_block(tmp_path, message + "\n", first_rc=9, NO_COLOR="1") == message + "\n"


def test_samples_are_also_written_for_the_stream_consumer(tmp_path: Path) -> None:
    consumer = f"{tmp_path}/consumer/"
    out = run_block(
        tmp_path, (CAPTURES / "nvidia-smi-idle.csv").read_text(), STREAMCONSUMER_LOGS=consumer
    )
    assert Path(consumer, "resources", "gpu.txt").read_text() == out


def test_quiet_console_keeps_only_the_file(tmp_path: Path) -> None:
    consumer = f"{tmp_path}/consumer/"
    capture = (CAPTURES / "nvidia-smi-idle.csv").read_text()
    out = run_block(tmp_path, capture, STREAMCONSUMER_LOGS=consumer, QUIET_CONSOLE="1")
    assert out == ""
    assert len(Path(consumer, "resources", "gpu.txt").read_text().splitlines()) == 3 * len(
        capture_rows("nvidia-smi-idle.csv")
    )
