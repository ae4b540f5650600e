"""`--8<--` expansion: each feature, each deliberate difference from pymdownx, and origins."""

from __future__ import annotations

import http.server
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from mdrun.errors import IncludeError
from mdrun.load.includes import MAX_DEPTH, expand_text
from mdrun.load.loader import load_document
from mdrun.model import Document, LoadOptions, format_origin
from tests.conftest import snippets_markdown, write_tree

TOUR = Path(__file__).parent / "fixtures" / "includes" / "tour"


def expand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str | bytes], **opts: object
) -> Document:
    """Write `files`, chdir there (so locations read `root.md:3`) and load `root.md`."""
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    return load_document("root.md", LoadOptions(**opts))  # type: ignore[arg-type]


def pymdownx(text: str, bases: list[str]) -> str:
    md = snippets_markdown({"base_path": bases, "check_paths": True})
    return "\n".join(md.preprocessors["snippet"].run(text.split("\n")))


def origins(doc: Document) -> list[str]:
    return [format_origin(o) for o in doc.origins]


def test_tour_matches_golden_text_and_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TOUR)
    doc = load_document("runbook.md", LoadOptions(base_paths=(".", "parts")))
    assert doc.text == (TOUR / "expected.md").read_text()
    assert origins(doc) == (TOUR / "expected-origins.txt").read_text().splitlines()


def test_tour_matches_pymdownx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TOUR)
    doc = load_document("runbook.md", LoadOptions(base_paths=(".", "parts")))
    assert doc.text == pymdownx((TOUR / "runbook.md").read_text(), [".", "parts"])


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ('--8<-- "a.md"', "A1\nA2\n"),
        ("-8<- 'a.md'", "A1\nA2\n"),
        ('-----8<-- "a.md"', "A1\nA2\n"),
        ('--8<--\t"a.md"', "A1\nA2\n"),
        ('--8<-- "a.md" ', '--8<-- "a.md" '),  # trailing blank: not a marker
        ('--8<-- "a.md:2"', "A2\n"),
        ('--8<-- "a.md::1"', "A1"),
        ('--8<-- "a.md:-2"', "A2\n"),
        ('--8<-- "a.md:1:1,2:2"', "A1\nA2"),
        ('--8<-- ";a.md"', ""),  # a commented-out path
        (';--8<-- "a.md"', '--8<-- "a.md"'),
        (';;--8<-- "a.md"', ';--8<-- "a.md"'),
    ],
)
def test_single_line_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str, expected: str
) -> None:
    doc = expand(tmp_path, monkeypatch, {"root.md": marker, "a.md": "A1\nA2\n"})
    assert doc.text == expected
    assert doc.text == pymdownx(marker, [str(tmp_path)])


def test_block_form_comments_blank_lines_and_ignored_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = '--8<--\na.md\n; b.md\n\n  b.md\n--8<-- "a.md"\n--8<--\nafter'
    doc = expand(tmp_path, monkeypatch, {"root.md": root, "a.md": "A", "b.md": "B"})
    assert doc.text == "A\n\n  B\nafter"
    assert doc.text == pymdownx(root, [str(tmp_path)])
    assert origins(doc) == [
        *("a.md:1 (via root.md:2)", "root.md:4", "b.md:1 (via root.md:5)", "root.md:8")
    ]


def test_marker_indent_is_added_to_every_line_tabs_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = '```shell\nif x; then\n\t--8<-- "s.sh"\nfi\n```'
    doc = expand(tmp_path, monkeypatch, {"root.md": root, "s.sh": "echo 1\n\necho 2"})
    assert doc.text == "```shell\nif x; then\n    echo 1\n    \n    echo 2\nfi\n```"
    assert doc.text == pymdownx(root, [str(tmp_path)])


def test_sections_markers_removed_and_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = (
        "top\n# --8<-- [start:one]\nin one\n# ;--8<-- [start:lit]\n"
        "# --8<-- [start:two]\nin both\n# --8<-- [end:two]\n# --8<-- [end:one]\nbottom"
    )
    root = '--8<-- "lib.md:one"\n--8<-- "lib.md"'
    doc = expand(tmp_path, monkeypatch, {"root.md": root, "lib.md": lib})
    assert doc.text.split("\n") == [
        *("in one", "# --8<-- [start:lit]", "in both"),
        *("top", "in one", "# --8<-- [start:lit]", "in both", "bottom"),
    ]
    assert doc.text == pymdownx(root, [str(tmp_path)])
    assert origins(doc)[2] == "lib.md:6 (via root.md:1)"


