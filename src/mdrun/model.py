"""The records that cross mdrun's stages: small, frozen, documented.

Parsing produces a `Document` (expanded text, one origin per line), block extraction a
`Runbook` of `Block`s, planning a `Plan`. Nothing here does I/O.

Every record is a `NamedTuple`: frozen, compared by value, one docstring per field. Change one
with `record._replace(field=value)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Literal, NamedTuple

Mode = Literal["sync", "async"]
VerdictKind = Literal["run", "skip", "unknown"]
RestartPolicy = Literal["no", "on-failure", "always"]


class SourceLocation(NamedTuple):
    """One line of one source file."""

    path: str
    """The file as shown to users: relative to the working directory when below it."""
    line: int
    """1-based line number in that file."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


Origin = tuple[SourceLocation, ...]
"""Where a line came from: the include chain, outermost (the runbook's marker) first, the
location in the file that holds the line's text last. A line written in the runbook itself has
an origin of length one."""


def format_origin(origin: Origin) -> str:
    """`inner.md:3 (via outer.md:7 < runbook.md:12)`: innermost first, as a reader looks it up."""
    if not origin:
        return "<unknown>"
    inner = str(origin[-1])
    if len(origin) == 1:
        return inner
    via = " < ".join(str(loc) for loc in reversed(origin[:-1]))
    return f"{inner} (via {via})"


class Document(NamedTuple):
    """A runbook after frontmatter, imports and `--8<--` includes are resolved."""

    path: str
    """The runbook file as given by the user."""
    text: str
    """The expanded Markdown body (frontmatter removed, imports first, includes resolved)."""
    origins: Sequence[Origin]
    """One origin per line of `text.split("\\n")` (a tuple, or `mdrun.load.origins.Origins`, which
    builds each on access)."""
    frontmatter: Mapping[str, object] = MappingProxyType({})
    """The runbook's own YAML frontmatter (empty when it has none)."""
    imports: Mapping[SourceLocation, ImportSite] = MappingProxyType({})
    """Every `imports:` entry that was expanded, by the frontmatter line it is written on: what
    a block's origin chain passes through to say which guidebooks it was imported by."""
    codeblocks: tuple[CodeBlockRule, ...] = ()
    """The runbook's own frontmatter `codeblocks:` rules (imported guidebooks carry theirs in
    `imports`)."""
    validate: str | None = None
    """The runbook's own frontmatter `validate:`: when it succeeds, the guidebook is done."""
    unfetched: tuple[UnfetchedImport, ...] = ()
    """URL imports left out because `--allow-url` was not given (`LoadOptions.leave_urls`):
    what they would add is unknown."""
    repeats: tuple[RepeatedImport, ...] = ()
    """Imports at the margin left out because the same guidebook (and group) was expanded
    before, in document order: madwizard's parse keeps each, and numbers its questions again."""


class RepeatedImport(NamedTuple):
    """An import left out as a repeat: where it stood, and the lines its first expansion took."""

    line: int
    """The 0-based line of `Document.text` where its text would have started."""
    first: tuple[int, int]
    """The lines [start, end) of `Document.text` that the first expansion of the same
    guidebook and group took (with any repeats inside it, which stand for theirs)."""


class UnfetchedImport(NamedTuple):
    """A URL import that was not fetched (no `--allow-url`): its blocks are unknown."""

    url: str
    """The guidebook's URL (a `./` name in a fetched guidebook joined to its URL)."""
    group: str | None
    """The entry's `group:`, or None."""
    origin: Origin
    """The import chain ending at the line that names the URL (frontmatter or `:import{}`)."""
    line: int
    """The 0-based line of `Document.text` where its text would have started: blocks from
    there on come after it."""


class CodeBlockRule(NamedTuple):
    """A frontmatter `codeblocks:` entry: blocks whose body matches `match` get its settings."""

    match: str
    """A Python regular expression searched for in each block's body."""
    location: SourceLocation
    """Where the rule is written."""
    language: str | None = None
    """Replaces the fence's language (`shell`, `python`...)."""
    validate: str | None = None
    """A `validate:` command for the block; `$body` means the block's own body."""
    optional: bool | None = None
    """Sets the block's `optional`."""
    undo: str | None = None
    """madwizard's `cleanup:` (a command undoing the block), recorded, never run."""


