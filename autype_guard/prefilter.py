"""The first test every file goes through: do any of the rules' marker bytes occur in it?

Most files of a real tree hold none of the markers (`keys.PREFILTER_MARKERS` plus whatever
the active rules add), so a file usually costs one read and this one search. A marker may
come with a confirmation, a check of the bytes around each occurrence (`"break"` holds the
marker `ak"` of a literal closing on "ak", but glued to an identifier it cannot start a
key): it counts as present only where that holds. Two engines give the same answers:

- `python`: the standard library only. Markers are grouped by their rarest byte (by how
  often each byte occurs in source code and bundles); each group becomes one regex that
  starts with that byte as a literal, so the regex engine's literal scan skips through the
  data, and the rest of each marker is checked around it. A group whose byte does not occur
  at all is ruled out by one `in` (memchr) first.
- `ahocorasick`: one pass of the `ahocorasick_rs` package (a dependency where it has
  wheels) over all markers at once, several times faster on large trees.

`auto` picks `ahocorasick` when it is installed (its import and set-up cost about a
millisecond), `python` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, Optional, Union

# What `Prefilter.absent` searches: bytes, or a view of a buffer read into.
Buffer = Union[bytes, bytearray, memoryview]

ENGINES = ("auto", "python", "ahocorasick")
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

# `check(data, start, end)`: does the marker occurrence at data[start:end] count?
Confirmation = Callable[[bytes, int, int], bool]
Confirmations = Mapping[bytes, Confirmation]


def _rarest(marker: bytes) -> int:
    """The index of the marker's least frequent byte (the first one on ties)."""
    return max(range(len(marker)), key=lambda i: (_RANK.get(marker[i], 1 << 16), -i))


