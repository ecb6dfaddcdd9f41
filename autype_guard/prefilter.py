"""The first test every file goes through: do any of the rules' marker bytes occur in it?

Most files of a real tree hold none of the markers (`keys.PREFILTER_MARKERS` plus whatever
the active rules add), so a file usually costs one read and this one search. Two engines
give the same answers:

- `python`: the standard library only. Markers are grouped by their rarest byte (by how
  often each byte occurs in source code and bundles); each group becomes one regex that
  starts with that byte as a literal, so the regex engine's literal scan skips through the
  data, and the rest of each marker is checked around it. A group whose byte does not occur
  at all is ruled out by one `in` (memchr) first.
- `hyperscan`: one pass of Intel's Hyperscan (the `hyperscan` package, installed with the
  `fast` extra) over all markers at once, several times faster on large trees.

`auto` starts with `python` and moves to `hyperscan`, when it is installed, once a run has
seen enough bytes to pay for the import, so short runs (a pre-commit hook on a few files)
never load it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Callable, NamedTuple, Optional

ENGINES = ("auto", "python", "hyperscan")
# Bytes a run must have searched before `auto` loads Hyperscan (its import costs ~10 ms).
AUTO_SWITCH_BYTES = 4 << 20
# Bytes searched with plain `in` tests before the `python` engine compiles its regexes.
COMPILE_AFTER_BYTES = 1 << 20
# Printable ASCII from the most to the least frequent in source code and minified bundles
# (counted on the benchmark tree: the Python stdlib, Django, NumPy, npm bundles); bytes not
# listed (control characters, non-ASCII) count as rarer than all of them.
_BY_FREQUENCY = (
    b" etAnraiso,ldcCu.pmf()gh0E\\\"=_;Iy1bx2-:BvS/MGw3'4Tk*O{}D56K98QN[]7FRLPU>q+WjYz`H|&V#"
    b"<!J?X$%Z@~^"
)
_RANK = {byte: rank for rank, byte in enumerate(_BY_FREQUENCY)}


def _rarest(marker: bytes) -> int:
    """The index of the marker's least frequent byte (the first one on ties)."""
    return max(range(len(marker)), key=lambda i: (_RANK.get(marker[i], 1 << 16), -i))


class _PythonEngine:
    """Standard-library search: one anchored regex per rarest byte.

    Compiling those takes milliseconds, more than a few small files take to search with one
    `in` per marker, so the regexes are only built once `COMPILE_AFTER_BYTES` have been seen.
    """

    def __init__(self, markers: tuple[bytes, ...]) -> None:
        self.markers = markers
        self.searches: Optional[list[_Group]] = None
        self._seen = 0

    def __call__(self, data: bytes) -> bool:
        if self.searches is None:
            self._seen += len(data)
            if self._seen < COMPILE_AFTER_BYTES:
                return any(marker in data for marker in self.markers)
            self.searches = self._compile()
        return any(g.anchor in data and g.search(data) is not None for g in self.searches)

    def present(self, data: bytes) -> frozenset[bytes]:
        if self.searches is None:
            return frozenset(marker for marker in self.markers if marker in data)
        # Only the markers of groups whose search hits can be there.
        return frozenset(
            marker
            for g in self.searches
            if g.anchor in data and g.search(data) is not None
            for marker in g.markers
            if len(g.markers) == 1 or marker in data
        )

    def _compile(self) -> list[_Group]:
        groups: dict[int, list[bytes]] = {}
        for marker in self.markers:
            groups.setdefault(marker[_rarest(marker)], []).append(marker)
        searches = []
        # Rarest anchor first: its `in` test most often rules the whole group out.
        for anchor in sorted(groups, key=lambda b: -_RANK.get(b, 1 << 16)):
            alternatives = []
            for marker in groups[anchor]:
                # The byte at i, then the rest of the marker, then a look-behind for the part
                # before i: the pattern's literal prefix is the rare byte.
                i = _rarest(marker)
                alternative = re.escape(marker[i + 1 :])
                if i:
                    alternative += b"(?<=" + re.escape(marker) + b")"
                alternatives.append(alternative)
            body = b"|".join(sorted(set(alternatives)))
            pattern = re.escape(bytes([anchor])) + (b"(?:" + body + b")" if body else b"")
            searches.append(
                _Group(bytes([anchor]), re.compile(pattern).search, tuple(groups[anchor]))
            )
        return searches


class _Group(NamedTuple):
    """Markers sharing their rarest byte, and the regex search that finds any of them."""

    anchor: bytes
    search: Callable[[bytes], object]
    markers: tuple[bytes, ...]


