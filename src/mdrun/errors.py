"""Errors a user can cause, and the one place that maps exceptions to exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from mdrun.model import Origin, SourceLocation

EXIT_OK = 0
EXIT_BLOCK_FAILED = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_SIGHUP = 129
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class MdrunError(Exception):
    """Something wrong with the user's input: printed as `path:line: message`, exit 2."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        chain: Origin = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.chain = chain
        """Include chain that led to `location`, outermost first (excluding `location`)."""

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        lines = [head]
        lines.extend(f"  included from {loc}" for loc in reversed(self.chain))
        return "\n".join(lines)


class UsageError(MdrunError):
    """Bad command-line usage or a file that cannot be opened."""


class IncludeError(MdrunError):
    """A `--8<--` include or an `imports:` entry that cannot be resolved."""


class OutsideRootError(IncludeError):
    """An include or import that exists, but only outside the runbook's directory and base
    paths (without `--allow-outside-root`): a refusal, not a missing file."""


class FrontmatterError(MdrunError):
    """YAML frontmatter that does not parse or has the wrong shape."""


class BlockError(MdrunError):
    """A fence with bad attributes or bad structure."""


class ExpansionError(MdrunError):
    """A dynamic question's command failed or printed nothing: there is nothing to choose."""


@contextlib.contextmanager
def error_handler(verbose: bool = False, stream: TextIO | None = None) -> Iterator[None]:
    """Turn exceptions into a message and a `SystemExit` with the documented exit code."""
    out = stream or sys.stderr
    try:
        yield
    except MdrunError as exc:
        if verbose:
            _print_traceback(out)
        print(f"mdrun: {exc}" if exc.location is None else str(exc), file=out)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("mdrun: interrupted", file=out)
        raise SystemExit(EXIT_SIGINT) from None
    except BrokenPipeError:
        # stdout closed by a pager or `head`: not an error worth a traceback.
        raise SystemExit(EXIT_OK) from None
    except Exception as exc:  # noqa: BLE001 - the one place a bug becomes exit 3
        if verbose:
            _print_traceback(out)
        else:
            print(
                f"mdrun: internal error: {type(exc).__name__}: {exc} (rerun with --verbose)",
                file=out,
            )
        raise SystemExit(EXIT_BUG) from None


def _print_traceback(out: TextIO) -> None:
    import traceback  # only bugs print one; the import costs every start (bench startup rows)

    traceback.print_exc(file=out)
