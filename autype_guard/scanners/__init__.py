"""Scanners find keys in one file's text and describe where each sits.

Each scanner returns `KeyOccurrence`s with offsets into the file's decoded text; rules turn
them into findings. `python` parses with libcst; everything else uses `text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..keys import KeyHit
from ..model import RelatedLocation


@dataclass(frozen=True)
class KeyOccurrence:
    """A key at a place in a file, with what the code around it says about it."""

    hit: KeyHit
    context: str = ""  # a phrase for the message: "in assignment to API_KEY"
    env_name: Optional[str] = None  # an environment variable name the context suggests
    joined: bool = False  # assembled from several literals
    related: tuple[RelatedLocation, ...] = ()


__all__ = ["KeyOccurrence"]
