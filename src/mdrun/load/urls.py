"""`https://` includes, fetched only when the user passed `--allow-url`.

requests is imported here, lazily, so that runbooks without URL includes never pay for it.
"""

from __future__ import annotations

import time

from mdrun.errors import IncludeError
from mdrun.load.sources import Source, decode
from mdrun.model import LoadOptions, Origin, SourceLocation

MAX_REDIRECTS = 5


def fetch(url: str, options: LoadOptions, location: SourceLocation, chain: Origin) -> Source:
    """Download `url` (https only, redirects included) within the size and time caps."""
    import requests

    current = url
    deadline = time.monotonic() + options.url_timeout
    for _ in range(MAX_REDIRECTS + 1):
        try:
            with requests.get(
                current, timeout=options.url_timeout, stream=True, allow_redirects=False
            ) as response:
                if response.is_redirect:
                    current = _next_hop(url, current, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise IncludeError(f"{url}: HTTP {response.status_code}")
                data = _read_capped(url, response, options.url_max_bytes, deadline)
        except requests.RequestException as exc:
            raise IncludeError(f"{url}: {type(exc).__name__}: {exc}", location, chain) from None
        except IncludeError as exc:
            raise IncludeError(exc.message, location, chain) from None
        text = decode(data, url, (*chain, location))
        return Source(url, url, text.split("\n"), is_url=True)
    raise IncludeError(f"{url}: more than {MAX_REDIRECTS} redirects", location, chain)


def join(base: str, reference: str) -> str:
    """`reference` resolved against the URL `base`. Like `requests` in `fetch`, urllib.parse
    is imported only here, when a runbook names a URL (it costs every start otherwise)."""
    from urllib.parse import urljoin

    return urljoin(base, reference)


def _next_hop(url: str, current: str, location: str) -> str:
    target = join(current, location)
    # A redirect must not turn an https include into a local file or a plain-text fetch.
    if not target.lower().startswith("https://"):
        raise IncludeError(f"{url}: redirected to {target}, which is not https://")
    return target


def _read_capped(url: str, response: object, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):  # type: ignore[attr-defined]
        size += len(chunk)
        if size > limit:
            raise IncludeError(f"{url}: larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise IncludeError(f"{url}: took longer than the URL timeout")
        chunks.append(chunk)
    return b"".join(chunks)
