"""AG104 key-in-docs."""

from __future__ import annotations

import re

from ..context import FileContext
from ..keys import ROTATE_HINT
from ..model import FileKind, Place, Severity, Span
from ..testing import Invalid, Valid
from .base import KeyLiteralRule

# The fields of a notebook cell (nbformat JSON) that hold its code and its saved outputs.
_CELL_FIELD = re.compile(r'"(source|outputs)"\s*:')


class KeyInDocs(KeyLiteralRule):
    """
    ## What it does
    Flags Autype API keys in documentation: Markdown, reStructuredText, plain-text notes,
    pasted logs and Jupyter notebooks (code cells and their saved outputs).

    ## Why is this bad?
    Docs get published, pasted into tickets and indexed. A real key in an example is a
    working key for whoever copies it, billed to your organization.

    ## Example
    ```bash
    curl -H "X-API-Key: ak_3hQ9xLr2Vt8mW1pZ" https://api.autype.com/api/v1/dev/projects
    ```

    ## Use instead
    ```bash
    curl -H "X-API-Key: $AUTYPE_API_KEY" https://api.autype.com/api/v1/dev/projects
    ```
    or the documentation placeholder `ak_your_api_key_here`, and rotate the exposed key in
    the Autype dashboard under Settings -> API Keys.

    ## Fix safety
    Safe for prose: `autype-guard fix` replaces the key with the placeholder
    `ak_your_api_key_here` (in notebooks, in the raw JSON) and keeps the key itself in the
    git-ignored `.env` file, so nothing is lost. A base64-encoded key is left for you.
    """

    CODE = "AG104"
    NAME = "key-in-docs"
    SEVERITY = Severity.MEDIUM
    CONTEXT_SEPARATOR = ", "
    PLACE = Place.DOCS
    MESSAGE = "Autype API key {preview} in documentation{context}"
    OUTPUT_MESSAGE = "Autype API key {preview} in a notebook's saved output{context}"
    CELL_MESSAGE = "Autype API key {preview} in a notebook cell{context}"
    FIX_TITLE = "Replace the key with the placeholder ak_your_api_key_here"

    @classmethod
    def message_at(cls, ctx: FileContext, start: int) -> str:
        if ctx.kind is not FileKind.NOTEBOOK:
            return cls.MESSAGE
        return cls.OUTPUT_MESSAGE if _in_output(ctx.text, start) else cls.CELL_MESSAGE

    @classmethod
    def suggestion_at(cls, ctx: FileContext, name: str, start: int) -> str:
        if ctx.kind is FileKind.NOTEBOOK and _in_output(ctx.text, start):
            return (
                "Clear the saved outputs before committing (`jupyter nbconvert --clear-output"
                " --inplace NOTEBOOK`, or nbstripout as a pre-commit hook), read the key from"
                f" the environment in the code, and {ROTATE_HINT}."
            )
        return cls.suggestion(ctx, name)

    VALID = (
        Valid('curl -H "X-API-Key: ak_your_api_key_here" $URL\n', path="README.md"),
        Valid('curl -H "X-API-Key: $AUTYPE_API_KEY" $URL\n', path="README.md"),
        Valid("Keys look like `ak_XXXXXXXXXXXXXXXXXXXX`.\n", path="docs/keys.rst"),
    )
    INVALID = (
        Invalid(
            'curl -H "X-API-Key: ak_3hQ9xLr2Vt8mW1pZ" $URL\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 21), (1, 40)),
            path="README.md",
            fixed='curl -H "X-API-Key: ak_your_api_key_here" $URL\n',
        ),
        Invalid(
            '{"source": ["k = \\"ak_3hQ9xLr2Vt8mW1pZ\\""]}\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 20), (1, 39)),
            path="notebook.ipynb",
            fixed='{"source": ["k = \\"ak_your_api_key_here\\""]}\n',
        ),
    )


def _in_output(text: str, start: int) -> bool:
    """Whether `start` lies in a cell's `outputs` rather than its `source`: the nearest of
    the two fields before it (nbformat writes each cell's fields in a fixed order, and an
    output never holds a `"source":` field of its own)."""
    last = None
    for m in _CELL_FIELD.finditer(text, max(0, start - 200_000), start):
        last = m.group(1)
    return last == "outputs"
