"""The escaping helper every reporter uses: control characters as visible `\\x1b` text,
unambiguous to read back, the caret moved with the text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from autype_guard.report.escape import escape_path, escape_snippet, escape_text

# Raw control characters escaped text may not contain (newline is checked on its own).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


# --- the helper ----------------------------------------------------------------------------


def unescape(text: str) -> str:
    """Read `escape_text` back: backslash runs before an `x` are doubled, and an odd one
    ends in a `\\xNN` escape."""

    def one(match: re.Match[str]) -> str:
        run_, x, digits = match.group(1), match.group(2), match.group(3)
        if x is None:
            return run_
        if len(run_) % 2:
            return "\\" * (len(run_) // 2) + chr(int(digits, 16))
        return "\\" * (len(run_) // 2) + "x" + (digits or "")

    return re.sub(r"(\\+)(x([0-9a-f]{2})?)?", one, text)


def test_escape_text_spells_controls_and_keeps_ordinary_backslashes() -> None:
    assert escape_text("a\x1bb\tc\nd\x7f\x9b") == "a\\x1bb\\x09c\\x0ad\\x7f\\x9b"
    assert escape_text("C:\\Users\\n") == "C:\\Users\\n"
    assert escape_text("\\x1b") == "\\\\x1b"  # the text, not ESC
    assert escape_text("\\\x1b") == "\\\\\\x1b"  # a backslash, then ESC
    assert escape_path("C:\\xampp\\\x9b") == "C:\\xampp\\\\x9b"


@given(st.text(alphabet="\\x1b\x1b\x9b\x7f\x00a\n\t", max_size=30))
def test_escape_text_is_safe_and_reads_back(text: str) -> None:
    escaped = escape_text(text)
    assert not RAW.search(escaped) and "\n" not in escaped
    assert unescape(escaped) == text


@given(
    st.text(alphabet="\\x1\x1b\x9bab", max_size=12),
    st.text(alphabet="ak_…x\x1b\x9b", min_size=1, max_size=5),
    st.text(alphabet="\\x1\x1b\x9bab", max_size=12),
)
def test_escape_snippet_moves_the_caret_with_the_text(before: str, key: str, after: str) -> None:
    escaped, (start, width) = escape_snippet(before + key + after, (len(before), len(key)))
    assert escaped == escape_text(before + key + after)
    assert escaped[start : start + width] == escape_text(key)
