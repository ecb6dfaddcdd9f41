from __future__ import annotations

import time

from autype_guard.api import scan_bytes
from autype_guard.config import Config
from autype_guard.context import SNIPPET_CONTEXT
from autype_guard.model import FileResult

from .conftest import fake_key

MB = 1024 * 1024

# One stretch of a hostile one-line bundle: every shape that makes a naive regex backtrack.
# A near-miss key (one character short) then a concatenation that never gets its second
# literal, a long blank run and an unterminated comment; `-ak_` runs; an array that is never
# joined; a template hole that never closes; escaped quotes; a long identifier run that ends
# in `=` the way an assignment would; a lone percent escape.
_HOSTILE = (
    "'ak_" + "Q" * 15 + "' +" + " " * 600 + "/* "
    + "-ak_" * 4
    + "['ak', "
    + "`ak_${'x'"
    + '"\\' * 100
    + "a" * 1000 + "="
    + "%61k_%"
    + ";"
)  # fmt: skip


def _line(size: int, key: str) -> tuple[bytes, int]:
    body = _HOSTILE * (size // len(_HOSTILE))
    text = f'!function(){{{body}var k="{key}";}}();\n'
    return text.encode(), text.index(key) + 1


def _timed(data: bytes) -> tuple[float, FileResult]:
    started = time.perf_counter()
    result = scan_bytes(data, "dist/assets/index-58dee3d8.js", Config())
    return time.perf_counter() - started, result


def test_50mb_hostile_line_scans_in_linear_time_with_exact_column() -> None:
    key = fake_key()
    small, _ = _line(5 * MB, key)
    big, column = _line(50 * MB, key)
    t_small = min(_timed(small)[0] for _ in range(2))
    t_big, result = _timed(big)
    del big
    (finding,) = result.findings
    assert (finding.code, finding.line, finding.column) == ("AG102", 1, column)
    assert finding.span.end.column == column + len(key)
    # A short window around the key, never the 50 MB line.
    assert len(finding.snippet) <= 2 * SNIPPET_CONTEXT + 20
    assert key not in finding.snippet
    # Ten times the input: about ten times the time when linear, a hundred when quadratic
    # (the margin absorbs load on a shared machine).
    assert t_big < 40 * t_small, (t_small, t_big)
