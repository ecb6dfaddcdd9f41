r"""Control characters from scanned files and file names, made harmless before output.

A snippet, message or file name is data from the scanned tree: printed raw, `ESC ] 52`
writes the clipboard, `ESC [ 2K` erases a line and hides a finding, `ESC ] 8` plants a
hyperlink. Every reporter passes such text through this module; it never changes what the
scanner found, only how a report spells it.

- `escape_text` (the text report, GitHub annotations, GitLab's description and solution,
  HTML before its own escaping, `fix` output): C0 (U+0000-U+001F), DEL and C1
  (U+007F-U+009F) become the four characters `\x1b` (two lower-case hex digits), a lone
  surrogate standing for an undecodable byte (U+DC80-U+DCFF) `\xff`, any other `\ud83d`. TAB and
  newline too: a message stays on its line, and snippets never hold a TAB anyway (the scanner
  turns them into spaces, which keeps the caret's columns). So that an escape is never
  confused with text that spells `\x1b` itself, a run of backslashes that ends at an `x`
  or at an escaped character is doubled: `\x1b` in a file reads `\\x1b`, a backslash
  before ESC reads `\\\x1b`. Other backslashes (`\n`, `C:\Users`) are left alone. Read
  back: an odd run of backslashes before `x` ends in an escape, an even one is literal.
- `escape_path` (paths in the text report, GitHub annotations and HTML; the CLI's
  one-line errors, which mostly name paths): control characters as `\x1b`, and a byte of
  a file name that is not UTF-8 (held as a lone surrogate, Python's `surrogateescape`) as
  `\xff`; backslashes as they are (Windows paths are full of them). Findings carry a file's
  real name: this is the only place it is made visible.
- `escape_json`: JSON and SARIF keep every character (parse the report and the text is
  the file's) and stay readable for non-ASCII; `json.dumps` already writes C0 as `\u`
  escapes, this does the same for DEL and C1, which it leaves raw, and for lone surrogates
  (a file name's undecodable byte 0xff is `\udcff`: Python's `json.loads` and
  `os.fsencode` give back the byte).
"""

from __future__ import annotations

import re

from ..lazy_regex import lazy_compile

# Control characters, and lone surrogates (a file name's undecodable bytes, held with
# Python's surrogateescape, which no output encoding takes).
_CONTROL = r"\x00-\x1f\x7f-\x9f\ud800-\udfff"
# A control character, or a run of backslashes (from its start: linear time) that ends at
# an `x` or at a control character.
_UNSAFE = lazy_compile(rf"[{_CONTROL}]|(?<!\\)\\+(?=[x{_CONTROL}])")
_PATH_UNSAFE = lazy_compile(rf"[{_CONTROL}]")
_JSON_RAW = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), *range(0xD800, 0xE000))}


def _replace(match: re.Match[str]) -> str:
    text = match.group()
    if text[0] == "\\":
        return text * 2
    return _replace_in_path(match)


def escape_text(text: str) -> str:
    r"""`text` with control characters as `\x1b` and backslash runs before an `x` or an
    escape doubled: nothing a terminal acts on, and unambiguous to read back."""
    return _UNSAFE.sub(_replace, text)


def _replace_in_path(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def escape_path(path: str) -> str:
    r"""`path` with control characters as `\x1b` and undecodable bytes (surrogateescape) as
    `\xff`; backslashes stay as they are."""
    return _PATH_UNSAFE.sub(_replace_in_path, path)


def escape_snippet(snippet: str, caret: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """`escape_text(snippet)` and the caret (start, width: character offsets into
    `snippet`) moved to the same characters in the escaped text."""
    start, width = caret
    return escape_text(snippet), (
        start + _growth(snippet, start),
        width + _growth(snippet, start + width) - _growth(snippet, start),
    )


def _growth(text: str, offset: int) -> int:
    """How many characters escaping adds to `text[:offset]`."""
    grown = 0
    for match in _UNSAFE.finditer(text):
        if match.start() >= offset:
            break
        if match.group()[0] == "\\":  # each backslash of a run grows by 1
            grown += min(match.end(), offset) - match.start()
        else:  # one character: `\x1b` grows by 3, `\ud83d` by 5
            grown += len(_replace_in_path(match)) - 1
    return grown


def escape_json(text: str) -> str:
    r"""JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL and C1 characters as
    `\u` escapes. They can only stand inside JSON strings, where the escape means the
    same character."""
    return text.translate(_JSON_RAW)


__all__ = ["escape_json", "escape_path", "escape_snippet", "escape_text"]
