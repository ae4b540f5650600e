from __future__ import annotations

from mdrun.cli import main

raise SystemExit(main())