class ImportSite(NamedTuple):
    """One expanded `imports:` entry of some guidebook's frontmatter."""

    spec: str
    """The entry as written (`util/jq`, `./kubernetes`)."""
    name: str
    """The imported guidebook as madwizard names it: its path below the store root (or as
    shown), without `.md` or `/index.md`."""
    group: str | None = None
    """The entry's `group:`: the same guidebook is imported once per group."""
    codeblocks: tuple[CodeBlockRule, ...] = ()
    """The imported guidebook's own frontmatter `codeblocks:` rules."""
    validate: str | None = None
    """The imported guidebook's frontmatter `validate:`: when it succeeds, it is done."""


class GuidebookCheck(NamedTuple):
    """A guidebook's frontmatter `validate:`, as each of its blocks carries it: `mdrun run`
    tests it once per `site`, before the first of the site's blocks it reaches."""

    command: str
    """The `validate:` command: when it succeeds, every block of the guidebook is done."""
    guidebook: str
    """The guidebook as shown: the import's name (`util/websocat`), or the runbook's path."""
    site: Origin
    """Which import of it: the origin chain down to its `imports:` entry (one per `group`);
    empty for the runbook's own frontmatter."""
    script: str = ""
    """The shell source that tests `command`: the store's helper commands defined, its output
    hidden (`mdrun.blocks.script.quiet_check`)."""


# --- Choices: the questions a guidebook asks (pymdownx tab groups) and their answers ----------

ChoiceKind = Literal["select", "multi", "form", "dynamic"]
AnswerSource = Literal["flag", "environment", "profile", "apriori", "prompt"]

ChoicePath = tuple[tuple[str, str], ...]
"""The questions a block sits under, outermost first: (question id, answer name) for each
enclosing tab. A block outside every tab has the empty path."""


class ChoiceGroup(NamedTuple):
    """One question: a group of tabs, each an answer."""

    id: str
    """The key answers are stored under, madwizard's own (`kubernetes/kubectl`,
    `madwizard/apriori/platform`, `…_1` for a file's second question), so its profiles and
    `--assert` lines carry over."""
    key: str
    """madwizard's group: the answers' names joined with `####` (or its apriori key)."""
    name: str
    """A readable name: the heading the question sits under."""
    options: tuple[str, ...]
    """The answers' names in tab order (canonical for aprioris: `Darwin`, `Linux`)."""
    kind: ChoiceKind = "select"
    """`select` one tab, `multi` several, `form` a value for each tab, `dynamic` one of the lines
    a command prints."""
    defaults: tuple[str | None, ...] = ()
    """Forms: each field's `[default: …]`, in tab order."""
    command: str | None = None
    """Dynamic: the command whose output lines are the answers (run only by `mdrun run`)."""
    env_key: str | None = None
    """Dynamic: an environment variable that answers the question when set."""
    message: str | None = None
    """Dynamic: what the lines are (`Ray Runs`)."""


def describe_dynamic(group: ChoiceGroup) -> str:
    r"""What a plan shows for a dynamic question's answers, which only a run computes:
    `Ray Runs: the lines \`ray job list\` prints (or $JOB_ID when set)`."""
    about = f"{group.message}: " if group.message else ""
    env = f" (or ${group.env_key} when set)" if group.env_key else ""
    return f"{about}the lines `{group.command}` prints{env}"


class Answer(NamedTuple):
    """The answer to one question, and where it came from."""

    id: str
    """The question's `ChoiceGroup.id`."""
    value: str
    """The chosen answer's name (for a dynamic question, the chosen line; for a multi-select,
    the picked names as madwizard's compact JSON list, `["jq","fzf"]`)."""
    source: AnswerSource
    """`flag` (`--choose`), `environment`, `profile`, `apriori` (this machine) or `prompt`."""
    detail: str = ""
    """Which flag, variable, profile or fact: `--choose kubectl=Linux`, `$JOB_ID`, `default`."""
    fields: tuple[tuple[str, str], ...] = ()
    """Forms: (field, value) for each field, in tab order."""


class Question(NamedTuple):
    """One place a question is asked (an imported guidebook may ask the same one twice)."""

    group: ChoiceGroup
    """The question."""
    path: ChoicePath
    """The answers that lead to it, outermost first (empty at the top)."""
    line: int
    """0-based line of its first tab header in the expanded document."""