class _HyperscanEngine:
    """All markers in one Hyperscan pass."""

    def __init__(self, markers: tuple[bytes, ...]) -> None:
        import hyperscan

        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        # Every byte written as \xHH: literal markers need no PCRE escaping rules.
        expressions = [b"".join(b"\\x%02x" % byte for byte in marker) for marker in markers]
        database.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(expressions),
        )
        self._database: Any = database
        self._scratch: Any = hyperscan.Scratch(database)
        self._markers = markers
        self._last: Optional[tuple[bytes, frozenset[bytes]]] = None

    def __call__(self, data: bytes) -> bool:
        # One pass reporting every marker once (HS_FLAG_SINGLEMATCH): a file without markers
        # is searched to its end either way, and for one with markers `present`, which
        # usually follows, is answered from this pass instead of a second one.
        last = self._last
        if last is not None and last[0] is data:
            return True
        found = self._scan(data)
        self._last = (data, found) if found else None
        return bool(found)

    def present(self, data: bytes) -> frozenset[bytes]:
        last = self._last
        self._last = None
        if last is not None and last[0] is data:
            return last[1]
        return self._scan(data)

    def _scan(self, data: bytes) -> frozenset[bytes]:
        if not data:
            return frozenset()
        found: set[int] = set()
        self._database.scan(
            data, match_event_handler=_collect, scratch=self._scratch, context=found
        )
        return frozenset(self._markers[i] for i in found)


def _collect(marker_id: int, start: int, end: int, flags: int, found: object) -> bool:
    assert isinstance(found, set)
    found.add(marker_id)
    return False  # go on


class BytesSearch:
    """One pattern searched in bytes, with Hyperscan or with Python's `re`.

    The two spellings must match the same inputs: `re_pattern` may use look-behind (which
    lets `re` skip ahead on a literal), `hs_pattern` may not (Hyperscan has none). Used for
    the second look at the few files the prefilter lets through.
    """

    def __init__(self, re_pattern: bytes, hs_pattern: bytes) -> None:
        self._re = re.compile(re_pattern)
        self._hs_pattern = hs_pattern
        self._hs: Optional[tuple[Any, Any]] = None

    def __call__(self, data: bytes, engine: str = "python") -> bool:
        if engine != "hyperscan":
            return self._re.search(data) is not None
        if self._hs is None:
            import hyperscan

            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=[self._hs_pattern], ids=[0], flags=[hyperscan.HS_FLAG_SINGLEMATCH]
            )
            self._hs = (database, hyperscan.Scratch(database))
        found: set[int] = set()
        database, scratch = self._hs
        if data:
            database.scan(data, match_event_handler=_collect, scratch=scratch, context=found)
        return bool(found)


def hyperscan_available() -> bool:
    """True when the optional `hyperscan` package can be imported."""
    try:
        import hyperscan  # noqa: F401
    except Exception:  # a missing wheel, or a shared library that fails to load
        return False
    return True


class Prefilter:
    """`prefilter(data)` is True when any marker occurs in `data`; False means none does.

    Never raises once built; an empty marker set matches nothing. Not thread-safe (the
    Hyperscan scratch space is per instance), which suits one instance per process.
    """

    def __init__(self, markers: Iterable[bytes], engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown prefilter engine {engine!r}; expected one of {ENGINES}")
        self.markers: tuple[bytes, ...] = tuple(sorted({m for m in markers if m}))
        self.requested = engine
        self._may_switch = engine == "auto"
        self._seen = 0
        self._search: Callable[[bytes], bool]
        if engine == "hyperscan":
            self._search = _HyperscanEngine(self.markers) if self.markers else _never
            self.engine = "hyperscan"
        else:
            self._search = _PythonEngine(self.markers) if self.markers else _never
            self.engine = "python"

    def __call__(self, data: bytes) -> bool:
        if self._may_switch:
            self._seen += len(data)
            if self._seen >= AUTO_SWITCH_BYTES:
                self._switch()
        return self._search(data)

    def prepare_for_large_run(self) -> None:
        """Settle now on the engine a large run would end up with (before forking workers,
        so they inherit it instead of each warming up on its own)."""
        if self._may_switch:
            self._switch()
        if isinstance(self._search, _PythonEngine) and self._search.searches is None:
            self._search.searches = self._search._compile()

    def present(self, data: bytes) -> frozenset[bytes]:
        """Every marker that occurs in `data` (a full search: for the few files that pass)."""
        if isinstance(self._search, (_PythonEngine, _HyperscanEngine)):
            return self._search.present(data)
        return frozenset()

    def _switch(self) -> None:
        self._may_switch = False  # decide once, whatever happens next
        if self.markers and hyperscan_available():
            try:
                self._search = _HyperscanEngine(self.markers)
            except Exception:  # a database that fails to compile: stay on the pure path
                return
            self.engine = "hyperscan"


def _never(data: bytes) -> bool:
    return False


__all__ = ["ENGINES", "BytesSearch", "Prefilter", "hyperscan_available"]
