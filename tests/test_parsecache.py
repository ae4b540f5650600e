"""Parses kept between runs give the same plans as parsing afresh, and bad entries are misses."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mdrun import parsecache
from mdrun.bashlexcache import import_bashlex
from mdrun.shellast import mask_arithmetic, mask_conditionals
from mdrun.usercache import TextCache, stamp

ROOT = Path(__file__).resolve().parent.parent
SEEDLIKE = ROOT / "tests" / "fixtures" / "seedlike" / "stream-logs.md"
RUNBOOKS = [SEEDLIKE, ROOT / "runbooks" / "stream-logs.md", ROOT / "runbooks" / "demo-local-ray.md"]
TRICKY = [
    'if [ -n "$X" ]; then echo "$(date +%s)" | tee -a f; elif test -z "${Z:-d}"; then :; fi',
    "f() { local a=1; echo $a; }; f 2>&1 >/dev/null &",
    "cat <<EOF > out\n$HOME `whoami`\nEOF\nwhile true; do curl -s $U || break; sleep 1; done",
    'export A="$(echo "$(echo nested)")" B=${C-x}; unset D; [[ $A == x* ]] && echo y',
    "for i in 1 2; do echo $i; done | sort -r; ( cd /tmp && ls ) || exit 3",
]


def _bodies() -> list[str]:
    texts = [p.read_text() for p in ROOT.glob("**/*.md") if ".venv" not in p.parts]
    found = [
        m.group(1)
        for t in texts
        for m in re.finditer(r"```(?:sh|bash|shell)[^\n]*\n(.*?)```", t, re.DOTALL)
    ]
    return sorted(set(found)) + TRICKY


def _shape(nodes: Any) -> list[object]:
    """Every node's repr and, for a node met again, which earlier node it is."""
    seen: dict[int, int] = {}
    out: list[object] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif hasattr(value, "kind"):
            if id(value) in seen:
                out.append(("again", seen[id(value)]))
                return
            seen[id(value)] = len(seen)
            out.append(repr(value))
            for name in sorted(vars(value)):
                walk(getattr(value, name))

    walk(nodes)
    return out


def test_kept_trees_read_back_as_bashlex_made_them() -> None:
    bashlex = import_bashlex()
    bodies = _bodies()
    assert len(bodies) > 20
    for body in bodies:
        masked, _ = mask_conditionals(mask_arithmetic(body))
        try:
            nodes = bashlex.parse(masked)
        except Exception:  # noqa: BLE001, S112 - bodies bashlex rejects are kept as messages
            continue
        back = parsecache.decode(marshal.loads(marshal.dumps(parsecache.encode(nodes))))
        assert _shape(back) == _shape(nodes), body


def test_encode_refuses_what_it_cannot_keep() -> None:
    class Odd:
        def __init__(self) -> None:
            self.kind = "word"
            self.value = 1.5

    with pytest.raises(TypeError):
        parsecache.encode([Odd()])
    with pytest.raises(TypeError):
        parsecache.decode([{"kind": "word", "pos": (0, "x")}])
    with pytest.raises(TypeError):
        parsecache.decode([{"pos": (0, 1)}])


def _mdrun(
    args: list[str], cache: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *extra, "-m", "mdrun", *args],
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def _plan_json(runbook: Path, cache: Path, **env: str) -> dict[str, Any]:
    proc = _mdrun(["plan", "--format", "json", "-e", "NUM_GPUS=2", str(runbook)], cache, **env)
    assert proc.returncode == 0, proc.stderr
    plan: dict[str, Any] = json.loads(proc.stdout)
    for name in ("MDRUN_PARSE_CACHE", "XDG_CACHE_HOME"):
        plan["environment"].pop(name, None)
    return plan


def _parsers_imported(args: list[str], cache: Path) -> set[str]:
    proc = _mdrun(args, cache, "-X", "importtime")
    assert proc.returncode in (0, 1), proc.stderr
    names = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    return {name for name in ("bashlex", "markdown_it") if name in names}


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_plans_are_the_same_cold_warm_and_uncached(runbook: Path, tmp_path: Path) -> None:
    uncached = _plan_json(runbook, tmp_path, MDRUN_PARSE_CACHE="off")
    assert not (tmp_path / "mdrun" / "shell-1").exists()
    assert _plan_json(runbook, tmp_path) == uncached  # fills the cache
    assert len(list((tmp_path / "mdrun" / "shell-1").iterdir())) > 1
    assert _plan_json(runbook, tmp_path) == uncached  # reads it


@pytest.mark.parametrize("command", ["list", "plan", "check"])
def test_an_unchanged_runbook_needs_neither_parser(command: str, tmp_path: Path) -> None:
    args = [command, str(SEEDLIKE)]
    assert "markdown_it" in _parsers_imported(args, tmp_path)
    assert _parsers_imported(args, tmp_path) == set()


