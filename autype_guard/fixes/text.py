"""Exact text edits for the non-Python files that have a safe fix (see `applicability.py`).

- server-side JS/TS: a string literal that is exactly the key (`"ak_..."`, `'ak_...'`,
  `` `ak_...` ``) becomes `process.env.NAME`; a key inside a longer string is left alone
  (the suggestion says what to write), because splicing JS strings safely needs a parser.
- GitHub workflows: the key becomes `${{ secrets.NAME }}`, wherever it sits in a value
  (`env:` entries, `with:` inputs, `run:` scripts all expand the expression).
- docker-compose: the key becomes `${NAME}`; `${NAME:-ak_...}` (a fallback) becomes `${NAME}`.
  In both YAML kinds a key inside a flow collection (`{a: ak_...}`, `[ak_...]`) is left
  alone (the expression's braces would end the collection), and a key in a comment becomes
  the docs placeholder.
- docs (Markdown, rst, text, notebooks): the key becomes `ak_your_api_key_here`. A notebook
  is edited as raw JSON text and must still parse afterwards.

Base64-encoded keys are never rewritten: the encoded blob may hold more than the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Optional

from ..keys import DOCS_PLACEHOLDER
from ..model import EditKind
from .target import FileFix, Outcome, Target

_JS_QUOTES = "\"'`"
# A YAML value that opens a flow collection before the key: `key: {`, `- [`, `{`.
_YAML_FLOW = re.compile(r"^\s*(?:-\s+)*(?:[^\s#][^#]*?:\s+)?[\[{]")
# A compose interpolation with a default, right before the key: `${NAME:-` or `${NAME-`.
_COMPOSE_DEFAULT = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-$")


def _in_comment(prefix: str) -> bool:
    """True when the line before the key has started a YAML (or shell) comment: a `#` at the
    start or after whitespace, outside quotes."""
    quote = ""
    for i, c in enumerate(prefix):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or prefix[i - 1] in " \t"):
            return True
    return False


def _line_prefix(text: str, start: int) -> str:
    return text[text.rfind("\n", 0, start) + 1 : start]


def _script(text: str, target: Target, name: str) -> tuple[int, int, str, Outcome]:
    quote = text[target.start - 1 : target.start]
    escaped = target.start >= 2 and text[target.start - 2] == "\\"
    if quote and quote in _JS_QUOTES and not escaped and text[target.end : target.end + 1] == quote:
        code = f"process.env.{name}"
        return target.start - 1, target.end + 1, code, Outcome(True, replacement=code)
    return (
        0,
        0,
        "",
        Outcome(
            False,
            reason=f"the key is part of a longer string; build it from process.env.{name} by hand",
        ),
    )


def _yaml(text: str, target: Target, name: str, kind: EditKind) -> tuple[int, int, str, Outcome]:
    prefix = _line_prefix(text, target.start)
    if _in_comment(prefix):
        return (
            target.start,
            target.end,
            DOCS_PLACEHOLDER,
            Outcome(True, replacement=DOCS_PLACEHOLDER, docs=True),
        )
    if _YAML_FLOW.match(prefix):
        return 0, 0, "", Outcome(False, reason="the key sits in a YAML flow collection")
    if kind is EditKind.WORKFLOW_VALUE:
        code = f"${{{{ secrets.{name} }}}}"
        return target.start, target.end, code, Outcome(True, replacement=code)
    default = _COMPOSE_DEFAULT.search(prefix)
    if default is not None and text[target.end : target.end + 1] == "}":
        bound = default.group(1)
        if bound != name:
            return 0, 0, "", Outcome(False, reason=f"the file reads {bound}", reads=bound)
        code = f"${{{bound}}}"
        start = target.start - len(default.group(0))
        return start, target.end + 1, code, Outcome(True, replacement=code, reads=bound)
    code = f"${{{name}}}"
    return target.start, target.end, code, Outcome(True, replacement=code)


def bound_name(text: str, kind: EditKind, target: Target) -> Optional[str]:
    """The variable the file already reads at this key (a compose `${NAME:-ak_...}`)."""
    if kind is not EditKind.COMPOSE_VALUE:
        return None
    m = _COMPOSE_DEFAULT.search(_line_prefix(text, target.start))
    if m is None or text[target.end : target.end + 1] != "}":
        return None
    return m.group(1)


def fix_text(text: str, kind: EditKind, targets: Sequence[Target]) -> FileFix:
    """Apply the exact edits for `kind` to `text`. Never raises; a target without a
    safe edit keeps its text and gets the reason."""
    outcomes: dict[int, Outcome] = {}
    edits: list[tuple[int, int, str]] = []
    for target in sorted(targets, key=lambda t: t.start):
        if target.encoding == "base64":
            reason = "the key is base64-encoded together with other data"
            outcomes[target.start] = Outcome(False, reason=reason)
            continue
        if target.name is None and kind is not EditKind.DOCS_PLACEHOLDER:
            outcomes[target.start] = Outcome(
                False, reason="no variable name", reads=bound_name(text, kind, target)
            )
            continue
        name = target.name or ""
        if kind is EditKind.DOCS_PLACEHOLDER:
            edit = (
                target.start,
                target.end,
                DOCS_PLACEHOLDER,
                Outcome(True, replacement=DOCS_PLACEHOLDER, docs=True),
            )
        elif kind is EditKind.SCRIPT_LITERAL:
            edit = _script(text, target, name)
        elif kind in (EditKind.WORKFLOW_VALUE, EditKind.COMPOSE_VALUE):
            edit = _yaml(text, target, name, kind)
        else:
            edit = (0, 0, "", Outcome(False, reason="no text fix for this kind of file"))
        start, end, content, outcome = edit
        if outcome.fixed and edits and start < edits[-1][1]:
            outcome = Outcome(False, reason="overlaps another fix")
        outcomes[target.start] = outcome
        if outcome.fixed:
            edits.append((start, end, content))
    new = text
    for start, end, content in reversed(edits):
        new = new[:start] + content + new[end:]
    if kind is EditKind.DOCS_PLACEHOLDER and new != text and _is_json(text) and not _is_json(new):
        reason = "the notebook would not be valid JSON afterwards"
        return FileFix(text, {t.start: Outcome(False, reason=reason) for t in targets})
    return FileFix(new, outcomes)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


__all__ = ["bound_name", "fix_text"]
