"""Keys in binary files: every occurrence of the key prefix in both spellings is found in one
pass, keys are found wherever they sit (window boundaries of the search included), and a
prefix glued to a symbol name starts none."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autype_guard.binaries import find_keys
from autype_guard.engine import _matcher
from autype_guard.keys import DEFAULT_KEY_PATTERN, is_left_boundary
from autype_guard.prefilter import _WINDOW, Prefilter

from .conftest import fake_key

PATTERN = _matcher(DEFAULT_KEY_PATTERN).pattern
ASCII, UTF16 = b"ak_", "ak_".encode("utf-16-le")


def _naive_occurrences(data: bytes, markers: tuple[bytes, ...]) -> list[tuple[bytes, int]]:
    found = []
    for marker in markers:
        pos = data.find(marker)
        while pos != -1:
            found.append((pos, marker))
            pos = data.find(marker, pos + 1)
    return [(marker, pos) for pos, marker in sorted(found)]


def _reference_keys(data: bytes) -> list[tuple[int, str, str]]:
    """One `find` loop per spelling, as `find_keys` worked before its one-pass search."""
    hits = []
    for marker, width, encoding in ((ASCII, 1, ""), (UTF16, 2, "utf-16")):
        pos = data.find(marker)
        while pos != -1:
            lo = max(0, pos - 8 * width)
            lo += (pos - lo) % width
            hi = min(len(data), pos + 1024 * width)
            hi -= (hi - lo) % width
            window = data[lo:hi].decode("latin-1" if width == 1 else "utf-16-le", "replace")
            i = (pos - lo) // width
            m = PATTERN.match(window[i:])
            if m is not None and is_left_boundary(window, i):
                hits.append((pos, m.group(), encoding))
                pos = data.find(marker, pos + (m.end() - m.start()) * width)
            else:
                pos = data.find(marker, pos + len(marker))
    return sorted(hits)


def _binary(rng: random.Random, size: int, keys: int) -> bytes:
    """Random bytes with prefixes glued to symbol names, lone prefixes and keys in both
    spellings, some across the search's window boundaries."""
    data = bytearray(rng.randbytes(size))
    pieces = [b"weak_ptr\0", b"\0ak_\0", b"break_", "peak_x".encode("utf-16-le")]
    for n in range(keys):
        key = fake_key().encode()
        pieces.append(b"\0" + key + b"\0")
        pieces.append(b"\0\0" + key.decode().encode("utf-16-le") + b"\0\0")
        pieces.append(b"\n" + key[: 3 + n % 5])  # a prefix with too short a body
    for piece in pieces * 3:
        at = rng.choice([rng.randrange(size), _WINDOW - rng.randrange(1, 40)]) % size
        data[at : at + len(piece)] = piece
    return bytes(data)


@pytest.mark.parametrize("engine", ["ahocorasick", "python"])
@pytest.mark.parametrize("seed", range(6))
def test_occurrences_are_every_prefix_in_both_spellings(engine: str, seed: int) -> None:
    data = _binary(random.Random(seed), _WINDOW * 2 + 777, keys=4)
    search = Prefilter((ASCII, UTF16), engine)
    assert list(search.occurrences(data)) == _naive_occurrences(data, (ASCII, UTF16))


@pytest.mark.parametrize("seed", range(6))
def test_find_keys_finds_what_one_search_per_spelling_found(seed: int) -> None:
    data = _binary(random.Random(seed), _WINDOW * 2 + 777, keys=4)
    found = [(h.offset, h.key, h.encoding) for h in find_keys(data, PATTERN)]
    assert found == _reference_keys(data)
    assert len(found) >= 8  # the planted keys, in both spellings


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.sampled_from([ASCII, UTF16, b"w", b"\0"])))
def test_find_keys_agrees_with_the_reference_on_any_bytes(noise: bytes, extra: list[bytes]) -> None:
    data = noise + b"".join(extra) + noise
    found = [(h.offset, h.key, h.encoding) for h in find_keys(data, PATTERN)]
    assert found == _reference_keys(data)


@pytest.mark.parametrize(
    "markers",
    [
        (b"aba", b"ba"),  # "ba" occurs inside "aba": one leftmost-first pass misses it
        (b"aba",),  # "aba" overlaps itself in "ababa"
    ],
)
def test_markers_that_can_overlap_fall_back_to_a_find_per_marker(
    markers: tuple[bytes, ...],
) -> None:
    data = b"xxabaxbababa"
    assert list(Prefilter(markers).occurrences(data)) == _naive_occurrences(data, markers)
