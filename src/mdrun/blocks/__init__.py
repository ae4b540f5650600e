"""Blocks: the shell fences of an expanded `Document` become the runbook's ordered, named
`Block`s.

`extract.load_runbook` (load, then extract) is the entry point; `fences` finds fenced code with
markdown-it, `attributes` reads each fence's info string into `BlockOptions`.
"""
