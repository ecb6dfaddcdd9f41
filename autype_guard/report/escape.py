r"""Control characters from scanned files and file names, made harmless before output.

A snippet, message or file name is data from the scanned tree: printed raw, `ESC ] 52`
writes the clipboard, `ESC [ 2K` erases a line and hides a finding, `ESC ] 8` plants a
hyperlink. Every reporter passes such text through this module; it never changes what the
scanner found, only how a report spells it.

- `escape_text` (the text report, GitHub annotations, GitLab's description and solution,
  HTML before its own escaping, `fix` output): C0 (U+0000-U+001F), DEL and C1
  (U+007F-U+009F) become the four characters `\x1b` (two lower-case hex digits). TAB and
  newline too: a message stays on its line, and snippets never hold a TAB anyway (the scanner
  turns them into spaces, which keeps the caret's columns). So that an escape is never
  confused with text that spells `\x1b` itself, a run of backslashes that ends at an `x`
  or at an escaped character is doubled: `\x1b` in a file reads `\\x1b`, a backslash
  before ESC reads `\\\x1b`. Other backslashes (`\n`, `C:\Users`) are left alone. Read
  back: an odd run of backslashes before `x` ends in an escape, an even one is literal.
- `escape_path` (paths; the CLI's one-line errors, which mostly name paths): control
  characters only, backslashes as they are. Discovery already shows control characters
  and undecodable bytes in file names as `\x1b` (the JSON report carries the same text),
  and Windows paths are full of backslashes; this catches what reaches a report raw (C1
  characters, names given through the API or `--stdin-filename`).
- `escape_json`: JSON and SARIF keep every character (parse the report and the text is
  the file's) and stay readable for non-ASCII; `json.dumps` already writes C0 as `\u`
  escapes, this does the same for DEL and C1, which it leaves raw.
"""

from __future__ import annotations

import re

_CONTROL = r"\x00-\x1f\x7f-\x9f"
# A control character, or a run of backslashes (from its start: linear time) that ends at
# an `x` or at a control character.
_UNSAFE = re.compile(rf"[{_CONTROL}]|(?<!\\)\\+(?=[x{_CONTROL}])")
_ONLY_CONTROL = re.compile(rf"[{_CONTROL}]")
_JSON_RAW = {c: f"\\u{c:04x}" for c in range(0x7F, 0xA0)}


def _replace(match: re.Match[str]) -> str:
    text = match.group()
    if text[0] == "\\":
        return text * 2
    return f"\\x{ord(text):02x}"


def escape_text(text: str) -> str:
    r"""`text` with control characters as `\x1b` and backslash runs before an `x` or an
    escape doubled: nothing a terminal acts on, and unambiguous to read back."""
    return _UNSAFE.sub(_replace, text)


def escape_path(path: str) -> str:
    r"""`path` with control characters as `\x1b`; backslashes stay as they are."""
    return _ONLY_CONTROL.sub(_replace, path)


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
        # A control character grows by 3 (`\x1b`), each backslash of a run by 1.
        per_char = 1 if match.group()[0] == "\\" else 3
        grown += per_char * (min(match.end(), offset) - match.start())
    return grown


def escape_json(text: str) -> str:
    r"""JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL and C1 characters as
    `\u` escapes. They can only stand inside JSON strings, where the escape means the
    same character."""
    return text.translate(_JSON_RAW)


__all__ = ["escape_json", "escape_path", "escape_snippet", "escape_text"]
