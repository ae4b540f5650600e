"""pymdownx.tabbed groups and admonitions: the group tree, the dedented text, the line mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers, dedent, plain
from mdrun.blocks.tabtitle import parse_expansion, parse_title

STORE = Path(__file__).resolve().parent.parent.parent / "shared" / "store" / "guidebooks"
needs_store = pytest.mark.skipif(not STORE.is_dir(), reason="../shared/store is not here")


def _paths(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each fence's first line and the (group key, tab title) pairs it sits under."""
    found = containers(text)
    out = []
    for fence in fences(found.text):
        path = [(g.key, g.tabs[i].title) for g, i in found.path_at(fence.start)]
        out.append((fence.content.split("\n")[0], path))
    return out


def test_a_fence_in_a_tab_is_found_with_its_choice() -> None:
    text = '# T\n\n=== "Linux"\n    ```shell\n    echo linux\n    ```\n\n=== "MacOS"\n'
    text += "    ```shell\n    echo mac\n    ```\n"
    assert _paths(text) == [
        ("echo linux", [("Linux####MacOS", "Linux")]),
        ("echo mac", [("Linux####MacOS", "MacOS")]),
    ]


def test_the_line_count_is_kept_so_origins_still_apply() -> None:
    text = '=== "A"\n    ```sh\n    x\n    ```\n\n!!! note\n    ```sh\n    y\n    ```\nz'
    out = containers(text).text
    assert len(out.split("\n")) == len(text.split("\n"))
    assert out.split("\n") == ["", "```sh", "x", "```", "", "", "```sh", "y", "```", "z"]


def test_prose_at_the_groups_level_ends_it_and_a_later_tab_starts_another() -> None:
    text = '=== "A"\n    a\n=== "B"\n    b\n\nProse.\n\n=== "C"\n    c\n'
    groups = containers(text).groups
    assert [g.key for g in groups] == ["A####B", "C"]
    assert [(t.start, t.end) for t in groups[0].tabs] == [(0, 2), (2, 4)]


def test_a_bang_starts_a_new_group_and_a_heading_ends_one() -> None:
    text = '=== "A"\n    a\n===! "B"\n    b\n# H\n=== "C"\n    c\n'
    assert [g.key for g in containers(text).groups] == ["A", "B", "C"]
    assert containers(text).groups[2].name == "H"


def test_nested_groups_hang_from_their_tab_and_are_named_after_it() -> None:
    text = '## Install [kubectl](https://k8s.io){target=_blank}\n\n=== "MacOS"\n'
    text += '    === "Homebrew"\n        ```sh\n        brew\n        ```\n'
    text += '    === "curl"\n        ```sh\n        curl\n        ```\n=== "Linux"\n    l\n'
    (outer,) = containers(text).groups
    assert outer.name == "Install kubectl"
    (inner,) = outer.tabs[0].groups
    assert (inner.key, inner.name, inner.depth) == (
        "Homebrew####curl",
        "Install kubectl > MacOS",
        1,
    )
    assert _paths(text)[1] == ("curl", [("MacOS####Linux", "MacOS"), ("Homebrew####curl", "curl")])


def test_a_group_under_no_heading_takes_the_given_title_or_its_answers() -> None:
    text = '=== "A"\n    a\n=== "B"\n    b\n'
    assert containers(text).groups[0].name == "A or B"
    assert containers(text, title="Guide").groups[0].name == "Guide"


def test_a_heading_names_only_groups_of_its_own_guidebook() -> None:
    # Lines 0-1 come from one guidebook, the rest from an imported one without a heading.
    text = "# Outer\n\n" + '=== "A"\n    a\n=== "B"\n    b\n'
    scoped = containers(text, title="Outer guide", scope=lambda line: line < 2)
    assert scoped.groups[0].name == "A or B"
    assert containers(text).groups[0].name == "Outer"


def test_a_tab_header_inside_a_fence_is_code() -> None:
    text = '```\n=== "A"\n    x\n```\n'
    assert containers(text).groups == ()
    assert containers(text).text == text


