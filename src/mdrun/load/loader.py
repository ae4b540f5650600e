"""Runbook file → `Document`: frontmatter, `imports:`, then the body's `--8<--` includes.

This and `mdrun.load.sources` are the only modules that read runbook files.
"""

from __future__ import annotations

import os
import sys

from mdrun.errors import IncludeError, UsageError
from mdrun.load.files import LOCAL, Files, is_directory
from mdrun.load.frontmatter import NONE, Frontmatter, Import, split_frontmatter
from mdrun.load.guidebooks import find_guidebook
from mdrun.load.includes import IMPORT_LINE, Expander
from mdrun.load.origins import Origins
from mdrun.load.sources import STDIN, Source, decode, display_path
from mdrun.load.urls import fetch, join
from mdrun.model import (
    Document,
    ImportSite,
    LoadOptions,
    Origin,
    RepeatedImport,
    SourceLocation,
    UnfetchedImport,
)


def load_document(path: str, options: LoadOptions, files: Files = LOCAL) -> Document:
    """Read the runbook at `path` and resolve its imports and includes, every file read from
    `files` (the working tree unless told otherwise)."""
    if is_directory(files, os.path.abspath(path)):
        raise UsageError(f"{path} is a directory, not a runbook")
    expander = Expander(path, options, files)
    loader = _Loader(expander, options)
    try:
        head = loader.load(path, ())
    finally:
        # The expander's hooks are the loader's methods, and the loader holds the expander: a
        # reference cycle, which would keep every file read alive until the garbage collector's
        # next full pass (and make that pass free them all: ~130 ms for 10000 files).
        expander.on_frontmatter = expander.on_import = None
    if not expander.lines:
        # Everything expanded to nothing: "" is still one (empty) line, and it needs an origin.
        expander.runs.add((), display_path(path, expander.roots.cwd), (1,))
    return Document(
        path=path,
        text="\n".join(expander.lines),
        origins=Origins(expander.runs),
        frontmatter=head.data,
        imports=loader.sites,
        unfetched=tuple(loader.unfetched),
        repeats=tuple(loader.repeats),
        codeblocks=head.codeblocks,
        validate=head.validate,
    )


def _read(files: Files, path: str, shown: str, chain: Origin, empty_ok: bool = False) -> str:
    where = chain[-1] if chain else None
    try:
        if path == STDIN and not chain:
            data = sys.stdin.buffer.read()  # `mdrun plan -`: includes resolve from here
        else:
            data = files.read(os.path.abspath(path))
    except IsADirectoryError:
        raise IncludeError(f"{shown} is a directory, not a runbook", where, chain[:-1]) from None
    except OSError as exc:
        raise UsageError(f"cannot read {shown}: {exc.strerror}", where, chain[:-1]) from None
    if not data and not empty_ok:
        raise UsageError("empty runbook", SourceLocation(shown, 1), chain)
    return decode(data, shown, chain)


