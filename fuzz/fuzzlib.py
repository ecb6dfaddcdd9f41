"""Shared set-up and property checks for the harnesses in this directory.

Import it after the harness has imported `autype_guard` under `atheris.instrument_imports()`
(this module is not instrumented itself).

Seeds never hold a key: they hold the marker `@KEY@`, which `plant` replaces with fake keys
made from the input itself (random-looking, classified real, never a real Autype key), so a
harness knows the keys in its input and can check that no report shows one.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable
from typing import Optional

from autype_guard.config import Config
from autype_guard.keys import fingerprint, is_real_key
from autype_guard.model import FileResult, Finding, ScanReport
from autype_guard.report import ReportOptions, get_reporter
from autype_guard.rules import catalogue
from autype_guard.textio import LineIndex, decode

MARKER = b"@KEY@"
MAX_PLANTED = 4
_ALPHABET = string.ascii_letters + string.digits
# Formats whose output is checked for leaked keys (html and gitlab hold the same strings).
LEAK_FORMATS = ("json", "text", "sarif", "github")
CONFIG = Config()
_OPTIONS = ReportOptions(rules=catalogue())


def fake_key(seed: bytes, length: int = 32) -> str:
    """A key made from `seed` that the classifier treats as real."""
    counter = 0
    while True:
        digest = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        digest += hashlib.sha256(digest).digest()
        key = "ak_" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])
        if is_real_key(key):
            return key
        counter += 1


def plant(data: bytes) -> tuple[bytes, list[str]]:
    """Replace up to MAX_PLANTED `@KEY@` markers with fake keys; return the keys."""
    keys: list[str] = []
    parts = data.split(MARKER, MAX_PLANTED)
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        key = fake_key(data + bytes([i]))
        keys.append(key)
        out.append(key.encode())
        out.append(part)
    return b"".join(out), keys


def rendered(results: Iterable[FileResult]) -> dict[str, str]:
    report = ScanReport(files=list(results))
    return {name: get_reporter(name)(report, _OPTIONS) for name in LEAK_FORMATS}


def check_no_leak(result: FileResult, content: bytes, keys: list[str]) -> None:
    """No report format shows a planted key that was found beyond its last 4 characters.

    Only keys reported as findings are checked, and only those whose hidden part (all but
    the last 4 characters) occurs once in `content`: the fuzzer may also write that text
    where it is not a key (right after a letter, say), and then it is content, not a key."""
    found = {f.fingerprint for f in result.findings if f.has_key}
    checked = []
    for key in keys:
        if fingerprint(key) in found and content.count(key[:-4].encode()) == 1:
            checked.append(key)
    if not checked:
        return
    for name, out in rendered([result]).items():
        for key in checked:
            if key[3:-4] in out:
                raise AssertionError(f"{name} output shows the key {key[:6]}… of {result.path}")


def position_in(index: LineIndex, line: int, column: int) -> Optional[int]:
    """The offset of a 1-based position if it lies in the text (end of text included)."""
    if line < 1 or column < 1:
        return None
    start = index.offset_of(line, 1)
    if start is None or start > len(index.text):
        return None
    end = index.text.find("\n", start)
    end = len(index.text) if end == -1 else end
    offset = start + column - 1
    # The position right after the line's last character (its newline) is allowed.
    return offset if offset <= end + 1 else None


def check_span(finding: Finding, data: bytes, text: Optional[str] = None) -> None:
    """A finding's span lies inside the content it was found in."""
    if finding.byte_offset is not None:
        if finding.byte_offset < 0 or finding.byte_offset + finding.byte_length > len(data):
            raise AssertionError(f"byte span past the end in {finding.path}")
        return
    index = LineIndex(decode(data).text if text is None else text)
    start = position_in(index, finding.span.start.line, finding.span.start.column)
    end = position_in(index, finding.span.end.line, finding.span.end.column)
    if start is None or end is None or end < start:
        raise AssertionError(
            f"span {finding.span} outside the text ({len(index.text)} chars) in {finding.path}"
        )


def check_result(result: FileResult, data: bytes, keys: list[str], plain: bool = True) -> None:
    """Spans (for a plain file) and masking of every finding of one scanned file."""
    for finding in result.findings:
        if finding.line < 1 or finding.column < 1:
            raise AssertionError(f"bad position {finding.line}:{finding.column}")
        if plain:
            check_span(finding, data)
    check_no_leak(result, data, keys)