class _PythonEngine:
    """Standard-library search: one anchored regex per rarest byte.

    Compiling those takes milliseconds, more than a few small files take to search with one
    `in` per marker, so the regexes are only built once `COMPILE_AFTER_BYTES` have been seen.
    """

    def __init__(self, markers: tuple[bytes, ...], confirm: Confirmations) -> None:
        self.markers = markers
        self.searches: Optional[list[_Group]] = None
        self._confirm = confirm
        self._seen = 0

    def may_match(self, data: bytes) -> bool:
        """False when no marker occurs in `data` at all (the common case, made cheap)."""
        if self.searches is None:
            self._seen += len(data)
            if self._seen < COMPILE_AFTER_BYTES:
                return any(marker in data for marker in self.markers)
            self.searches = self._compile()
        return any(g.anchor in data and g.search(data) is not None for g in self.searches)

    def present(self, data: bytes) -> frozenset[bytes]:
        if self.searches is None:
            found: Iterable[bytes] = (marker for marker in self.markers if marker in data)
        else:
            # Only the markers of groups whose search hits can be there.
            found = (
                marker
                for g in self.searches
                if g.anchor in data and g.search(data) is not None
                for marker in g.markers
                if len(g.markers) == 1 or marker in data
            )
        return frozenset(
            marker
            for marker in found
            if marker not in self._confirm or _occurs(data, marker, self._confirm[marker])
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


class _AhoCorasickEngine:
    """All markers in one pass of the `ahocorasick_rs` package (Rust's aho-corasick crate,
    whose SIMD "Teddy" searcher handles a few dozen short literals at memory speed).

    The search is leftmost-first and non-overlapping, longest marker first, in windows of
    `_WINDOW` bytes (so a file full of markers never builds a huge match list). A marker that
    occurs only inside or across another marker's match is not reported by such a search;
    when a marker that can hide others matched, those are looked up directly.
    """

    def __init__(self, markers: tuple[bytes, ...], confirm: Confirmations) -> None:
        import ahocorasick_rs

        # Longest first: at one position, leftmost-first reports the earliest listed.
        self._order = sorted(markers, key=lambda m: (-len(m), m))
        self._automaton: Any = ahocorasick_rs.BytesAhoCorasick(
            self._order, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST
        )
        self._confirm = {i: confirm[m] for i, m in enumerate(self._order) if m in confirm}
        self._overlap = max(len(m) for m in markers) - 1
        # For each marker, the others that may start inside one of its matches.
        self._hides = _hidden_by(self._order)

    def may_match(self, data: bytes) -> bool:
        return True  # `present` is the one pass

    def occurs(self, data: Buffer) -> bool:
        """Whether any marker occurs in `data`, confirmed or not (any bytes-like object,
        searched where it lies)."""
        find = self._automaton.find_matches_as_indexes
        if len(data) <= _WINDOW:
            return bool(find(data))
        view = memoryview(data)
        # A leftmost-first search reports a match wherever some marker occurs first.
        return any(
            find(view[base : base + _WINDOW + self._overlap])
            for base in range(0, len(view), _WINDOW)
        )

    def starts(self, data: bytes) -> Iterator[tuple[int, int]]:
        """(marker index, offset) of every match of a leftmost-first search, in order; a
        match is listed by the window it starts in (windows overlap by `_overlap`)."""
        find = self._automaton.find_matches_as_indexes
        view = memoryview(data)
        for base in range(0, len(data), _WINDOW):
            for i, start, _ in find(view[base : base + _WINDOW + self._overlap]):
                if start < _WINDOW:
                    yield i, base + start

    def present(self, data: bytes) -> frozenset[bytes]:
        find = self._automaton.find_matches_as_indexes
        if len(data) <= _WINDOW:  # most files: one search, which usually finds nothing
            matches = find(data)
            return self._confirmed(data, ((0, matches),)) if matches else _NONE
        view = memoryview(data)
        windows = (
            (base, find(view[base : base + _WINDOW + self._overlap]))
            for base in range(0, len(data), _WINDOW)
        )
        return self._confirmed(data, windows)

    def _confirmed(self, data: bytes, windows: Iterable[tuple[int, list[Any]]]) -> frozenset[bytes]:
        """The markers that count among each window's matches (a window: its offset in
        `data` and what the search found in it)."""
        confirmed: set[int] = set()
        for base, matches in windows:
            if not matches:
                continue
            for i in {m[0] for m in matches}:
                if i not in confirmed and self._confirmed_in(data, i, base, matches):
                    confirmed.add(i)
                # Markers that may hide inside or across this one's matches: looked up there.
                for hidden in self._hides[i] - confirmed:
                    if any(
                        self._occurs_within(data, hidden, base + start, base + end)
                        for j, start, end in matches
                        if j == i
                    ):
                        confirmed.add(hidden)
        return frozenset(self._order[i] for i in confirmed)

    def _confirmed_in(self, data: bytes, i: int, base: int, matches: list[Any]) -> bool:
        """Whether one of marker `i`'s `matches` in the window at `base` counts."""
        check = self._confirm.get(i)
        return check is None or any(
            check(data, base + start, base + end) for j, start, end in matches if j == i
        )

    def _occurs_within(self, data: bytes, i: int, start: int, end: int) -> bool:
        """Whether marker `i` occurs (confirmed) at a position in [start, end)."""
        marker = self._order[i]
        check = self._confirm.get(i)
        return any(
            data.startswith(marker, p) and (check is None or check(data, p, p + len(marker)))
            for p in range(start, end)
        )


# Bytes per search call of `_AhoCorasickEngine` (bounds the match list it returns).
_WINDOW = 1 << 18
_NONE: frozenset[bytes] = frozenset()


def _hidden_by(markers: list[bytes]) -> dict[int, frozenset[int]]:
    """For each marker (by index), the others that can occur at a position inside one of its
    matches: contained in it, or starting on a proper suffix of it (one of the other's
    prefixes is one of its proper suffixes)."""
    suffixes = [{m[k:] for k in range(1, len(m))} for m in markers]
    prefixes = [{m[:k] for k in range(1, len(m) + 1)} for m in markers]
    return {
        i: frozenset(
            j
            for j, other in enumerate(markers)
            if j != i and (other in m or not suffixes[i].isdisjoint(prefixes[j]))
        )
        for i, m in enumerate(markers)
    }


def _occurs(data: bytes, marker: bytes, check: Optional[Confirmation]) -> bool:
    i = data.find(marker)
    while i != -1:
        if check is None or check(data, i, i + len(marker)):
            return True
        i = data.find(marker, i + 1)
    return False


def ahocorasick_available() -> bool:
    """True when the optional `ahocorasick_rs` package can be imported."""
    try:
        import ahocorasick_rs  # noqa: F401
    except Exception:  # a missing wheel, or a shared library that fails to load
        return False
    return True


class Prefilter:
    """`prefilter(data)` is True when any marker occurs (and is confirmed) in `data`; False
    means none does. `present(data)` says which.

    Never raises once built; an empty marker set matches nothing. Keeps the last answer for
    the `present` call that follows; one instance per process.
    """

    def __init__(
        self,
        markers: Iterable[bytes],
        engine: str = "auto",
        confirm: Optional[Confirmations] = None,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown prefilter engine {engine!r}; expected one of {ENGINES}")
        self.markers: tuple[bytes, ...] = tuple(sorted({m for m in markers if m}))
        self.marker_set = frozenset(self.markers)
        confirm = {m: check for m, check in (confirm or {}).items() if m in self.markers}
        self.requested = engine
        self._search: Optional[_PythonEngine | _AhoCorasickEngine] = None
        self._last: Optional[tuple[bytes, frozenset[bytes]]] = None
        self.engine = "python"
        if self.markers and engine != "python" and (engine != "auto" or ahocorasick_available()):
            self._search = _AhoCorasickEngine(self.markers, confirm)
            self.engine = "ahocorasick"
        elif self.markers:
            self._search = _PythonEngine(self.markers, confirm)

    def __call__(self, data: bytes) -> bool:
        search = self._search
        if search is None or not search.may_match(data):
            self._last = None
            return False
        # `present`, which follows for a file that passes, is answered from this search.
        found = search.present(data)
        self._last = (data, found) if found else None
        return bool(found)

    def absent(self, data: Buffer) -> bool:
        """True when no marker occurs in `data` at all, which may be any bytes-like object (a
        view of a reused buffer: the `ahocorasick` engine searches it without a copy). False
        tells nothing: ask `prefilter(bytes(data))`."""
        search = self._search
        if search is None:
            return True
        if isinstance(search, _AhoCorasickEngine):
            return not search.occurs(data)
        return not search.may_match(bytes(data))

    def occurrences(self, data: bytes) -> Iterator[tuple[bytes, int]]:
        """(marker, offset) of every occurrence of a marker in `data`, by offset, confirmed or
        not. For marker sets where no occurrence can start inside another's match (such as
        a key prefix and its UTF-16 spelling): one pass with the `ahocorasick` engine; other
        sets, and the `python` engine, take a `find` pass per marker."""
        search = self._search
        if (
            isinstance(search, _AhoCorasickEngine)
            and not any(search._hides.values())
            and not any(m.startswith(m[k:]) for m in self.markers for k in range(1, len(m)))
        ):
            order = search._order
            for i, start in search.starts(data):
                yield order[i], start
            return
        found: list[tuple[int, bytes]] = []
        for marker in self.markers:
            pos = data.find(marker)
            while pos != -1:
                found.append((pos, marker))
                pos = data.find(marker, pos + 1)
        for pos, marker in sorted(found):
            yield marker, pos

    def absent_test(self) -> Callable[[Buffer], bool]:
        """`absent` as one function, for the per-file loop of a large run: with the
        `ahocorasick` engine, a file of one search window is one search call."""
        search = self._search
        if not isinstance(search, _AhoCorasickEngine):
            return self.absent
        find, occurs = search._automaton.find_matches_as_indexes, search.occurs

        def absent(data: Buffer) -> bool:
            return not (find(data) if len(data) <= _WINDOW else occurs(data))

        return absent

    def prepare_for_large_run(self) -> None:
        """Build now what a large run needs (before forking workers, so they inherit it)."""
        if isinstance(self._search, _PythonEngine) and self._search.searches is None:
            self._search.searches = self._search._compile()

    def present(self, data: bytes) -> frozenset[bytes]:
        """Every marker that occurs in `data` (a full search: for the few files that pass)."""
        last = self._last
        self._last = None
        if last is not None and last[0] is data:
            return last[1]
        return frozenset() if self._search is None else self._search.present(data)


__all__ = ["ENGINES", "Buffer", "Confirmation", "Prefilter", "ahocorasick_available"]
