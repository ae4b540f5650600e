"""Shell and Python fences of an expanded document → the runbook's ordered, named `Block`s.

A fence's own frontmatter and the guidebook's `codeblocks:` rules set its options
(`mdrun.blocks.frontmatter`); the `imports:` entries it came through are kept with it.

Every block line keeps the origin of the source line it came from, so a failure or a plan entry
can point at `included.md:3` through the include chain. Names are stable and readable: the
explicit `name=`, else the block's first comment, else the nearest heading, else `block-N`.
"""

from __future__ import annotations

import re
import unicodedata

from mdrun.blocks.attributes import LANGUAGES, parse_info
from mdrun.blocks.fences import Fence, fences
from mdrun.blocks.frontmatter import apply_rules, split_head
from mdrun.blocks.script import quiet_check, with_script
from mdrun.errors import BlockError
from mdrun.load.files import LOCAL, Files
from mdrun.load.loader import load_document
from mdrun.model import (
    Block,
    Document,
    GuidebookCheck,
    ImportSite,
    LoadOptions,
    Origin,
    Runbook,
    format_origin,
)

__all__ = ["extract_blocks", "parse_info", "slugify"]

MAX_SLUG = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """`Wait for the job!` → `wait-for-the-job`: lowercase ascii, `-` separated, ≤ 40 chars."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug.rfind("-", 0, MAX_SLUG + 1)
        slug = slug[: cut if cut > 0 else MAX_SLUG].rstrip("-")
    return slug


def _comment_name(body: str) -> str:
    """Slug of the block's first comment line (not a shebang or a shellcheck directive)."""
    for line in body.split("\n"):
        text = line.strip()
        if not text.startswith("#") or text.startswith("#!"):
            continue
        words = text.lstrip("#").strip()
        if not words.startswith("shellcheck ") and (slug := slugify(words)):
            return slug
    return ""


def _origin_at(document: Document, index: int) -> Origin:
    origins = document.origins
    return origins[index] if index < len(origins) else (origins[-1] if origins else ())


def _origins_of(document: Document, first: int, count: int) -> tuple[Origin, ...]:
    """The origins of `count` lines from `first` (past the end: the last line's)."""
    if first + count <= len(document.origins):
        return tuple(document.origins[first : first + count])
    return tuple(_origin_at(document, first + i) for i in range(count))


def _check_closed(fence: Fence, document: Document) -> None:
    """An unterminated fence, or one closed by another file's line, is an error at its start."""
    origin = _origin_at(document, fence.start)
    if not fence.closed:
        raise BlockError(
            "shell fence is never closed (it runs to the end of the document or its list item)",
            origin[-1] if origin else None,
            origin[:-1],
        )
    closing = _origin_at(document, fence.end - 1)
    if origin and closing and (origin[:-1], origin[-1].path) != (closing[:-1], closing[-1].path):
        raise BlockError(
            f"shell fence is not closed in the file that opens it (closed at {closing[-1]})",
            origin[-1],
            origin[:-1],
        )


def _raw_block(document: Document, fence: Fence, index: int) -> Block | None:
    origin = _origin_at(document, fence.start)
    parsed = parse_info(fence.info, origin)
    if parsed is None:
        return None
    _check_closed(fence, document)
    language, options = parsed
    first = fence.content_start
    block = Block(
        index=index,
        name=options.name or "",
        language=language,
        body=fence.content,
        options=options,
        origin=origin,
        line_origins=_origins_of(document, first, fence.line_count),
        heading=fence.heading,
    )
    sites = _sites(document, origin)
    rules = sites[-1].codeblocks if sites else document.codeblocks
    checks = _guidebook_checks(document, origin)
    block = split_head(block)._replace(imports=sites, guidebook_checks=checks)
    block = apply_rules(block, rules, fence.content) if rules else block
    return with_script(block)


def line_imports(document: Document, line: int) -> tuple[ImportSite, ...]:
    """The `imports:` entries the document's 0-based `line` came through, outermost first."""
    origins = document.origins
    return _sites(document, origins[line]) if 0 <= line < len(origins) else ()