class BlockOptions(NamedTuple):
    """Attributes from a fence's info string (`bash {name=x async=true}`) or its language."""

    name: str | None = None
    """Explicit block name (`name=`)."""
    is_async: bool = False
    """Runs concurrently, started where it appears (`shell.async` or `async=true`)."""
    pty: bool = False
    """Runs under a pseudo-terminal so that programs which block-buffer on pipes stream live."""
    cwd: str | None = None
    """Working directory for this block only, relative to the planned working directory."""
    timeout: float | None = None
    """Seconds before the block's process group is terminated (`timeout=30s`, `2m`, `500ms`)."""
    restart: RestartPolicy = "no"
    """Async blocks: restart policy on exit."""
    max_restarts: int = 5
    """Async blocks: how many restarts `restart=` allows before giving up (`max-restarts=`)."""
    ready: str | None = None
    """Async blocks: an http(s) URL that must answer 2xx, or a regex a log line must match, before
    the following sync blocks start."""
    ready_timeout: float = 60.0
    """Seconds to wait for `ready` (`ready-timeout=`)."""
    when: str | None = None
    """A shell condition (as in `if COND; then`) that guards the block."""
    required: bool = False
    """Async blocks: must run until the run ends; ending on its own (after its restarts), even
    with exit code 0, fails the run. Without it only a failure (non-zero exit) does."""
    allow_failure: bool = False
    """The run goes on when this block fails (`allow-failure=true`): a sync block's non-zero
    exit, or an async block ending with one after its restarts."""
    cleanup: bool = False
    """`finally=true`: registered when the run reaches it, executed at the end of the run whatever
    its outcome (success, failure, interruption), after async blocks are stopped."""
    validate: str | None = None
    """Block frontmatter `validate:`: a shell command run first, in the block's shell state; when
    it succeeds the block is already done and is skipped. Shown, never run, by a plan."""
    exec: str | None = None
    """Block frontmatter `exec:`: the body is written to `$MWFILEPATH` (in `$MWDIR`, named
    `$MWFILENAME`) and this shell command runs instead of the body."""
    optional: bool = False
    """Block frontmatter `optional: true`: a failure is reported and the run goes on."""
    stdin: bool = False
    """madwizard's `.stdin` suffix or `stdin: true`, recorded (mdrun gives blocks no stdin)."""
    undo: str | None = None
    """madwizard's `cleanup:` (a command that undoes the block), recorded, never run."""


class Block(NamedTuple):
    """One executable shell fence, in document order."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, which no caller needs
    """1-based position among the runbook's blocks."""
    name: str
    """Stable, unique, readable name (explicit, first comment, or nearest heading)."""
    language: str
    """The fence language without suffix: `shell`, `sh`, `bash`, or `python`/`py` (run with
    `python3`)."""
    body: str
    """The fence's content exactly as it will be executed."""
    options: BlockOptions
    """Parsed attributes."""
    origin: Origin
    """Where the fence's opening line came from."""
    line_origins: tuple[Origin, ...]
    """One origin per line of `body` (its final newline does not start a line)."""
    heading: str | None = None
    """Text of the nearest heading above the block, if any."""
    imports: tuple[ImportSite, ...] = ()
    """The `imports:` entries the block came through, outermost first (empty: the runbook's
    own text, or text it includes with `--8<--`)."""
    script: str | None = None
    """The shell source that runs the block when it is not the body itself: madwizard's `exec:`
    protocol around the body (python blocks, `exec:`), or a refusal. None: the body runs."""
    done_check: str | None = None
    """A shell command that succeeds when the block is already done: its own `validate:`,
    output hidden, helper commands defined. Tested first, in the block's shell, at run time."""
    guidebook_checks: tuple[GuidebookCheck, ...] = ()
    """The frontmatter `validate:` of the guidebooks the block belongs to (the runbook's, then
    each import's, outermost first): each is tested once per import, before that guidebook's
    first block; when one succeeded, the block is skipped as already done."""
    choices: ChoicePath = ()
    """The questions (tab groups) the block sits under and the answer (tab) of each, outermost
    first: it runs only when every one of them is chosen. Empty outside every tab."""

    @property
    def mode(self) -> Mode:
        """`async` for concurrent blocks, else `sync`."""
        return "async" if self.options.is_async else "sync"