def test_nested_origins_name_the_whole_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"root.md": 'r\n--8<-- "a.md"', "a.md": 'a\n  --8<-- "b.md"', "b.md": "b"}
    doc = expand(tmp_path, monkeypatch, files)
    assert doc.text == "r\na\n  b"
    assert origins(doc) == [
        "root.md:1",
        "a.md:1 (via root.md:2)",
        "b.md:1 (via a.md:2 < root.md:2)",
    ]


def test_trailing_newlines_and_empty_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = 'x\n--8<-- "nl.md"\n--8<-- "empty.md"\n--8<-- "empty.md:sec"\ny\n'
    doc = expand(tmp_path, monkeypatch, {"root.md": root, "nl.md": "N\n\n", "empty.md": ""})
    assert doc.text == "x\nN\n\n\ny\n"
    assert doc.text == pymdownx(root, [str(tmp_path)])
    assert len(doc.origins) == len(doc.text.split("\n"))


def test_expand_text_counts_lines_from_first_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.md": "A"})
    text, found = expand_text(
        'body\n--8<-- "a.md"',
        str(tmp_path / "r.md"),
        LoadOptions(base_paths=(str(tmp_path),)),
        first_line=5,
    )
    assert text == "body\nA"
    assert [o[0].line for o in found] == [5, 6]


# Deliberate differences from pymdownx.


def test_missing_file_names_marker_and_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"root.md": 'r\n--8<-- "a.md"', "a.md": 'a\n\n--8<-- "gone.md"'}
    with pytest.raises(IncludeError) as info:
        expand(tmp_path, monkeypatch, files)
    assert str(info.value).splitlines() == [
        "a.md:3: 'gone.md' not found (searched .)",
        "  included from root.md:2",
    ]


def test_missing_section_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IncludeError, match=r"section 'nope' not found in a\.md") as info:
        expand(tmp_path, monkeypatch, {"root.md": '--8<-- "a.md:nope"', "a.md": "A"})
    assert str(info.value.location) == "root.md:1"


def test_cycle_is_an_error_showing_the_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"root.md": '--8<-- "a.md"', "a.md": 'x\n--8<-- "b.md"', "b.md": '--8<-- "a.md"'}
    with pytest.raises(IncludeError) as info:
        expand(tmp_path, monkeypatch, files)
    assert str(info.value).splitlines() == [
        "b.md:1: include cycle: a.md -> b.md -> a.md",
        "  included from a.md:2",
        "  included from root.md:1",
    ]


def test_runbook_including_itself_is_a_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(IncludeError, match=r"include cycle: root\.md -> root\.md"):
        expand(tmp_path, monkeypatch, {"root.md": '--8<-- "root.md"'})


def test_deep_nesting_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {f"f{i}.md": f'--8<-- "f{i + 1}.md"' for i in range(80)}
    files["root.md"] = '--8<-- "f0.md"'
    files["f80.md"] = "end"
    with pytest.raises(IncludeError, match=f"nested deeper than {MAX_DEPTH}"):
        expand(tmp_path, monkeypatch, files)


def test_dot_paths_resolve_beside_the_including_file_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "root.md": '--8<-- "guide/logs.md"',
        "guide/logs.md": '--8<-- "./logs/via-cli.md"\n--8<-- "../top.md"',
        "guide/logs/via-cli.md": "cli",
        "top.md": "top",
    }
    doc = expand(tmp_path, monkeypatch, files)
    assert doc.text == "cli\ntop"
    assert origins(doc)[0] == "guide/logs/via-cli.md:1 (via guide/logs.md:1 < root.md:1)"


def test_default_bases_are_the_runbook_dir_then_snippets_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"snippets/s.md": "from snippets", "docs/ops/local.md": "local"})
    write_tree(tmp_path, {"docs/ops/root.md": '--8<-- "local.md"\n--8<-- "s.md"'})
    monkeypatch.chdir(tmp_path)
    doc = load_document("docs/ops/root.md", LoadOptions())
    assert doc.text == "local\nfrom snippets"
    assert origins(doc)[1] == "snippets/s.md:1 (via docs/ops/root.md:2)"


def test_base_path_order_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"root.md": '--8<-- "x.md"', "one/x.md": "one", "two/x.md": "two"}
    doc = expand(tmp_path, monkeypatch, files, base_paths=("two", "one"))
    assert doc.text == "two"


