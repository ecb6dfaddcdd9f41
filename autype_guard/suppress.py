"""Deciding which findings the user has accepted: inline comments, per-file ignores,
the fingerprint allowlist."""

from __future__ import annotations

import re
from typing import Optional

from .config import Config
from .discovery import glob_match
from .model import Finding

# `autype-guard: ignore` or `autype-guard: ignore[AG101, AG103]` anywhere on the line, so it
# works in every comment syntax (#, //, /* */, <!-- -->, {# #}, ;, --).
_INLINE_IGNORE = re.compile(r"autype-guard:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")


def inline_ignore_codes(line: str) -> Optional[frozenset[str]]:
    """None if the line has no ignore comment; an empty set means "every rule"."""
    m = _INLINE_IGNORE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return frozenset()
    return frozenset(c.strip().upper() for c in m.group(1).split(",") if c.strip())


def is_inline_ignored(line: str, code: str) -> bool:
    """True when `line` carries an ignore comment covering `code`."""
    codes = inline_ignore_codes(line)
    return codes is not None and (not codes or code in codes)


def is_config_ignored(finding: Finding, relpath: str, config: Config) -> bool:
    """True when per-file-ignores or the allowlist cover the finding."""
    if finding.fingerprint in config.allowlist:
        return True
    return any(
        finding.code in codes and glob_match(relpath, glob)
        for glob, codes in config.per_file_ignores
    )