class Runbook(NamedTuple):
    """A parsed runbook: the expanded document and its blocks."""

    path: str
    """The runbook file as given by the user."""
    document: Document
    """The expanded document the blocks were taken from."""
    blocks: tuple[Block, ...]
    """Executable blocks in document order."""
    questions: tuple[Question, ...] = ()
    """Every place the runbook asks a question (a tab group holding blocks), in document
    order."""


class Verdict(NamedTuple):
    """Whether a block's guards let it run, decided without executing anything."""

    kind: VerdictKind
    """`run`, `skip`, or `unknown` when deciding would need execution."""
    reason: str
    """A sentence a human can check, naming the variables and where they were set."""
    branch: str | None = None
    """For an if/elif/else body, which branch would run (`if`, `elif 1`, `else`), or None."""


class LoadOptions(NamedTuple):
    """How includes and imports are resolved; the same for every subcommand."""

    base_paths: tuple[str, ...] = ()
    """`--base-path` directories, searched in order after the including file's own directory.
    Empty means the defaults: the runbook's directory, then a `snippets/` directory beside or
    above it."""
    allow_outside_root: bool = False
    """`--allow-outside-root`: let includes escape every allowed root (`..`, absolute, symlink)."""
    allow_url: bool = False
    """`--allow-url`: permit `https://` includes (fetched with requests)."""
    leave_urls: bool = False
    """Without `allow_url`, record a URL import in `Document.unfetched` instead of refusing it
    (`plan`, `list`, `check` show it; `run` and `expand` refuse)."""
    url_timeout: float = 10.0
    """Seconds per URL include."""
    url_max_bytes: int = 2 * 1024 * 1024
    """Largest URL include accepted."""
    stores: tuple[str, ...] = ()
    """`--store` directories: guidebook store roots, against which imports and includes not
    starting with `./` or `../` are resolved (before the base paths)."""


SourceKind = Literal["process", "option", "env-file", "inputs", "exported", "set", "maybe"]
"""Where a planned value came from: mdrun's own environment, `-e`, an env file, a runbook's
frontmatter inputs, a block's export, a block's unexported assignment, or a block that could
not be parsed and may have changed it."""


class Source(NamedTuple):
    """Where a planned variable got its value; `str()` is how plans show it."""

    kind: SourceKind
    """Which kind of place."""
    where: str = ""
    """The place: `F:3` for an env file, `block "init" at F:40` for a block (or, for `maybe`,
    `block "b", which could not be parsed`); empty for the others."""

    def __str__(self) -> str:
        return _SOURCE_TEXT[self.kind].format(self.where)


_SOURCE_TEXT: dict[SourceKind, str] = {
    "process": "process environment",
    "option": "-e",
    "env-file": "env file {}",
    "inputs": "frontmatter inputs",
    "exported": "{}",
    "set": "set by {}",
    "maybe": "maybe changed by {}",
}


class EnvValue(NamedTuple):
    """What planning knows about one environment variable."""

    value: str | None
    """The value, or None when it is set but its value is unknown (command substitution...)."""
    source: Source
    """Where it was set (`str()` gives `-e`, `env file F:3`, `block "init" at F:40`...)."""
    certain: bool = True
    """False when it is only maybe set (set or unset in a branch planning cannot decide)."""


Environment = Mapping[str, EnvValue]
"""A planned environment: names absent from it are known to be unset."""


class PlannedBlock(NamedTuple):
    """A block with its verdict and the environment it would start with."""

    block: Block
    """The block."""
    verdict: Verdict
    """Run, skip or unknown, and why."""
    env: Environment
    """The planned environment when the block starts."""
    chosen: bool = True
    """False when the block sits under a tab the answers did not choose: it is skipped, and a
    render may leave it out."""


class Plan(NamedTuple):
    """What `mdrun run` would do, decided without executing anything."""

    runbook: Runbook
    """The runbook planned."""
    blocks: tuple[PlannedBlock, ...]
    """Every block in document order, skipped ones included."""
    initial_env: Environment
    """The environment given to the run: process environment, `--env-file`, then `-e`."""
    answers: Mapping[str, Answer] = MappingProxyType({})
    """The answers known to the questions (`runbook.questions`), by question id."""