class _Loader:
    """One runbook's imports: which guidebooks were imported (once per `group`), and where."""

    def __init__(self, expander: Expander, options: LoadOptions) -> None:
        self.expander = expander
        self.stores = [os.path.abspath(s) for s in options.stores]
        self.done: set[tuple[str, str | None]] = set()
        self.sites: dict[SourceLocation, ImportSite] = {}
        self.unfetched: list[UnfetchedImport] = []
        self.hoisted: set[SourceLocation] = set()
        self.expanded: dict[tuple[str, str | None], tuple[int, int]] = {}
        """The lines each import at the margin took, by (real path, group)."""
        self.repeats: list[RepeatedImport] = []
        expander.on_frontmatter = self.included_frontmatter
        expander.on_import = self.inline_import

    def load(self, path: str, chain: Origin, prefix: str = "") -> Frontmatter:
        """Append the runbook at `path` (imports first) to the expander's output."""
        shown = display_path(path, self.expander.roots.cwd)
        files = self.expander.roots.files
        lines = _read(files, path, shown, chain).split("\n")
        head = split_frontmatter(lines, shown) if lines[0].startswith("---") else NONE
        key = files.realpath(os.path.abspath(path))
        head = self._hoist(head, lines, shown)
        self._imports(head, key, path, shown, chain, prefix)
        body = Source(key, shown, lines[head.body_start :])
        self.expander.expand(body, path, chain, head.body_start + 1, prefix)
        return head

    def included_frontmatter(self, source: Source, path: str, chain: Origin, prefix: str) -> int:
        """A `--8<--` included guidebook's frontmatter: its imports are expanded where it is
        included, its text is not pasted (pymdownx would paste it)."""
        head = split_frontmatter(source.lines, source.shown)
        self._imports(head, source.key, path, source.shown, chain, prefix, entered=True)
        return head.body_start

    def inline_import(self, spec: str, including: str, chain: Origin, prefix: str) -> None:
        """madwizard's `:import{guidebook}` line inside a tab or a list: the guidebook is
        imported where it stands (a line at the margin was imported with the frontmatter's)."""
        if chain[-1] not in self.hoisted:
            self._import(Import(spec, chain[-1].line), including, chain, prefix)

    def _hoist(self, head: Frontmatter, lines: list[str], shown: str) -> Frontmatter:
        """`head` with the guidebook's `:import{}` lines at the margin added to its imports.
        Such a line is a prerequisite of the whole guidebook wherever it is written, as in
        madwizard: the store's aws/auth.md ends with the import that writes the credentials
        file its blocks read."""
        found = [
            Import(m["spec"].strip(), n + 1)
            for n in range(head.body_start, len(lines))
            if lines[n].startswith(":import{") and (m := IMPORT_LINE.match(lines[n]))
        ]
        if not found:
            return head
        self.hoisted.update(SourceLocation(shown, entry.line) for entry in found)
        return head._replace(imports=(*head.imports, *found))

    def _imports(
        self,
        head: Frontmatter,
        key: str,
        path: str,
        shown: str,
        chain: Origin,
        prefix: str,
        entered: bool = False,
    ) -> None:
        if not head.imports:
            return
        if not entered:
            self.expander.enter(key, chain)
        try:
            for entry in head.imports:
                self._import(entry, path, (*chain, SourceLocation(shown, entry.line)), prefix)
        finally:
            if not entered:
                self.expander.active.pop()

    def _import(self, entry: Import, including: str, chain: Origin, prefix: str) -> None:
        roots = self.expander.roots
        spec = entry.spec
        if including.startswith("https://") and "://" not in spec:
            if not spec.startswith(("./", "../")):
                raise IncludeError(
                    f"a guidebook fetched from a URL may import only URLs or ./ names: {spec}",
                    chain[-1],
                    chain[:-1],
                )
            spec = join(including, spec)
        if "://" in spec:
            self._url_import(entry._replace(spec=spec), chain, prefix)
            return
        beside = not self.stores or entry.spec.startswith(("./", "../"))
        found = find_guidebook(roots, entry.spec, including, chain[-1], chain[:-1], beside).path
        key = (roots.files.realpath(found), entry.group)
        start = len(self.expander.lines)
        if self._again(key, prefix):
            if key in self.expanded:
                self.repeats.append(RepeatedImport(start, self.expanded[key]))
            return
        self._env_fence(entry, "export", chain, prefix)
        if found.endswith(".sh"):
            _shell_block(self.expander, found, chain, prefix)
        else:
            head = self.load(found, chain, prefix)
            name = self._name(found)
            site = ImportSite(entry.spec, name, entry.group, head.codeblocks, head.validate)
            self.sites[chain[-1]] = site
            self._end_mark(name, chain, prefix)
        self._env_fence(entry, "unset", chain, prefix)
        if not prefix:
            self.expanded[key] = (start, len(self.expander.lines))

    def _end_mark(self, name: str, chain: Origin, prefix: str) -> None:
        """An HTML comment closing an imported guidebook, as madwizard's import container ends,
        so that no Markdown structure (a tab group, a list) runs on into what follows it."""
        where = chain[-1]
        mark = f"<!-- end of import {name} -->"
        self.expander.emit_lines([mark], where.path, [where.line], chain[:-1], prefix)

    def _url_import(self, entry: Import, chain: Origin, prefix: str) -> None:
        """An https guidebook (GitHub `blob` pages as their raw text), with `--allow-url`."""
        options = self.expander.options
        if not options.allow_url:
            if not options.leave_urls:
                raise IncludeError(
                    f"URL imports need --allow-url: {entry.spec}", chain[-1], chain[:-1]
                )
            if self._again((entry.spec, entry.group), prefix):
                return
            line = len(self.expander.lines)
            self.unfetched.append(UnfetchedImport(entry.spec, entry.group, chain, line))
            return
        url = _raw_github(entry.spec)
        if not url.startswith("https://"):
            raise IncludeError(f"{url}: only https:// URLs can be imported", chain[-1], chain[:-1])
        if self._again((url, entry.group), prefix):
            return
        source = fetch(url, self.expander.options, chain[-1], chain[:-1])
        lines = source.lines
        head = split_frontmatter(lines, url) if lines and lines[0].startswith("---") else NONE
        self._env_fence(entry, "export", chain, prefix)
        self._imports(head, url, url, url, chain, prefix)
        body = source._replace(lines=lines[head.body_start :])
        self.expander.expand(body, None, chain, head.body_start + 1, prefix)
        self.sites[chain[-1]] = ImportSite(
            entry.spec, url, entry.group, head.codeblocks, head.validate
        )
        self._end_mark(url, chain, prefix)
        self._env_fence(entry, "unset", chain, prefix)

    def _again(self, key: tuple[str, str | None], prefix: str) -> bool:
        """Whether this import (file, group) was already expanded, and so is left out.

        madwizard runs a guidebook once per group. Outside every container that is decided
        here; an import indented into one (a choice's tab) is kept wherever it stands, as
        madwizard's parse keeps it: which tab runs is not known yet, and each must have it.
        """
        if prefix:
            return False
        if key in self.done:
            return True
        self.done.add(key)
        return False

    def _name(self, path: str) -> str:
        """madwizard's name for a guidebook: below the store root, without `.md`/`/index.md`."""
        full = os.path.abspath(path)
        for store in self.stores:
            if full.startswith(store + os.sep):
                full = full[len(store) + 1 :]
                break
        else:
            full = display_path(full, self.expander.roots.cwd)
        name = full.removesuffix(".md")
        return name.removesuffix("/index")

    def _env_fence(self, entry: Import, verb: str, chain: Origin, prefix: str) -> None:
        """An import's `env:` as a shell fence before (`export`) or after (`unset`) it."""
        if not entry.env:
            return
        if verb == "export":
            body = [f'export {k}="{_escaped(v)}"' for k, v in entry.env]
        else:
            body = [f"unset {k}" for k, _ in entry.env]
        lines = ["```shell", *body, "```"]
        where = chain[-1]
        self.expander.emit_lines(lines, where.path, [where.line] * len(lines), chain[:-1], prefix)


