"""A real two-node Ray cluster on loopback for the tests: a head on 127.0.0.2 and a worker on
127.0.0.3 (Ray keeps these as given; it swaps a literal 127.0.0.1 for the host's address), each
with its own temporary directory and its own free ports, started with `ray start` from beside
the Python running the tests.

It is stopped by signalling the processes whose command lines name its temporary directories,
not by `ray stop`, which stops every Ray of this user on the machine (other test runs' too).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

BIN = Path(sys.executable).parent
HEAD_IP, WORKER_IP = "127.0.0.2", "127.0.0.3"
WORKER_RESOURCE = "worker_only"
"""A custom resource only the worker node has: a job needing it runs there."""

_PORT_FLAGS = ("--dashboard-agent-listen-port",)
"""Ports that default to a fixed number (the others default to a free one)."""


class Cluster(NamedTuple):
    """A started cluster."""

    address: str
    """The dashboard's URL, for RAY_ADDRESS."""
    temp_dirs: tuple[str, ...]
    """The nodes' temporary directories (they name every Ray process of this cluster)."""
    env: dict[str, str]
    """The environment the nodes were started with (PATH with this venv first)."""


def _free_ports(ip: str, count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind((ip, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _node_ports(ip: str) -> list[str]:
    ports = _free_ports(ip, len(_PORT_FLAGS))
    return [f"{flag}={port}" for flag, port in zip(_PORT_FLAGS, ports, strict=True)]


def _start(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(BIN / "ray"), "start", "--disable-usage-stats", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ray start {args} failed:\n{proc.stdout}\n{proc.stderr}")


def start() -> Cluster:
    """Start the head, then the worker; the cluster once both have joined."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PIP_NO_INDEX"] = "1"  # no network here: a runtime env's pip fails at once,
    env["RUNTIME_ENV_RETRY_TIMES"] = "1"  # and Ray does not try it three times
    head_tmp = tempfile.mkdtemp(prefix="mdrun-rh-")
    worker_tmp = tempfile.mkdtemp(prefix="mdrun-rw-")
    cluster = Cluster("", (head_tmp, worker_tmp), env)
    gcs, dash, client = _free_ports(HEAD_IP, 3)
    common = ["--num-cpus=1", "--object-store-memory=80000000"]
    try:
        _start(
            ["--head", f"--node-ip-address={HEAD_IP}", f"--port={gcs}",
             f"--dashboard-host={HEAD_IP}", f"--dashboard-port={dash}",
             f"--ray-client-server-port={client}", f"--temp-dir={head_tmp}",
             *common, *_node_ports(HEAD_IP)],
            env,
        )  # fmt: skip
        _start(
            [f"--address={HEAD_IP}:{gcs}", f"--node-ip-address={WORKER_IP}",
             f"--temp-dir={worker_tmp}", f'--resources={{"{WORKER_RESOURCE}": 1}}',
             *common, *_node_ports(WORKER_IP)],
            env,
        )  # fmt: skip
    except BaseException:
        stop(cluster)
        raise
    return cluster._replace(address=f"http://{HEAD_IP}:{dash}")


def pids(cluster: Cluster) -> list[int]:
    """Live processes of the cluster: those whose command line names one of its temporary
    directories, and their descendants (workers rename themselves `ray::IDLE` and the like)."""
    parents: dict[int, int] = {}
    found: set[int] = set()
    needles = [d.encode() for d in cluster.temp_dirs]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z":
            continue
        parents[int(proc.name)] = int(fields[1])
        if any(n in cmdline for n in needles):
            found.add(int(proc.name))
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return sorted(found)


def stop(cluster: Cluster, grace: float = 10.0) -> None:
    """SIGTERM the cluster's processes, SIGKILL what is left after `grace` seconds, then remove
    the temporary directories."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids(cluster):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids(cluster) and time.monotonic() < deadline:
            time.sleep(0.2)
    for d in cluster.temp_dirs:
        subprocess.run(["rm", "-rf", d], check=False)


_LOOPBACK = ("127.", "[::1]", "[::ffff:127.")


def connections_beyond_loopback(cluster: Cluster) -> tuple[list[str], int]:
    """`ss -tnp` lines of the cluster's TCP connections with an end outside 127.0.0.0/8 or ::1,
    and how many connections of the cluster were seen. (Ray's gRPC servers listen on every
    interface when the node address is not 127.0.0.1; what matters is where traffic goes.)"""
    out = subprocess.run(["ss", "-tnpH"], capture_output=True, text=True, check=True).stdout
    ours = {str(p) for p in pids(cluster)}
    bad, seen = [], 0
    for line in out.splitlines():
        if not any(f"pid={p}," in line for p in ours):
            continue
        seen += 1
        local, peer = line.split()[3:5]
        if not (local.startswith(_LOOPBACK) and peer.startswith(_LOOPBACK)):
            bad.append(line)
    return bad, seen
