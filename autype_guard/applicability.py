"""Which files have an exact automatic fix, and of what kind.

The one place that decides fixability per file, below both users: the rules call
`applicability_for` to set each finding's `Fix.applicability`, and `fixes/apply.py` calls
`strategy_for` to pick the fixer.
A finding in a fixable file can still stay unfixed when its exact spot has no safe edit
(a key inside a lambda default, a base64 blob, ...); `fix` then lists it with its suggestion.

| strategy | files | the key becomes |
|---|---|---|
| python | Python source | `os.environ["NAME"]` (libcst codemod) |
| script | server-side JS/TS | `process.env.NAME` |
| workflow | `.github/workflows/*.yml` | `${{ secrets.NAME }}` |
| compose | `docker-compose*.yml`, `compose.yaml` | `${NAME}` |
| docs | Markdown, rst, text, notebooks | the placeholder `ak_your_api_key_here` |

Everything else (browser-shipped code, templates, bundles, Dockerfiles, env files, other
config, other languages) has no exact fix: the suggestion is printed instead.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

from .model import Applicability, FileKind, Place
from .suggest import is_compose_file, is_github_workflow


class Strategy(str, Enum):
    """How the keys in one file are fixed."""

    PYTHON = "python"
    SCRIPT = "script"
    WORKFLOW = "workflow"
    COMPOSE = "compose"
    DOCS = "docs"


def strategy_for(path: str, kind: FileKind, place: Place) -> Optional[Strategy]:
    """The fixer for a file, or None when no exact fix is safe there. Never raises."""
    if place is Place.SERVER:
        if kind is FileKind.PYTHON:
            return Strategy.PYTHON
        if kind is FileKind.SCRIPT:
            return Strategy.SCRIPT
        return None
    if place is Place.CONFIG and kind is FileKind.CONFIG:
        if is_github_workflow(path):
            return Strategy.WORKFLOW
        if is_compose_file(path):
            return Strategy.COMPOSE
        return None
    if place is Place.DOCS and kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return Strategy.DOCS
    return None


def applicability_for(path: str, kind: FileKind, place: Place) -> Applicability:
    """SAFE for docs (prose only), UNSAFE where the program or pipeline then needs the
    variable set, DISPLAY_ONLY where no exact fix exists."""
    strategy = strategy_for(path, kind, place)
    if strategy is None:
        return Applicability.DISPLAY_ONLY
    if strategy is Strategy.DOCS:
        return Applicability.SAFE
    return Applicability.UNSAFE
