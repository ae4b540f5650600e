"""Questions this machine answers itself: platform, architecture, the Mac installer, GPUs, terminal.

As madwizard 9.0.7 (`src/choices/groups/aprioris`): a group is recognised from its answers'
names, the first rule that matches wins, in madwizard's order (GPUs, architecture, platform,
Homebrew, terminal). A recognised group takes madwizard's internal key
(`madwizard/apriori/platform`…) and its answers canonical names (`Darwin`, `Linux`, `Win32`;
`X64`, `Arm64`; `Homebrew`), and the host's answer is compared with them case-insensitively.
madwizard's CPU-count rule exists in its source but is not in its list, so it is not here either.
Nothing here runs a command: `brew` is looked up on `PATH`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import NamedTuple

PLATFORMS = {
    "mac": "darwin",
    "macos": "darwin",
    "darwin": "darwin",
    "linux": "linux",
    "win": "win32",
    "win32": "win32",
    "windows": "win32",
    "wsl": "linux",
    "wsl2": "linux",
    "windows subsystem for linux": "linux",
    "windows subsystem for linux 2": "linux",
}
ARCHES = {
    "intel": "x64",
    "x86": "x64",
    "intel 64-bit": "x64",
    "intel 64 bit": "x64",
    "arm": "arm64",
    "arm64": "arm64",
    "aarch64": "arm64",
    "apple silicon": "arm64",
    "m1": "arm64",
    "m2": "arm64",
}
GPU_OPTIONS = {"use gpus": "Use GPUs", "don't use gpus": "Don't use GPUs"}
_BREW = re.compile(r"(home)?brew", re.IGNORECASE)
_TERMINAL = re.compile(r"^(text|html)$", re.IGNORECASE)


class Apriori(NamedTuple):
    """A recognised group: madwizard's key for it and its answers' canonical names."""

    key: str
    """`madwizard/apriori/platform`, `…/arch`, `…/mac-installer`, `…/use-gpu`, `…/in-terminal`."""
    titles: tuple[str, ...]
    """The tabs' names after canonicalisation, in tab order (`MacOS` → `Darwin`)."""
    name: str
    """What the question is about (`Platform`), shown instead of the heading it first sits
    under: one apriori governs every guidebook that asks it, so no one heading names it."""


class Host(NamedTuple):
    """What the aprioris need to know about this machine."""

    platform: str
    """Node.js's `process.platform`: `linux`, `darwin`, `win32`…"""
    arch: str
    """Node.js's `process.arch`: `x64`, `arm64`, `ia32`…"""
    has_brew: bool
    """`brew` is on `PATH`."""
    num_gpus: str | None
    """`$NUM_GPUs` (madwizard's spelling), which decides the GPU question."""


_NODE_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
_NODE_ARCH |= {"i386": "ia32", "i686": "ia32", "armv7l": "arm", "ppc64le": "ppc64"}


def this_host(env: Mapping[str, str] | None = None) -> Host:
    """This machine, named as madwizard (Node.js) names it."""
    import shutil  # only when the host is asked about

    env = os.environ if env is None else env
    machine = os.uname().machine.lower() if hasattr(os, "uname") else ""
    return Host(
        platform=sys.platform if not sys.platform.startswith("linux") else "linux",
        arch=_NODE_ARCH.get(machine, machine),
        has_brew=shutil.which("brew", path=env.get("PATH")) is not None,
        num_gpus=env.get("NUM_GPUs"),
    )


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def recognise(titles: list[str]) -> Apriori | None:
    """madwizard's apriori group for tabs with these names, or None (an ordinary question)."""
    lower = [t.lower() for t in titles]
    if all(t in GPU_OPTIONS for t in lower):
        return Apriori("madwizard/apriori/use-gpu", tuple(GPU_OPTIONS[t] for t in lower), "GPUs")
    if all(t in ARCHES for t in lower):
        arches = tuple(_capitalize(ARCHES[t]) for t in lower)
        return Apriori("madwizard/apriori/arch", arches, "Architecture")
    if all(t in PLATFORMS for t in lower):
        names = tuple(_capitalize(PLATFORMS[t]) for t in lower)
        return Apriori("madwizard/apriori/platform", names, "Platform")
    if any(_BREW.search(t) for t in titles):
        names = tuple("Homebrew" if _BREW.search(t) else t for t in titles)
        return Apriori("madwizard/apriori/mac-installer", names, "Mac installer")
    if all(_TERMINAL.match(t) for t in titles):
        names = tuple("Text" if "text" in t else "HTML" for t in lower)
        return Apriori("madwizard/apriori/in-terminal", names, "Terminal")
    return None


def host_answer(key: str, host: Host) -> str | None:
    """The answer this machine gives to the apriori question `key`, or None (ask the user)."""
    if key == "madwizard/apriori/platform":
        return host.platform
    if key == "madwizard/apriori/arch":
        return host.arch
    if key == "madwizard/apriori/mac-installer":
        return "Homebrew" if host.has_brew else None
    if key == "madwizard/apriori/use-gpu":
        gpus = (host.num_gpus or "").strip()
        return "use gpus" if gpus.isdigit() and int(gpus) > 0 else "don't use gpus"
    if key == "madwizard/apriori/in-terminal":
        return "Text"
    return None
