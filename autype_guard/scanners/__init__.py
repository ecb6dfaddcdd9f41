"""Scanners find keys in one file's text and describe where each sits.

Each scanner returns `KeyOccurrence`s with offsets into the file's decoded text; rules turn
them into findings. `python` parses with libcst; everything else uses `text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from ..keys import KeyHit
from ..model import RelatedLocation

Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class KeyOccurrence:
    """A key at a place in a file, with what the code around it says about it."""

    hit: KeyHit
    context: str = ""  # a phrase for the message: "in assignment to API_KEY"
    env_name: Optional[str] = None  # an environment variable name the context suggests
    joined: bool = False  # assembled from several literals
    related: tuple[RelatedLocation, ...] = ()
    # A joined key: the ranges of the text that spell it, in order (see `spelled_by`); ()
    # when the key is not joined or no verbatim text spells it.
    pieces: Ranges = ()
    # Where the key's written form ends when that is not `hit.end` (a Python key joined
    # across lines: the hit, which spans and snippets show, stops on the first line).
    written_end: Optional[int] = None


@dataclass(frozen=True)
class Segment:
    """One literal's part of a joined value: `value`, and where the text holding it starts.

    `raw` is that text (a literal's body as written); None when the value is not written
    anywhere (a separator a join call defaults to)."""

    start: int
    raw: Optional[str]
    value: str


def spelled_by(segments: Sequence[Segment], start: int, end: int) -> Ranges:
    """The ranges of the text that spell `value[start:end]` of the joined value of
    `segments`, in order; () when a segment holding part of it is not written verbatim
    (an escape sequence anywhere in it could make its text look like the key's characters
    without being them)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for seg in segments:
        lo, hi = max(start, pos) - pos, min(end, pos + len(seg.value)) - pos
        pos += len(seg.value)
        if lo >= hi:
            continue
        if seg.raw != seg.value:
            return ()
        out.append((seg.start + lo, seg.start + hi))
    return tuple(out)


__all__ = ["KeyOccurrence", "Ranges", "Segment", "spelled_by"]
