"""Where a file's content ends up: server, browser, config or docs.

The place decides which AG1xx rule a key literal falls under and how severe it is.
"""

from __future__ import annotations

from .config import Config
from .model import FileKind, Place


def place_of(path: str, kind: FileKind, text: str, config: Config) -> Place:
    """The place of a file from its display path, kind and text; never raises."""
    if kind in (FileKind.CONFIG, FileKind.ENV):
        return Place.CONFIG
    if kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return Place.DOCS
    return Place.SERVER
