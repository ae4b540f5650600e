"""`--8<--` expansion with line provenance, compatible with pymdownx.snippets 13.x.

Where pymdownx succeeds (`check_paths: true`, the same base paths), the expanded text is the
same byte for byte. Where it would skip or guess, mdrun stops with an `IncludeError` naming the
marker and the include chain: missing files and sections, cycles, paths that leave the allowed
roots, URLs without `--allow-url`.

The expansion is one pass per file: lines without `8<` are copied in bulk, each file is read
once per expansion, and the indent of nested markers is accumulated instead of re-applied at
each level, so the cost is linear in the size of the output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from mdrun.errors import IncludeError, OutsideRootError
from mdrun.load.files import LOCAL, Files, is_directory
from mdrun.load.guidebooks import alternatives, find_guidebook
from mdrun.load.markers import (
    MARKER,
    SECTION,
    Target,
    TargetError,
    parse_target,
    select_ranges,
    select_section,
)
from mdrun.load.origins import Origins, Runs
from mdrun.load.roots import Found, Roots, make_source, read_source
from mdrun.load.sources import Source, display_path
from mdrun.load.urls import fetch
from mdrun.model import LoadOptions, Origin, SourceLocation

MAX_DEPTH = 64
"""Includes nested deeper than this are an error (pymdownx gives up silently near the
recursion limit)."""

TAB_LENGTH = 4
"""Tabs in a marker's indent count to this width, as in Python-Markdown."""


