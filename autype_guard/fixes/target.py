"""What the fixers take and give back: a key to move and what happened to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Target:
    """A key to move: character offsets of its spelling in the text, the key, and the
    variable to read it from. `name` None means "leave this key alone" (no name was free).
    """

    start: int
    end: int
    key: str = field(repr=False)  # NOTE: never shown
    name: Optional[str] = None
    joined: bool = False  # split across literals (Python)
    encoding: str = ""  # how the key is spelled: "", "url", "escape", "base64", "joined"


@dataclass(frozen=True)
class Outcome:
    """What happened to one target."""

    fixed: bool
    replacement: str = ""  # what the key became, for the report
    reason: str = ""  # why it was not fixed
    reads: Optional[str] = None  # the code already reads this variable: the key goes there
    docs: bool = False  # replaced with the docs placeholder, not a lookup


@dataclass
class FileFix:
    """A fixer's result for one file: the new text (unchanged when nothing was fixed) and
    an outcome per target, keyed by the target's start offset."""

    text: str
    outcomes: dict[int, Outcome]
