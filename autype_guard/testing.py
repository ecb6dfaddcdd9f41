"""Example types that rules carry as documentation and the test-suite runs as tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import Span


@dataclass(frozen=True)
class Valid:
    """Source that the rule must not flag, as it would appear in a file named `path`."""

    code: str
    path: str = "app.py"


@dataclass(frozen=True)
class Invalid:
    """Source that the rule must flag at `span` (the key's own characters)."""

    code: str
    span: Span
    path: str = "app.py"
    fixed: Optional[str] = None  # the source after `autype-guard fix`, when pinned


__all__ = ["Invalid", "Span", "Valid"]
