"""Which files have an exact automatic fix, and of what kind.

The one place that decides fixability per file, below both users: the rules call
`edit_kind_for` to set the kind of each key finding's `Fix.site` (which tells `fixes/apply.py`
which fixer edits the file) and `applicability_of` to set its `Fix.applicability`.
A finding in a fixable file can still stay unfixed when its exact spot has no safe edit
(a key inside a lambda default, a base64 blob, ...); `fix` then lists it with its suggestion.

| edit kind | files | the key becomes |
|---|---|---|
| python-literal | Python source | `os.environ["NAME"]` (libcst codemod) |
| script-literal | server-side JS/TS | `process.env.NAME` |
| workflow-value | `.github/workflows/*.yml` | `${{ secrets.NAME }}` |
| compose-value | `docker-compose*.yml`, `compose.yaml` | `${NAME}` |
| docs-placeholder | Markdown, rst, text, notebooks | the placeholder `ak_your_api_key_here` |

Everything else (browser-shipped code, templates, bundles, Dockerfiles, env files, other
config, other languages) has no exact fix: the suggestion is printed instead.
"""

from __future__ import annotations

from typing import Optional

from .model import Applicability, EditKind, FileKind, Place
from .suggest import is_compose_file, is_github_workflow


def edit_kind_for(path: str, kind: FileKind, place: Place) -> Optional[EditKind]:
    """The edit `fix` makes to the keys in a file, or None when no exact fix is safe there.
    Never raises."""
    if place is Place.SERVER:
        if kind is FileKind.PYTHON:
            return EditKind.PYTHON_LITERAL
        if kind is FileKind.SCRIPT:
            return EditKind.SCRIPT_LITERAL
        return None
    if place is Place.CONFIG and kind is FileKind.CONFIG:
        if is_github_workflow(path):
            return EditKind.WORKFLOW_VALUE
        if is_compose_file(path):
            return EditKind.COMPOSE_VALUE
        return None
    if place is Place.DOCS and kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return EditKind.DOCS_PLACEHOLDER
    return None


def applicability_of(edit: Optional[EditKind]) -> Applicability:
    """SAFE for docs (prose only), UNSAFE where the program or pipeline then needs the
    variable set, DISPLAY_ONLY where no exact fix exists (`edit` None)."""
    if edit is None:
        return Applicability.DISPLAY_ONLY
    if edit is EditKind.DOCS_PLACEHOLDER:
        return Applicability.SAFE
    return Applicability.UNSAFE