def test_damaged_or_colliding_entries_are_misses(tmp_path: Path) -> None:
    expected = _plan_json(SEEDLIKE, tmp_path)
    entries = sorted((tmp_path / "mdrun" / "shell-1").iterdir())
    assert len(entries) >= 4
    good = entries[0].read_bytes()
    entries[0].write_bytes(b"\x00garbage")
    entries[1].write_bytes(good[: len(good) // 2])
    entries[2].write_bytes(good)  # another text's entry under this text's name
    stamp_, text, _tree = marshal.loads(entries[3].read_bytes())
    entries[3].write_bytes(marshal.dumps((stamp_, text, [{"kind": 3}])))
    (markdown,) = (tmp_path / "mdrun" / "markdown-1").iterdir()
    md_stamp, md_text, _fences = marshal.loads(markdown.read_bytes())
    markdown.write_bytes(marshal.dumps((md_stamp, md_text, [("a",)])))
    assert _plan_json(SEEDLIKE, tmp_path) == expected
    assert entries[0].read_bytes() != b"\x00garbage"  # parsed again and kept again
    assert _parsers_imported(["plan", str(SEEDLIKE)], tmp_path) == set()


def test_bashlex_failures_are_kept_as_messages(tmp_path: Path) -> None:
    runbook = tmp_path / "rb.md"
    runbook.write_text("```bash\nif then fi\n```\n\n```bash\necho ok\n```\n")
    cache = tmp_path / "cache"
    first = _mdrun(["plan", str(runbook)], cache)
    assert first.returncode == 0, first.stderr
    again = _mdrun(["plan", str(runbook)], cache)
    assert again.stdout == first.stdout and "if then fi" in again.stdout
    assert _parsers_imported(["plan", str(runbook)], cache) == set()


def test_a_cache_others_can_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "mdrun" / "shell-1"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    expected = _plan_json(SEEDLIKE, tmp_path, MDRUN_PARSE_CACHE="off")
    assert _plan_json(SEEDLIKE, tmp_path) == expected
    assert list(shared.iterdir()) == []


def _fill(folder: Path, count: int, size: int = 10) -> TextCache:
    """`count` entries, entry i last used at second i."""
    cache = TextCache(str(folder), "stamp", max_entries=8, max_bytes=10_000)
    cache.trimmed = True  # filling: no trim yet
    for i in range(count):
        cache.put(f"text {i}", "x" * size)
        os.utime(cache.path(f"text {i}"), ns=(i * 10**9, i * 10**9))
    return cache


def _kept(folder: Path) -> set[str]:
    return {marshal.loads(p.read_bytes())[1] for p in folder.iterdir()}


def test_trimming_drops_the_least_recently_used(tmp_path: Path) -> None:
    cache = _fill(tmp_path, 20)
    assert cache.get("text 3") is not None  # used now: the newest
    later = TextCache(str(tmp_path), "stamp", max_entries=8, max_bytes=10_000)
    later.put("new", "y")
    assert _kept(tmp_path) == {"text 3", *(f"text {i}" for i in range(15, 20)), "new"}
    later.put("newer", "z")  # one trim per process
    assert len(_kept(tmp_path)) == 8


def test_trimming_keeps_the_bytes_down(tmp_path: Path) -> None:
    _fill(tmp_path, 6, size=3000)  # 6 entries, ~18 kB: over 10 kB
    TextCache(str(tmp_path), "stamp", max_entries=8, max_bytes=10_000).put("new", "y")
    assert _kept(tmp_path) == {"text 4", "text 5", "new"}  # the newest that fit in 7.5 kB


def test_trimming_removes_half_written_entries_of_dead_processes(tmp_path: Path) -> None:
    _fill(tmp_path, 9)
    stale, fresh = tmp_path / ".abc.123.tmp", tmp_path / ".def.456.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    os.utime(stale, ns=(0, 0))
    TextCache(str(tmp_path), "stamp", max_entries=8, max_bytes=10_000).put("new", "y")
    assert not stale.exists() and fresh.exists()


def test_entries_belong_to_one_library_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lib" / "fakeparser"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    before = stamp("fakeparser", ("__init__.py",))
    assert before is not None
    folder = str(tmp_path / "c")
    os.mkdir(folder)
    TextCache(folder, before).put("text", "parsed by 1")
    (package / "__init__.py").write_text("VERSION = 22\n")
    after = stamp("fakeparser", ("__init__.py",))
    assert after != before
    assert TextCache(folder, after).get("text") is None
    assert TextCache(folder, before).get("text") == "parsed by 1"
    assert stamp("no_such_package_here", ("__init__.py",)) is None


def test_oversized_values_are_not_kept(tmp_path: Path) -> None:
    cache = TextCache(str(tmp_path), "stamp")
    cache.put("big", "x" * (2 << 20))
    cache.put("small", "x")
    assert [str(p) for p in tmp_path.iterdir()] == [cache.path("small")]


def test_an_unusable_cache_directory_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the cache directory should be
    expected = _plan_json(SEEDLIKE, tmp_path / "fresh")
    assert _plan_json(SEEDLIKE, blocker) == expected
