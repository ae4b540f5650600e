"""The Jinja2 environment of the `markdown` and `sh` renders, over render/templates/*.j2."""

from __future__ import annotations

import functools

import jinja2


@functools.lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The environment for templates/*.j2, built once per process.

    Autoescape is off: the outputs are Markdown and bash, not HTML. Each template makes its own
    insertions safe (longer fences, shlex quoting)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mdrun.render", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
