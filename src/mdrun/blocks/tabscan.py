"""The line-by-line state machine behind `blocks.tabs.containers`.

A stack of open containers (the document itself at the bottom, then tabs and admonitions), each
with the column its body starts at. A non-blank line closes every container it is not indented
enough for; inside a fence only that happens (a `===` in a code sample is not a tab).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from mdrun.blocks.tabs import (
    Admonition,
    Tab,
    TabGroup,
    TabHeader,
    answers_name,
    dedent,
    fence_opener,
    header,
    heading_text,
)
from mdrun.blocks.tabtitle import group_key, parse_title


class _Group:
    """A tab group being built."""

    __slots__ = ("depth", "heading", "parent", "tabs")

    def __init__(self, heading: str | None, parent: tuple[_Group, str] | None, depth: int) -> None:
        self.heading = heading
        self.parent = parent
        self.depth = depth
        self.tabs: list[_Tab] = []


class _Tab:
    """A tab being built."""

    __slots__ = ("end", "groups", "start", "title")

    def __init__(self, title: str, start: int) -> None:
        self.title = title
        self.start = start
        self.end = 0
        self.groups: list[_Group] = []


class _Frame:
    """An open container (or the document itself, at the bottom of the stack)."""

    __slots__ = (
        "admonition",
        "col",
        "group",
        "groups",
        "heading",
        "heading_line",
        "last",
        "open_group",
        "start",
        "tab",
    )

    def __init__(
        self,
        col: int,
        tab: _Tab | None = None,
        admonition: Admonition | None = None,
        group: _Group | None = None,
        start: int = 0,
    ) -> None:
        self.col = col
        """The column this container's body starts at."""
        self.tab = tab
        self.admonition = admonition
        self.group = group
        """For a tab: the group it belongs to."""
        self.start = start
        self.heading: str | None = None
        self.heading_line = 0
        self.open_group: _Group | None = None
        """A group directly in this container that a following tab joins."""
        self.groups: list[_Group] = []


def _closes(line: str, opener: str) -> bool:
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) < 4
        and len(stripped) >= len(opener)
        and not stripped.strip(opener[0])
    )


class Scanner:
    """Feed it the document's lines in order (`line`), then `finish`."""

    def __init__(self, title: str | None, scope: Callable[[int], Hashable] | None = None) -> None:
        self.title = title
        self.scope = scope
        self.stack = [_Frame(col=0)]
        self.fence: tuple[str, int] | None = None
        """The open fence's opener and the stack depth it was opened at."""
        self.admonitions: list[Admonition] = []
        self.seen = -1
        """The last non-blank line so far: the last of every open container's body."""

    def line(self, index: int, line: str) -> str:
        """The line as markdown-it should see it."""
        if not line.strip():
            return dedent(line, self.stack[-1].col)
        expanded = line.expandtabs(4) if "\t" in line else line
        indent = len(expanded) - len(expanded.lstrip())
        while len(self.stack) > 1 and indent < self.stack[-1].col:
            self._close(self.stack.pop())
        if self.fence is not None and self.fence[1] > len(self.stack):
            self.fence = None
        self.seen = index
        top = self.stack[-1]
        relative = dedent(line, top.col)
        if self.fence is not None:
            if _closes(relative, self.fence[0]):
                self.fence = None
            return relative
        found = header(relative.lstrip(" "))
        # Deeper than its level, a header still opens a container (madwizard: a list item's
        # admonition); its body starts at the next multiple of four.
        col = (indent // 4 + 1) * 4
        if isinstance(found, TabHeader):
            self._open_tab(index, found.title, found.new_group, top, col)
            return ""
        top.open_group = None
        if found is not None:
            admonition = found._replace(start=index, end=index + 1)
            self.stack.append(_Frame(col=col, admonition=admonition, start=index))
            return ""
        if indent - top.col >= 4:
            return relative
        if (heading := heading_text(relative)) is not None:
            top.heading = heading
            top.heading_line = index
        elif (opener := fence_opener(relative)) is not None:
            self.fence = (opener, len(self.stack))
        return relative

    def _open_tab(self, index: int, title: str, new_set: bool, top: _Frame, col: int) -> None:
        group = top.open_group
        if group is None or new_set:
            heading, parent = self._naming(index)
            group = _Group(heading, parent, depth=len(self.stack) - 1)
            top.groups.append(group)
        tab = _Tab(title, index)
        group.tabs.append(tab)
        top.open_group = group
        self.stack.append(_Frame(col=col, tab=tab, group=group, start=index))

    def _naming(self, line: int) -> tuple[str | None, tuple[_Group, str] | None]:
        """What names a group starting at `line`: a heading of its guidebook in its tab (or the
        document), else that tab."""
        for frame in reversed(self.stack):
            if frame.heading is not None and self._same_scope(frame.heading_line, line):
                return frame.heading, None
            if frame.tab is not None and frame.group is not None:
                return None, (frame.group, parse_title(frame.tab.title).title)
        return None, None

    def _same_scope(self, a: int, b: int) -> bool:
        return self.scope is None or self.scope(a) == self.scope(b)

    def _close(self, frame: _Frame) -> None:
        end = max(self.seen, frame.start) + 1
        if frame.tab is not None:
            frame.tab.end = end
            frame.tab.groups = frame.groups
        elif frame.admonition is not None:
            self.admonitions.append(frame.admonition._replace(end=end))
            # a group directly in an admonition belongs to the container around it
            self.stack[-1].groups.extend(frame.groups)

    def finish(self) -> tuple[tuple[TabGroup, ...], tuple[Admonition, ...]]:
        """Close what is still open; the outermost groups and every admonition."""
        while len(self.stack) > 1:
            self._close(self.stack.pop())
        groups = tuple(self._freeze(g) for g in self.stack[0].groups)
        return groups, tuple(sorted(self.admonitions, key=lambda a: a.start))

    def _freeze(self, group: _Group, names: dict[int, str] | None = None) -> TabGroup:
        names = {} if names is None else names
        titles = [parse_title(t.title).title for t in group.tabs]
        if group.heading is not None:
            name = group.heading
        elif group.parent is not None:
            name = f"{names.get(id(group.parent[0]), '?')} > {group.parent[1]}"
        else:
            own = self.title if self._same_scope(0, group.tabs[0].start) else None
            name = own or answers_name(titles)
        names[id(group)] = name
        tabs = tuple(
            Tab(t.title, t.start, t.end, tuple(self._freeze(g, names) for g in t.groups))
            for t in group.tabs
        )
        return TabGroup(group_key(titles), name, tabs, group.depth)