def test_a_header_indented_past_its_level_still_counts_as_madwizard_reads_it() -> None:
    # python/conda/install.md indents one tab by nine columns beside its sibling at eight.
    text = '=== "Mac"\n    === "Intel"\n        i\n\n     === "Apple Silicon"\n        a\n'
    (outer,) = containers(text).groups
    assert [t.title for t in outer.tabs[0].groups[0].tabs] == ["Intel", "Apple Silicon"]


def test_a_header_deeper_than_its_containers_opens_one_as_madwizard_reads_it() -> None:
    # pymdownx would show an indented code block; madwizard (and the store) take it as a tab.
    text = 'Para.\n\n        === "A"\n            ```sh\n            x\n            ```\n'
    assert _paths(text) == [("x", [("A", "A")])]


def test_admonitions_are_containers_whose_fences_are_found() -> None:
    text = '??? note "More"\n    ```bash\n    echo hi\n    ```\n\n!!! warning\n    text\n'
    found = containers(text)
    assert [(a.kind, a.type, a.title, a.start, a.end) for a in found.admonitions] == [
        ("???", "note", "More", 0, 4),
        ("!!!", "warning", None, 5, 7),
    ]
    (fence,) = fences(found.text)
    assert fence.content == "echo hi\n"
    assert [a.kind for a in found.admonitions_at(fence.start)] == ["???"]


def test_an_admonition_in_a_list_item_in_a_tab_is_a_container() -> None:
    text = '=== "Mac"\n    - step:\n\n        ??? bug "Oops"\n\n            ```bash\n'
    text += "            brew tap --repair\n            ```\n"
    assert _paths(text) == [("brew tap --repair", [("Mac", "Mac")])]


def test_a_fence_with_a_tab_in_its_indentation_keeps_it() -> None:
    assert dedent("\t\tx", 4) == "\tx"
    assert dedent("  \tx", 3) == " x"
    assert dedent("      x", 4) == "  x"


def test_headings_read_as_plain_words() -> None:
    assert plain("Install [`kubectl`](https://x){target=_blank} *now*") == "Install kubectl now"


@pytest.mark.parametrize(
    ("raw", "title", "default", "multi"),
    [
        ("Number of CPUs [default: 1]", "Number of CPUs", "1", False),
        ("dashy-dash [ ]", "dashy-dash", None, True),
        ('say \\"hi\\"', 'say "hi"', None, False),
    ],
)
def test_tab_titles_read_as_madwizard_reads_them(
    raw: str, title: str, default: str | None, multi: bool
) -> None:
    parsed = parse_title(raw)
    assert (parsed.title, parsed.default, parsed.multiselect) == (title, default, multi)


def test_expansions_split_command_message_and_environment_key() -> None:
    assert parse_expansion("expand(ls -1, Files, FILE)") == ("expand", "ls -1", "Files", "FILE")
    # The message is what follows the last comma; the command keeps its own commas.
    cmd = "awk '{print a, b}', Ray Runs"
    assert parse_expansion(f"expand({cmd})") == ("expand", "awk '{print a, b}'", "Ray Runs", None)
    assert parse_expansion("expand(ls)") == ("expand", "ls", None, None)
    assert parse_expansion("Linux") is None


@needs_store
def test_jq_has_its_blocks_under_the_platform_question() -> None:
    assert _paths((STORE / "util" / "jq.md").read_text()) == [
        ("---", [("MacOS####Linux", "MacOS")]),
        ("---", [("MacOS####Linux", "Linux")]),
    ]


@needs_store
def test_kubectl_nests_three_questions_deep() -> None:
    found = _paths((STORE / "kubernetes" / "kubectl.md").read_text())
    assert len(found) == 6
    deepest = [("Linux####Windows####MacOS", "MacOS"), ("Homebrew####curl", "curl")]
    assert found[3][1] == [*deepest, ("Intel####Apple Silicon", "Intel")]
    assert found[5][1] == deepest  # the `!!! note` after the arch tabs ends that group


@needs_store
def test_every_store_guidebook_scans_and_keeps_its_line_count() -> None:
    for path in sorted(STORE.rglob("*.md")):
        text = path.read_text()
        out = containers(text)
        assert len(out.text.split("\n")) == len(text.split("\n")), path
        for group in out.groups:
            assert all(t.start < t.end for t in group.tabs), path
