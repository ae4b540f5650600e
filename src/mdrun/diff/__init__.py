"""`mdrun diff`: what a change does to what runs, a stage after planning.

Each runbook is planned twice with the same environment: as it is in the working tree, and as
it was at a base revision, with every include and import read from that revision's git tree
(`gittree.GitTree`, a `mdrun.load.files.Files`). `compare` turns the two plans into a
`changes.RunbookDiff`; `report` and `markdown` draw it. Nothing from a runbook is executed.
"""
