"""The cached bashlex tables parse exactly as bashlex's own freshly built ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys
from mdrun.bashlexcache import import_bashlex
bashlex = import_bashlex()
src = '''if [ -n "$X" ] && [ "$Y" = a ]; then echo "$(date)" | tee -a f; elif test -z "${Z:-d}"; then
  while true; do curl -s "$U" || break; sleep 1; done
else export A=1 B=$(cat f); fi
for i in 1 2; do echo $i; done > out 2>&1 &
'''
print("\n".join(n.dump() for n in bashlex.parse(src)))
"""


def _dump(cache: Path) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


def test_cached_tables_parse_like_fresh_ones(tmp_path: Path) -> None:
    fresh = _dump(tmp_path)  # builds the tables and stores them
    stored = list((tmp_path / "mdrun").glob("bashlex-*.marshal"))
    assert len(stored) == 1
    assert _dump(tmp_path) == fresh  # loads them
    assert "IfNode" in fresh


def test_corrupt_cache_falls_back(tmp_path: Path) -> None:
    fresh = _dump(tmp_path)
    (stored,) = (tmp_path / "mdrun").glob("bashlex-*.marshal")
    stored.write_bytes(b"not marshal data")
    assert _dump(tmp_path) == fresh


def test_unwritable_cache_still_parses(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the cache directory should be
    assert _dump(blocker) == _dump(tmp_path)
