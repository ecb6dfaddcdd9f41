"""The text scanner: keys in any text file, with the name they are assigned to if any.

Linear in the size of the file; works on minified one-line bundles and CRLF files alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Optional

from ..keys import KeyMatcher
from . import KeyOccurrence

# How far left of a key to look for the name it is assigned to: enough for
# `  "AUTYPE_API_KEY": "` or `export AUTYPE_API_KEY=`, short enough to stay cheap in bundles.
_CONTEXT_WINDOW = 120
# The name being assigned just before a key: `NAME=`, `NAME: `, `"NAME": "`, `NAME = '`,
# `--NAME ` is not matched. Matched on the reversed window, anchored at its start (the end of
# the text before the key): one attempt per key, so a long identifier run costs O(window),
# not O(window^2) as a `$`-anchored search would (minified bundles are full of such runs).
_ASSIGNED_NAME_REVERSED = re.compile(
    r"""(?:["'`]|-:?[A-Za-z_]+\{\$)?\s*(?:=:|>=|[:=])\s*["']?([A-Za-z0-9_.-]*[A-Za-z_])"""
)
# An HTTP header line or header entry naming the Autype header.
_X_API_KEY = re.compile(r"x-api-key", re.IGNORECASE)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def describe_context(before: str) -> tuple[str, Optional[str]]:
    """A message phrase and an env-var name suggested by the text just before a key."""
    window = before[-_CONTEXT_WINDOW:]
    if _X_API_KEY.search(window):
        return "in the X-API-Key header", None
    m = _ASSIGNED_NAME_REVERSED.match(window[::-1])
    if m:
        name = m.group(1)[::-1]
        env = name if _ENV_NAME.fullmatch(name) else None
        return f"assigned to {name}", env
    return "", None


def scan_text(text: str, matcher: KeyMatcher) -> Iterator[KeyOccurrence]:
    """Every key in `text` with its context; never raises."""
    for hit in matcher.find(text):
        line_start = text.rfind("\n", max(0, hit.start - _CONTEXT_WINDOW), hit.start) + 1
        context, env = describe_context(
            text[max(line_start, hit.start - _CONTEXT_WINDOW) : hit.start]
        )
        yield KeyOccurrence(hit, context, env)
