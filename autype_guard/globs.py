"""The one glob implementation: gitignore-like globs for excludes, per-file ignores and
browser paths (`**` spans directories, `*` and `?` do not)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Optional


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a gitignore-like glob: `**` spans directories, `*` and `?` do not."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    # A pattern without "/" matches a name at any depth, like gitignore; either way a match
    # on a directory covers everything below it.
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{body}(?:/.*)?")


def glob_match(relpath: str, pattern: str) -> bool:
    """True when the `/`-separated relative path matches the glob (or lies below a match)."""
    return _glob_regex(pattern).fullmatch(relpath) is not None


class GlobSet:
    """Several globs compiled for matching many paths: `match(rel)` is True when any glob
    matches `rel` (see `glob_match`).

    `match_name(rel, name)` is the same test for a path whose parent directories are known
    not to match (a walk that prunes excluded directories): globs without a `/` match a path
    exactly when they match one of its components, so for them only the last one, `name`,
    needs testing, and literal names are a set lookup.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        names: set[str] = set()
        name_globs: list[str] = []
        path_globs: list[str] = []
        for pattern in patterns:
            body = pattern.strip("/")
            if not body:
                continue
            if "/" in pattern.rstrip("/") or "**" in body:
                path_globs.append(pattern)
            elif not any(c in body for c in "*?[\\"):
                names.add(body)
            else:
                name_globs.append(pattern)
        self.names = frozenset(names)
        self._name = _alternation(name_globs)
        self._path = _alternation(path_globs)
        # Only literal names (the default excludes): `match_name` is `name in names`.
        self.names_only = self._name is None and self._path is None

    def match(self, rel: str) -> bool:
        if self._path is not None and self._path.fullmatch(rel) is not None:
            return True
        return any(self._match_component(part) for part in rel.split("/"))

    def _match_component(self, name: str) -> bool:
        return name in self.names or (
            self._name is not None and self._name.fullmatch(name) is not None
        )

    def match_name(self, rel: str, name: str) -> bool:
        return self._match_component(name) or (
            self._path is not None and self._path.fullmatch(rel) is not None
        )


def _alternation(patterns: Sequence[str]) -> Optional[re.Pattern[str]]:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{_glob_regex(p).pattern})" for p in patterns))


@lru_cache(maxsize=16)
def glob_set(patterns: tuple[str, ...]) -> GlobSet:
    """A cached `GlobSet` of `patterns`."""
    return GlobSet(patterns)