class Expander:
    """One expansion: base paths, the file cache and the chain of files being expanded."""

    def __init__(self, runbook: str, options: LoadOptions, files: Files = LOCAL) -> None:
        self.options = options
        self.roots = Roots(runbook, options, files)
        self.active: list[str] = []
        """Keys (real paths or URLs) of the files being expanded, outermost first."""
        self._files: dict[str, Source] = {}
        self.lines: list[str] = []
        self.runs = Runs()
        """The origins of `lines`, as `mdrun.load.origins.Origins` runs."""
        self.on_import: ImportHook | None = None
        """Called for madwizard's inline `:import{guidebook}` line, which imports it there."""
        self.on_frontmatter: FrontmatterHook | None = None
        """Called for a whole included `.md` file that opens with `---`: it handles the
        frontmatter (expanding its imports) and returns how many lines it took, 0 for none."""

    def expand(
        self,
        source: Source,
        path: str | None,
        chain: Origin = (),
        first_line: int = 1,
        prefix: str = "",
    ) -> None:
        """Append the expansion of `source` (read from `path`) to `lines` and `runs`.

        `chain` is prefixed to every origin; `first_line` numbers the source's first line
        (a runbook body starts after its frontmatter); `prefix` indents every line.
        """
        numbers = range(first_line, first_line + len(source.lines))
        self.enter(source.key, chain)
        try:
            self._expand(source.lines, numbers, _Context(source, path, chain, prefix, False))
        finally:
            self.active.pop()

    def emit_lines(
        self, lines: list[str], shown: str, numbers: Sequence[int], ctx_chain: Origin, prefix: str
    ) -> None:
        """Append generated lines (an import's `export` fences) pointing at `shown`'s lines."""
        self._plain(lines, numbers, prefix, ctx_chain, shown)

    def enter(self, key: str, chain: Origin) -> None:
        """Mark the file `key` as being expanded; a cycle or too deep a chain is an error.

        `chain` ends with the marker (or import) that pulls the file in. The caller pops
        `active` when done.
        """
        if key in self.active:
            start = self.active.index(key)
            loop = [*self.active[start:], key]
            shown = " -> ".join(display_path(k, self.roots.cwd) for k in loop)
            raise IncludeError(f"include cycle: {shown}", chain[-1] if chain else None, chain[:-1])
        if len(self.active) >= MAX_DEPTH:
            raise IncludeError(
                f"includes nested deeper than {MAX_DEPTH}", chain[-1] if chain else None, chain[:-1]
            )
        self.active.append(key)

    def _expand(self, lines: list[str], numbers: Sequence[int], ctx: _Context) -> None:
        hits = (
            [i for i, line in enumerate(lines) if "8<" in line or ":import{" in line]
            if ctx.source.marked
            else []
        )
        if not hits:
            self._plain(lines, numbers, ctx.prefix, ctx.chain, ctx.source.shown)  # copy it whole
            return
        block = False
        pos = 0
        hits.append(len(lines))
        for hit in hits:
            if block:
                for i in range(pos, hit):
                    self._path_line(lines[i], numbers[i], ctx)
            elif pos < hit:
                self._plain(
                    lines[pos:hit], numbers[pos:hit], ctx.prefix, ctx.chain, ctx.source.shown
                )
            if hit == len(lines):
                break
            block = self._marker_line(lines[hit], numbers[hit], ctx, block)
            pos = hit + 1

    def _plain(
        self, lines: list[str], numbers: Sequence[int], prefix: str, chain: Origin, shown: str
    ) -> None:
        # map() over a bound C method keeps the per-line work out of the interpreter loop;
        # the origins of the whole slice are one run.
        self.lines += map(prefix.__add__, lines) if prefix else lines
        self.runs.add(chain, shown, numbers)

    def _emit(self, line: str, number: int, ctx: _Context) -> None:
        self.lines.append(ctx.prefix + line)
        self.runs.add(ctx.chain, ctx.source.shown, range(number, number + 1))

    def _marker_line(self, line: str, number: int, ctx: _Context, block: bool) -> bool:
        """Handle a line containing `8<`; return whether a block is open after it."""
        m = MARKER.match(line)
        if m is not None:
            if m["escape"]:
                self._emit(line.replace(";", "", 1), number, ctx)
            elif m["block"] is not None:
                return not block
            elif not block:  # pymdownx ignores inline markers inside a block
                self._include(m["quoted"][1:-1].strip(), m["space"], number, ctx)
            return block
        if block:
            self._path_line(line, number, ctx)
            return block
        if self.on_import is not None and (i := IMPORT_LINE.match(line)) is not None:
            chain = (*ctx.chain, SourceLocation(ctx.source.shown, number))
            self.on_import(i["spec"].strip(), ctx.path or "", chain, ctx.prefix + i["space"])
            return block
        s = SECTION.search(line) if not ctx.in_section else None
        if s is None:
            self._emit(line, number, ctx)
        elif line[s.start()] == ";":
            self._emit(line[: s.start()] + line[s.start() + 1 :], number, ctx)
        return block

    def _path_line(self, line: str, number: int, ctx: _Context) -> None:
        path = line.strip()
        if not path:
            self._emit("", number, ctx)  # a blank line in a block stays a blank line
            return
        space = line[: len(line) - len(line.lstrip(" \t"))]
        self._include(path, space, number, ctx)

    def _include(self, spec: str, space: str, number: int, ctx: _Context) -> None:
        if spec.startswith(";"):
            return  # commented out
        loc = SourceLocation(ctx.source.shown, number)
        chain = (*ctx.chain, loc)
        try:
            target = parse_target(spec)
        except TargetError as exc:
            raise IncludeError(str(exc), loc, ctx.chain) from None
        if target is None:
            raise IncludeError(f"no file named in {spec!r}", loc, ctx.chain)
        is_link = "://" in target.path and target.path.lower().startswith(("https://", "http://"))
        if ctx.source.is_url and not is_link:
            return  # downloaded text may not reach local files; pymdownx skips these too
        source, path = self._source(target.path, is_link, loc, ctx)
        self.enter(source.key, chain)  # a cycle says more than a missing section in it
        try:
            prefix = ctx.prefix + space.expandtabs(TAB_LENGTH) if space else ctx.prefix
            if target.ranges or target.section is not None:
                lines, numbers = self._select(source, target, loc, ctx)
            else:
                lines, numbers = source.lines, range(1, len(source.lines) + 1)
                if self.on_frontmatter and _has_frontmatter(source, path):
                    taken = self.on_frontmatter(source, path or "", chain, prefix)
                    lines, numbers = lines[taken:], numbers[taken:]
            if source.marked:
                inner = _Context(source, path, chain, prefix, target.section is not None)
                self._expand(lines, numbers, inner)
            else:
                self._plain(lines, numbers, prefix, chain, source.shown)
        finally:
            self.active.pop()

    def _source(
        self, spec: str, is_link: bool, loc: SourceLocation, ctx: _Context
    ) -> tuple[Source, str | None]:
        if is_link:
            return self._url(spec, loc, ctx), None
        opened = self.roots.open_plain(spec)
        if opened is not None:
            found, data = opened
            source = self._files.get(found.real)
            if source is None:
                source = self._files[found.real] = make_source(found, data, loc, ctx.chain)
            return source, found.path
        found = self._find(spec, loc, ctx)
        source = self._files.get(found.real)
        if source is None:
            source = self._files[found.real] = read_source(found, loc, ctx.chain, self.roots.files)
        return source, found.path

    def _find(self, spec: str, loc: SourceLocation, ctx: _Context) -> Found:
        """pymdownx's search; then, when that names no file, the guidebook names (`.md` left
        out, a directory's `index.md`)."""
        try:
            found = self.roots.find(spec, ctx.path, loc, ctx.chain)
        except OutsideRootError:
            raise
        except IncludeError:
            if len(alternatives(spec)) == 1 and not spec.startswith("../"):
                raise
            return find_guidebook(self.roots, spec, ctx.path, loc, ctx.chain)
        files = self.roots.files
        if is_directory(files, found.path):
            index = os.path.join(found.path, "index.md")
            if files.kind(files.realpath(index)) != "file":
                raise IncludeError(
                    f"{found.shown} is a directory, not a file (and has no index.md)",
                    loc,
                    ctx.chain,
                )
            return find_guidebook(self.roots, spec, ctx.path, loc, ctx.chain)
        return found

    def _url(self, url: str, loc: SourceLocation, ctx: _Context) -> Source:
        if not url.lower().startswith("https://"):
            raise IncludeError(f"{url}: only https:// URLs can be included", loc, ctx.chain)
        if not self.options.allow_url:
            raise IncludeError(f"{url}: URL includes need --allow-url", loc, ctx.chain)
        source = self._files.get(url)
        if source is None:
            source = self._files[url] = fetch(url, self.options, loc, ctx.chain)
        return source

    def _select(
        self, source: Source, target: Target, loc: SourceLocation, ctx: _Context
    ) -> tuple[list[str], Sequence[int]]:
        """The lines (and their numbers) of a target with line ranges or a section."""
        if not source.lines:
            return [], ()
        if target.ranges or target.section is None:
            return select_ranges(source.lines, target.ranges)
        found = select_section(source.lines, target.section)
        if found is None:
            raise IncludeError(
                f"section {target.section!r} not found in {source.shown}", loc, ctx.chain
            )
        return found


