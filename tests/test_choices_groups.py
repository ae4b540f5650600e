"""Tab groups as questions: kinds, aprioris, madwizard's keys, each block's choice path."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers
from mdrun.choices.aprioris import Host, host_answer, recognise, this_host
from mdrun.choices.groups import Provenance, Questions, canonical, context, questions

STORE = Path(__file__).resolve().parent.parent.parent / "shared" / "store" / "guidebooks"
needs_store = pytest.mark.skipif(not STORE.is_dir(), reason="../shared/store is not here")


def _questions(text: str, where: Provenance | None = None) -> Questions:
    found = containers(text)
    lines = [f.start for f in fences(found.text)]
    return questions(found, lines, (lambda _line: where) if where else None)


def _tab(title: str, body: str = "echo hi", indent: str = "") -> str:
    return f'{indent}=== "{title}"\n{indent}    ```shell\n{indent}    {body}\n{indent}    ```\n\n'


@pytest.mark.parametrize(
    ("titles", "key", "canonical_titles"),
    [
        (["MacOS", "Linux", "Windows"], "madwizard/apriori/platform", ("Darwin", "Linux", "Win32")),
        (["WSL", "Mac"], "madwizard/apriori/platform", ("Linux", "Darwin")),
        (["Intel", "Apple Silicon"], "madwizard/apriori/arch", ("X64", "Arm64")),
        (["Homebrew", "curl"], "madwizard/apriori/mac-installer", ("Homebrew", "curl")),
        (
            ["Use GPUs", "Don't use GPUs"],
            "madwizard/apriori/use-gpu",
            ("Use GPUs", "Don't use GPUs"),
        ),
        (["Text", "html"], "madwizard/apriori/in-terminal", ("Text", "HTML")),
    ],
)
def test_aprioris_are_recognised_by_their_answers(
    titles: list[str], key: str, canonical_titles: tuple[str, ...]
) -> None:
    found = recognise(titles)
    assert found is not None and (found.key, found.titles) == (key, canonical_titles)


def test_an_apriori_is_named_for_what_it_asks_not_for_the_first_heading_it_sits_under() -> None:
    text = (
        "# Websocat\n\n" + _tab("MacOS") + _tab("Linux") + "# Jq\n\n" + _tab("Intel") + _tab("M1")
    )
    assert [g.name for g in _questions(text).groups] == ["Platform", "Architecture"]
    assert _questions("# Pick\n\n" + _tab("A") + _tab("B")).groups[0].name == "Pick"


def test_ordinary_questions_and_madwizards_unlisted_cpu_rule_are_not_aprioris() -> None:
    assert recognise(["Linux", "Run on a Kubernetes Cluster"]) is None
    assert recognise(["Number of CPUs", "Number of GPUs"]) is None


def test_this_machine_answers_the_platform_and_the_gpu_question_from_num_gpus() -> None:
    host = this_host({"PATH": "/nonexistent", "NUM_GPUs": "2"})
    assert host_answer("madwizard/apriori/platform", host) in ("linux", "darwin", "win32")
    assert host_answer("madwizard/apriori/use-gpu", host) == "use gpus"
    assert host_answer("madwizard/apriori/mac-installer", host) is None  # no brew: ask
    assert host_answer("madwizard/apriori/use-gpu", host._replace(num_gpus=None)) == (
        "don't use gpus"
    )


def test_brew_on_path_answers_the_mac_installer(tmp_path: Path) -> None:
    brew = tmp_path / "brew"
    brew.write_text("#!/bin/sh\n")
    brew.chmod(0o755)
    host = this_host({"PATH": str(tmp_path)})
    assert host.has_brew
    assert host_answer("madwizard/apriori/mac-installer", host) == "Homebrew"


def test_question_kinds() -> None:
    text = "# Q\n\n" + _tab("A") + _tab("B") + "Prose.\n\n"
    text += _tab("CPUs [default: 1]", "export N=${choice}") + _tab("Mem [default: 1Gi]") + "P\n\n"
    text += _tab("expand(ls -1, Files, FILE)", 'echo "$choice"') + _tab("None")
    kinds = [(g.kind, g.options, g.defaults) for g in _questions(text).groups]
    assert kinds[0] == ("select", ("A", "B"), (None, None))
    assert kinds[1] == ("form", ("CPUs", "Mem"), ("1", "1Gi"))
    dynamic = _questions(text).groups[2]
    assert (dynamic.kind, dynamic.command, dynamic.message, dynamic.env_key) == (
        "dynamic",
        "ls -1",
        "Files",
        "FILE",
    )


def test_a_group_without_blocks_asks_nothing() -> None:
    text = '=== "A"\n    prose\n=== "B"\n    more prose\n'
    assert _questions(text).asked == ()


def test_madwizard_keys_a_question_by_the_file_that_holds_it() -> None:
    text = "# Install jq\n\n" + _tab("Run here") + _tab("Run there")
    assert _questions(text).groups[0].id == "Run here####Run there"
    assert _questions(text, Provenance(document="util/jq.md")).groups[0].id == "util/jq"
    nested = Provenance(imports=(("ml/ray/index.md", None), ("./a/b.md", "X")), document="top")
    assert _questions(text, nested).groups[0].id == "a/b.X"
    # aprioris keep their own key wherever they are
    apriori = "# T\n\n" + _tab("MacOS") + _tab("Linux")
    assert _questions(apriori, nested).groups[0].id == "madwizard/apriori/platform"


def test_canonical_store_paths() -> None:
    assert canonical("./ml/ray/run/index.md") == "ml/ray/run"
    assert canonical("/kubernetes/kubectl.md") == "kubernetes/kubectl"
    assert context("A####B", Provenance()) == "A####B"


def test_a_files_second_different_question_gets_a_suffix_and_a_repeat_does_not() -> None:
    where = Provenance(document="guide")
    text = "# G\n\n" + _tab("A") + _tab("B") + "P\n\n" + _tab("C") + _tab("D") + "P\n\n"
    text += _tab("A") + _tab("B")
    assert [q.group.id for q in _questions(text, where).asked] == ["guide", "guide_1", "guide"]


def test_blocks_know_their_choice_path_by_question_id_and_answer() -> None:
    text = "# G\n\n" + _tab("Linux") + '=== "MacOS"\n' + _tab("Homebrew", "brew", "    ")
    text += _tab("curl", "curl", "    ")
    found = _questions(text, Provenance(document="g"))
    paths = [found.path_at(f.start) for f in fences(found.containers.text)]
    platform = "madwizard/apriori/platform"
    assert paths == [
        ((platform, "Linux"),),
        ((platform, "Darwin"), ("madwizard/apriori/mac-installer", "Homebrew")),
        ((platform, "Darwin"), ("madwizard/apriori/mac-installer", "curl")),
    ]
    nested = found.asked[1]
    assert nested.path == ((platform, "Darwin"),)


@needs_store
def test_kubectl_asks_its_platform_then_installer_then_arch() -> None:
    found = _questions((STORE / "kubernetes" / "kubectl.md").read_text())
    assert [(q.group.key, q.group.name, q.path) for q in found.asked] == [
        ("madwizard/apriori/platform", "Platform", ()),
        (
            "madwizard/apriori/mac-installer",
            "Mac installer",
            (("madwizard/apriori/platform", "Darwin"),),
        ),
        (
            "madwizard/apriori/arch",
            "Architecture",
            (("madwizard/apriori/platform", "Darwin"), ("madwizard/apriori/mac-installer", "curl")),
        ),
    ]


def test_host_names_follow_node() -> None:
    host = Host(platform="linux", arch="x64", has_brew=False, num_gpus=None)
    assert host_answer("madwizard/apriori/arch", host) == "x64"
    assert host_answer("madwizard/apriori/in-terminal", host) == "Text"
