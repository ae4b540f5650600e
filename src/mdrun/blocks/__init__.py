"""Blocks: the fenced code of an expanded `Document` becomes the runbook's ordered, named `Block`s."""