IMPORT_LINE = re.compile(r"(?P<space>[ \t]*):import\{(?P<spec>.*)\}\s*$")
"""madwizard's inline import: a whole line `:import{path}`."""

ImportHook = Callable[[str, str, Origin, str], None]
"""(guidebook named, the including file, the chain ending at the line, its indent)."""

FrontmatterHook = Callable[[Source, str, Origin, str], int]
"""(included source, its path, the chain ending at its marker, its indent) → lines taken."""


def _has_frontmatter(source: Source, path: str | None) -> bool:
    # Only Markdown: a YAML or shell file may open with `---` and mean it as content.
    return (
        bool(source.lines)
        and source.lines[0].rstrip() == "---"
        and bool(path)
        and (path or "").endswith(".md")
    )


class _Context:
    """What the lines of one file being expanded share."""

    __slots__ = ("chain", "in_section", "path", "prefix", "source")

    def __init__(
        self, source: Source, path: str | None, chain: Origin, prefix: str, in_section: bool
    ) -> None:
        self.source = source
        self.path = path
        self.chain = chain
        self.prefix = prefix
        self.in_section = in_section


def expand_text(
    text: str, path: str, options: LoadOptions, *, first_line: int = 1
) -> tuple[str, Origins]:
    """Expand the `--8<--` markers in `text`, the contents of the file at `path`.

    Returns the expanded text and one origin per line of it (`text.split("\\n")`).
    """
    expander = Expander(path, options)
    key = os.path.realpath(path)
    source = Source(key, display_path(path, expander.roots.cwd), text.split("\n"))
    expander.expand(source, path, first_line=first_line)
    if not expander.lines:
        expander.runs.add((), source.shown, (first_line,))
    return "\n".join(expander.lines), Origins(expander.runs)