@pytest.mark.parametrize("spec", ["../outside.md", "sub/../../outside.md", "ABS"])
def test_escaping_every_root_is_refused_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    write_tree(tmp_path, {"outside.md": "secret"})
    spec = str(tmp_path / "outside.md") if spec == "ABS" else spec
    files = {"book/root.md": f'--8<-- "{spec}"', "book/sub/x.md": ""}
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path / "book")
    with pytest.raises(IncludeError, match="outside the runbook's directory and base paths"):
        load_document("root.md", LoadOptions())
    allowed = load_document("root.md", LoadOptions(allow_outside_root=True))
    assert allowed.text == "secret"


def test_symlink_out_of_the_roots_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"outside/secret.md": "secret", "book/root.md": '--8<-- "link.md"'})
    os.symlink(tmp_path / "outside" / "secret.md", tmp_path / "book" / "link.md")
    monkeypatch.chdir(tmp_path / "book")
    with pytest.raises(IncludeError, match=r"'link.md' resolves to \S*outside/secret\.md, outside"):
        load_document("root.md", LoadOptions())
    assert load_document("root.md", LoadOptions(allow_outside_root=True)).text == "secret"


def test_symlink_inside_the_roots_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"real.md": "real", "root.md": '--8<-- "link.md"'})
    os.symlink(tmp_path / "real.md", tmp_path / "link.md")
    monkeypatch.chdir(tmp_path)
    assert load_document("root.md", LoadOptions()).text == "real"


def test_crlf_and_bom_are_normalised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {
        "root.md": b'\xef\xbb\xbfr\r\n--8<-- "a.md"\r\n',
        "a.md": b"\xef\xbb\xbfA1\r\nA2\rA3",
    }
    doc = expand(tmp_path, monkeypatch, files)
    assert doc.text == "r\nA1\nA2\nA3\n"


def test_invalid_utf8_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {"root.md": '\n--8<-- "a.md"', "a.md": b"ok\nbad \xff here"}
    with pytest.raises(IncludeError) as info:
        expand(tmp_path, monkeypatch, files)
    assert str(info.value).splitlines() == [
        "a.md:2: not UTF-8 text (byte 0xff)",
        "  included from root.md:2",
    ]


def test_nul_byte_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IncludeError, match="NUL byte"):
        expand(tmp_path, monkeypatch, {"root.md": '--8<-- "a.md"', "a.md": b"a\x00"})


def test_directory_include_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"dir/x.md": "x"})
    with pytest.raises(IncludeError, match="dir is a directory"):
        expand(tmp_path, monkeypatch, {"root.md": '--8<-- "dir"'})


def test_bad_line_range_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IncludeError, match="bad line range"):
        expand(tmp_path, monkeypatch, {"root.md": '--8<-- "a.md:-"', "a.md": "A"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.invalid/a.md", "URL includes need --allow-url"),
        ("http://example.invalid/a.md", "only https:// URLs can be included"),
    ],
)
def test_urls_need_the_flag_and_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    with pytest.raises(IncludeError, match=message):
        expand(tmp_path, monkeypatch, {"root.md": f'--8<-- "{url}"'})


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}

    def do_GET(self) -> None:
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local https server with a throwaway certificate that requests is told to trust."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    base = f"https://127.0.0.1:{server.server_address[1]}"
    _Handler.routes = {
        "/a.md": (200, {}, f'remote A\n--8<-- "local.md"\n--8<-- "{base}/b.md"\n'.encode()),
        "/b.md": (200, {}, b"remote B"),
        "/big.md": (200, {}, b"x" * 5000),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/to-b": (302, {"Location": "/b.md"}, b""),
    }
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_https_include_with_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, https_server: str
) -> None:
    files = {"root.md": f'--8<-- "{https_server}/a.md"\n--8<-- "{https_server}/to-b"'}
    files["local.md"] = "must not be read by remote text"
    doc = expand(tmp_path, monkeypatch, files, allow_url=True)
    assert doc.text == "remote A\nremote B\n\nremote B"
    assert origins(doc)[1] == f"{https_server}/b.md:1 (via {https_server}/a.md:3 < root.md:1)"


@pytest.mark.parametrize(
    ("path", "message"),
    [("/big.md", "larger than 1000 bytes"), ("/to-file", "not https"), ("/nope", "HTTP 404")],
)
def test_https_include_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, https_server: str, path: str, message: str
) -> None:
    root = f'x\n--8<-- "{https_server}{path}"'
    with pytest.raises(IncludeError, match=message) as info:
        expand(tmp_path, monkeypatch, {"root.md": root}, allow_url=True, url_max_bytes=1000)
    assert str(info.value.location) == "root.md:2"
