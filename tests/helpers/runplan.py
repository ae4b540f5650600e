"""Run a hand-built plan in a fresh process: `python -m tests.helpers.runplan SPEC.json`.

SPEC: {"blocks": [[name, body, {options}], ...], "options": {RunOptions fields}}. Used by
tests that signal or kill mdrun itself, which must not be the pytest process.
"""

from __future__ import annotations

import json
import sys

from mdrun.run.supervisor import RunOptions, run_plan
from tests.helpers.plans import plan


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    blocks = [tuple(b) for b in spec["blocks"]]
    return run_plan(plan(*blocks), RunOptions(**spec.get("options", {})))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