def _raw_github(url: str) -> str:
    """`https://github.com/O/R/blob/REF/PATH` → its raw text's URL, as madwizard reads it."""
    head = "https://github.com/"
    parts = url[len(head) :].split("/", 4) if url.startswith(head) else []
    if len(parts) == 5 and parts[2] == "blob":
        owner, repo, _, ref, path = parts
        return f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/{path}"
    return url


def _escaped(value: str) -> str:
    # Inside double quotes `$` still expands (madwizard relies on it); quotes and backslashes
    # must not end the string.
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _shell_block(expander: Expander, path: str, chain: Origin, prefix: str) -> None:
    """An imported script becomes one ```shell fence whose lines point at the script."""
    shown = display_path(path, expander.roots.cwd)
    files = expander.roots.files
    expander.enter(files.realpath(path), chain)
    expander.active.pop()
    lines = _read(files, path, shown, chain, empty_ok=True).split("\n")
    if lines[-1] == "":
        lines.pop()
    # A fence longer than any backtick run in the script, so the script cannot close it.
    longest = max((len(ln) - len(ln.lstrip("`")) for ln in lines), default=0)
    fence = "`" * max(3, longest + 1)
    text = [f"{fence}shell", *lines, fence]
    # The fences point at the script's first and last lines.
    numbers = [1, *range(1, len(lines) + 1), max(len(lines), 1)]
    expander.emit_lines(text, shown, numbers, chain, prefix)
