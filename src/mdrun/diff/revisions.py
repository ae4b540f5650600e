"""Which revision `mdrun diff` compares against: `--base REV`, else the merge base with the
default branch, else `HEAD`."""

from __future__ import annotations

import os
from typing import NamedTuple

from mdrun.diff.gittree import git
from mdrun.errors import UsageError

DEFAULT_BRANCHES = ("main", "master", "trunk")
"""Local branches tried, in order, when `origin/HEAD` does not name the default branch."""


class Base(NamedTuple):
    """The base side of a diff."""

    top: str
    """The repository's top directory."""
    commit: str
    """The full commit id."""
    label: str
    """How reports name it: `REV (abc1234)` or `merge base with main (abc1234)`."""


def repository_top(where: str | None = None) -> str:
    """The top directory of the git repository holding `where` (default: the current one)."""
    try:
        return git(where or os.getcwd(), "rev-parse", "--show-toplevel").strip()
    except UsageError:
        raise UsageError("mdrun diff needs a git repository: none holds this directory") from None


def _commit(top: str, rev: str) -> str | None:
    try:
        return git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except UsageError:
        return None


def default_branch(top: str) -> str | None:
    """`origin/HEAD`'s branch, else the first of `DEFAULT_BRANCHES` that exists."""
    try:
        ref = git(top, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").strip()
        return ref.removeprefix("refs/remotes/")
    except UsageError:
        pass
    return next((b for b in DEFAULT_BRANCHES if _commit(top, f"refs/heads/{b}")), None)


def resolve_base(top: str, rev: str | None) -> Base:
    """The commit to compare with; an unknown `rev` is a `UsageError`."""
    if rev is not None:
        commit = _commit(top, rev)
        if commit is None:
            raise UsageError(f"--base {rev}: not a commit in {top}")
        return Base(top, commit, f"{rev} ({commit[:7]})")
    head = _commit(top, "HEAD")
    if head is None:
        raise UsageError("mdrun diff: the repository has no commit yet (give --base)")
    branch = default_branch(top)
    if branch is not None:
        try:
            merge_base = git(top, "merge-base", "HEAD", branch).strip()
        except UsageError:
            merge_base = ""
        if merge_base:
            return Base(top, merge_base, f"merge base with {branch} ({merge_base[:7]})")
    return Base(top, head, f"HEAD ({head[:7]})")
