"""`lazy_compile`: a pattern compiled at its first use behaves as the compiled pattern."""

from __future__ import annotations

import copy
import re

from autype_guard.lazy_regex import lazy_compile


def test_it_compiles_on_first_use_and_then_answers_as_the_pattern() -> None:
    lazy = lazy_compile(r"(?P<word>ak)_(\d+)", re.IGNORECASE)
    assert "search" not in vars(lazy)  # nothing compiled yet
    assert lazy.pattern == r"(?P<word>ak)_(\d+)"
    real = re.compile(r"(?P<word>ak)_(\d+)", re.IGNORECASE)
    text = "x AK_12 ak_3"
    m = lazy.search(text)
    assert m is not None and m.span() == real.search(text).span()  # type: ignore[union-attr]
    assert [m.group("word") for m in lazy.finditer(text)] == ["AK", "ak"]
    assert lazy.sub("#", text) == real.sub("#", text)
    assert lazy.groups == 2 and lazy.groupindex == {"word": 1}
    assert lazy.flags == real.flags
    assert vars(lazy)["search"].__self__.pattern == real.pattern  # held after the first use


def test_bytes_patterns_and_invalid_patterns() -> None:
    assert lazy_compile(rb"ak_\w+").findall(b"ak_x1 ak_") == [b"ak_x1"]
    broken = lazy_compile(r"(")
    try:
        broken.match("(")
    except re.error:
        pass
    else:
        raise AssertionError("an invalid pattern raises re.error when used")


def test_copies_and_reprs_do_not_compile_or_fail() -> None:
    lazy = lazy_compile(r"a+")
    assert "lazy_compile('a+'" in repr(lazy)
    assert copy.copy(lazy).pattern == "a+"
    assert "search" not in vars(lazy)