def _sites(document: Document, origin: Origin) -> tuple[ImportSite, ...]:
    """The `imports:` entries the fence came through, outermost first."""
    if not document.imports:
        return ()
    return tuple(site for loc in origin[:-1] if (site := document.imports.get(loc)) is not None)


def _guidebook_checks(document: Document, origin: Origin) -> tuple[GuidebookCheck, ...]:
    """The `validate:` of the runbook and of each import the fence came through, outermost
    first, each with the import it belongs to (its origin chain down to the `imports:` line)."""
    checks = []
    if document.validate:
        checks.append(_check(document.validate, document.path, ()))
    for depth, loc in enumerate(origin[:-1]):
        site = document.imports.get(loc)
        if site is not None and site.validate:
            checks.append(_check(site.validate, site.name, origin[: depth + 1]))
    return tuple(checks)


def _check(command: str, guidebook: str, site: Origin) -> GuidebookCheck:
    return GuidebookCheck(command, guidebook, site, quiet_check(command))


def _unique_names(blocks: list[Block]) -> tuple[Block, ...]:
    """Explicit names must be unique; derived ones get `-2`, `-3`... in document order."""
    taken: dict[str, Block] = {}
    for block in blocks:
        if block.options.name is None:
            continue
        if (other := taken.get(block.name)) is not None:
            where = other.origin[-1] if other.origin else "?"
            raise BlockError(
                f"block name {block.name!r} is already used by the block at {where}",
                block.origin[-1] if block.origin else None,
                block.origin[:-1],
            )
        taken[block.name] = block
    named: list[Block] = []
    # Where the search for a free `base-N` stopped last time: blocks under one heading share a
    # base, and counting up from 1 for each was quadratic (10,000 blocks: ~20 s).
    next_n: dict[str, int] = {}
    for block in blocks:
        if block.options.name is None:
            base = _derived_name(block)
            name, n = base, next_n.get(base, 1)
            if n > 1:
                name = f"{base}-{n}"
            while name in taken:
                n += 1
                name = f"{base}-{n}"
            next_n[base] = n
            block = block._replace(name=name)
            taken[name] = block
        named.append(block)
    return tuple(named)


def _derived_name(block: Block) -> str:
    return _comment_name(block.body) or slugify(block.heading or "") or f"block-{block.index}"


def extract_blocks(document: Document, dedented: str | None = None) -> Runbook:
    """The document's shell fences as named blocks with per-line origins, in document order;
    `dedented` is its text with tab and admonition bodies dedented, when the caller has it.

    Raises `BlockError` (at the fence's file:line) for bad attributes, unterminated shell
    fences and duplicate explicit names.
    """
    blocks: list[Block] = []
    for fence in fences(_dedented(document.text) if dedented is None else dedented):
        block = _raw_block(document, fence, len(blocks) + 1)
        if block is not None:
            blocks.append(block)
    return Runbook(path=document.path, document=document, blocks=_unique_names(blocks))


def _dedented(text: str) -> str:
    """The text with tab and admonition bodies dedented in place (same lines), so that their
    fences are fences and not indented code; `mdrun.choices.wire` says which tab each is in."""
    if "===" not in text and "!!!" not in text and "???" not in text:
        return text
    from mdrun.blocks.tabs import containers

    return containers(text).text


def load_runbook(path: str, options: LoadOptions, files: Files = LOCAL) -> Runbook:
    """`load.loader.load_document` (reading from `files`), then the shell blocks of the
    expanded text."""
    return extract_blocks(load_document(path, options, files))


def nothing_to_run(runbook: Runbook) -> BlockError:
    """The error for a runbook without shell blocks, naming fences that look like shell but are
    not run (```` ```Bash ````: the language is matched exactly, in lower case)."""
    near = [
        f"```{f.info.split()[0]} at {format_origin(_origin_at(runbook.document, f.start))}"
        for f in fences(runbook.document.text)
        if f.info and f.info.split()[0].split(".")[0].lower() in LANGUAGES
    ]
    hint = f"; not run: {', '.join(near)}" if near else ""
    return BlockError(
        f"{runbook.path}: no shell blocks to run (fences are ```shell, ```sh or ```bash{hint})"
    )
