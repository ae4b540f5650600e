"""Import bashlex without rebuilding its parse tables every time.

bashlex 0.18 ships a trimmed copy of PLY whose `yacc()` always recomputes the LALR tables from
the grammar (about 200 ms here, more than the rest of `mdrun plan` together). The tables depend
only on the grammar, so they are kept in the user's cache directory, keyed by a hash of the
grammar's productions, and loaded with `marshal` (plain dicts of ints and strings; no code).
Any problem with the cache falls back to bashlex's own computation.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import marshal
import os
import sys
from types import ModuleType
from typing import Any

from mdrun import usercache


def _key(grammar: Any) -> str:
    text = "\n".join(str(p) for p in grammar.Productions)
    return hashlib.sha256(f"{sys.version_info[:2]}\n{text}".encode()).hexdigest()[:20]


def _load(path: str) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    data = usercache.read(path)
    try:
        action, goto = marshal.loads(data) if data is not None else (None, None)
    except (ValueError, EOFError, TypeError):
        return None
    return (action, goto) if isinstance(action, dict) and isinstance(goto, dict) else None


def _import_yacc_alone() -> Any:
    """`bashlex.yacc` without running `bashlex/__init__.py`, which builds the parser at once."""
    spec = importlib.util.find_spec("bashlex")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bashlex is not installed")
    stub = ModuleType("bashlex")
    stub.__path__ = list(spec.submodule_search_locations)
    sys.modules["bashlex"] = stub
    try:
        return importlib.import_module("bashlex.yacc")
    finally:
        del sys.modules["bashlex"]


def import_bashlex() -> ModuleType:
    """`import bashlex`, with its LALR tables taken from (or saved to) the cache."""
    if "bashlex" in sys.modules:
        return sys.modules["bashlex"]
    yacc = _import_yacc_alone()
    original = yacc.LRTable

    def cached_table(grammar: Any, log: Any = None) -> Any:
        folder = usercache.directory()
        path = os.path.join(folder, f"bashlex-{_key(grammar)}.marshal") if folder else None
        tables = _load(path) if path else None
        if tables is None:
            table = original(grammar, log)
            if path:
                usercache.write(path, marshal.dumps((table.lr_action, table.lr_goto)))
            return table
        # What LRTable.__init__ leaves behind for LRParser and yacc().
        table = original.__new__(original)
        table.grammar, table.log = grammar, log
        table.lr_action, table.lr_goto = tables
        table.lr_productions = grammar.Productions
        table.sr_conflicts, table.rr_conflicts = [], []
        return table

    yacc.LRTable = cached_table
    try:
        import bashlex
    finally:
        yacc.LRTable = original
    module: ModuleType = bashlex
    return module
