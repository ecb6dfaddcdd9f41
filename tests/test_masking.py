"""Keys are masked before snippets are cut: no format ever shows more of a key than its
last 4 characters, wherever a window, a chunk or a truncation cuts the line."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autype_guard.api import ScanOptions, ScanReport, scan_bytes, scan_file, scan_text
from autype_guard.config import Config
from autype_guard.model import FileResult
from autype_guard.report import FORMATS, ReportOptions, get_reporter
from autype_guard.rules import catalogue
from autype_guard.sources.walk import Candidate

from .conftest import fake_key

_HEX = re.compile(r"[0-9a-f]+")


def rendered(*results: FileResult) -> dict[str, str]:
    """Every format's report of `results`."""
    report = ScanReport(files=list(results))
    return {name: get_reporter(name)(report, ReportOptions(rules=catalogue())) for name in FORMATS}


# The rules' own words, which reports quote: a random key holds one of their 5-letter runs
# ("nless" of "unless") about once in 10,000 scans; such a run shows nothing of the key.
_RULE_TEXT = "\n".join(f"{info.title}\n{info.description}\n{info.docs}" for info in catalogue())


def leaks(outputs: dict[str, str], keys: list[str]) -> list[tuple[str, str]]:
    """(format, piece) for every 5 consecutive body characters of a key an output shows
    (pieces of lowercase hex digits only are not looked for: fingerprints and ids in the
    reports are hex, and would match by chance; nor are runs of the rules' own text)."""
    found = []
    for name, out in outputs.items():
        # A masked key in a URI is `ak_%E2%80%A6` and its last four: the escape's last digit
        # is not a fifth character of the key.
        out = re.sub(r"%[0-9A-Fa-f]{2}", "%", out)
        for key in keys:
            body = key[3:]
            for i in range(len(body) - 4):
                piece = body[i : i + 5]
                if _HEX.fullmatch(piece) is None and piece not in _RULE_TEXT and piece in out:
                    found.append((name, piece))
                    break
    return found


def test_a_key_past_long_padding_is_masked_whole() -> None:
    key = fake_key()
    result = scan_text(f"NEXT_PUBLIC_AUTYPE_API_KEY={' ' * 21}{key}\n", ".env")
    assert [f.code for f in result.findings] == ["AG201"]
    assert leaks(rendered(result), [key]) == []


def test_a_second_key_beyond_a_long_literal_is_masked_whole() -> None:
    a, b = fake_key(), fake_key()
    line = f"const a = '{a}', note = '{'x ' * 20}', b = '{b}';\n"
    result = scan_text(line, "server/app.js")
    assert len(result.findings) == 2
    assert leaks(rendered(result), [a, b]) == []


def test_a_key_the_snippet_window_cuts_shows_only_its_true_end() -> None:
    a, b = fake_key(), fake_key(48)
    # b starts inside the 40-character window after a and runs far past it.
    result = scan_text(f"x = ['{a}', '{b}']\n", "app.py")
    first = result.findings[0]
    assert f"ak_…{b[-4:]}" in first.snippet
    assert b[3:12] not in first.snippet


def test_a_key_cut_by_a_truncated_gzip_is_masked_without_its_last_characters(
    tmp_path: Path,
) -> None:
    a, b = fake_key(), fake_key(40)
    text = f"var a='{a}';var b='{b}';".encode()
    data = gzip.compress(text)
    for cut in range(len(data) - 1, 20, -1):
        result = scan_bytes(data[:cut], "dist/app.js.gz", Config(root=tmp_path))
        shown = [f.preview for f in result.findings]
        if shown and shown[-1] == "ak_…":  # b itself cut short by the truncation
            break
    else:
        pytest.skip("no truncation point cut the second key")
    assert leaks(rendered(result), [a, b]) == []
    assert all(b[-4:] not in f.snippet + f.preview + f.message for f in result.findings)


def test_a_key_at_a_chunk_edge_is_masked_whole(tmp_path: Path) -> None:
    a, b = fake_key(), fake_key()
    width, overlap = 4096, 32
    # One line: `a` ends just before the first window's own region does; `b` straddles the
    # end of that window (its own region plus the overlap).
    head = "w" * (width - 40) + f"'{a}'"
    line = head + " " * (width + overlap - 10 - len(head)) + f"'{b}'" + ";" * 5000
    path = tmp_path / "bundle.min.js"
    path.write_text(line)
    options = ScanOptions(chunk_size=width, chunk_overlap=overlap)
    result = scan_file(Candidate(path, "bundle.min.js"), Config(root=tmp_path), options)
    assert len(result.findings) == 2
    assert leaks(rendered(result), [a, b]) == []


# Filler that cannot itself look like 5 key characters: words of at most 4 letters.
_FILLER = st.lists(
    st.sampled_from(["var", "x", "=", ";", " ", "  ", "'ok'", "fn()", "{", "}", ",", "\n", "\t"]),
    max_size=40,
).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.tuples(_FILLER, st.integers(16, 48), st.sampled_from("'\" =:")), max_size=6),
    padding=st.integers(0, 600),
    chunk=st.integers(256, 2048),
    path=st.sampled_from(["dist/app.min.js", "server.py", ".env", "notes.md", "conf.yaml"]),
)
def test_no_format_shows_more_than_a_keys_last_four_characters(
    tmp_path_factory: pytest.TempPathFactory,
    parts: list[tuple[str, int, str]],
    padding: int,
    chunk: int,
    path: str,
) -> None:
    keys = [fake_key(length) for _, length, _ in parts]
    text = " " * padding + "".join(
        f"{filler}{quote}{key}{quote}" for (filler, _, quote), key in zip(parts, keys, strict=True)
    )
    root = tmp_path_factory.mktemp("mask")
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    options = ScanOptions(chunk_size=chunk, chunk_overlap=64)
    whole = scan_text(text, path)
    chunked = scan_file(Candidate(file, path), Config(root=root), options)
    assert leaks(rendered(whole, chunked), keys) == []
