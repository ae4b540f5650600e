"""`ready=` conditions: a regex over a block's output lines, or an HTTP URL answering 2xx."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from mdrun.run.output import Sink


class LineMatcher:
    """A `ready=` regex searched in each line (and the current partial line) of a block."""

    def __init__(self, pattern: re.Pattern[str], done: Callable[[], None], sinks: tuple[Sink, ...]):
        self.pattern, self.done, self.sinks = pattern, done, sinks
        self.partial = {id(s): b"" for s in sinks}

    def __call__(self, sink: Sink, chunk: bytes) -> None:
        data = self.partial[id(sink)] + chunk
        lines = data.split(b"\n")
        self.partial[id(sink)] = lines[-1][-65536:]
        for line in lines:
            if self.pattern.search(line.decode(errors="replace")):
                for s in self.sinks:
                    s.watchers.remove(self)
                self.done()
                return


def poll_url(url: str, timeout: float, done: Callable[[], None]) -> None:
    """Call `done` once `url` answers 2xx; give up after `timeout` (the manager reports it)."""
    import requests  # only runs with an http ready= pay for importing it

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = requests.get(url, timeout=min(2.0, max(0.1, deadline - time.monotonic())))
            if 200 <= answer.status_code < 300:
                done()
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
