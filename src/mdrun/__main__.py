"""`python -m mdrun`: the same as the `mdrun` command."""

from __future__ import annotations

from mdrun.cli import main

raise SystemExit(main())
