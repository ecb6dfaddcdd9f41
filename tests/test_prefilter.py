from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autype_guard import scan_text
from autype_guard.keys import (
    DEFAULT_KEY_PATTERN,
    PREFILTER_MARKERS,
    KeyHit,
    KeyMatcher,
    is_left_boundary,
    marker_confirmations,
)
from autype_guard.prefilter import COMPILE_AFTER_BYTES, Prefilter, ahocorasick_available

from .conftest import fake_key

# "python-warm" is the standard-library engine after enough bytes to compile its regexes.
ENGINES = ["python", "python-warm"] + (["ahocorasick"] if ahocorasick_available() else [])


def make(markers: object, engine: str, confirm: object = None) -> Prefilter:
    assert isinstance(markers, (list, tuple))
    if confirm is None:
        confirm = marker_confirmations(DEFAULT_KEY_PATTERN)
    assert isinstance(confirm, dict)
    prefilter = Prefilter(markers, engine.replace("-warm", ""), confirm)
    if engine.endswith("-warm"):
        assert not prefilter(b" " * COMPILE_AFTER_BYTES)
    return prefilter


# --- the straightforward KeyMatcher.find, kept as the oracle for the fast one ------------

_ENCODED_KEY = re.compile(
    r"(?:a|%61|\\u0061|\\x61)(?:k|%6[bB]|\\u006[bB]|\\x6[bB])(?:_|%5[fF]|\\u005[fF]|\\x5[fF])"
    r"(?:[A-Za-z0-9_-]|%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})+"
)
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
_BASE64_MARKERS = ("YWtf", "FrX", "ha19", "ha18")


def _b64decode(run: str) -> Optional[str]:
    body = run.rstrip("=")
    body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except ValueError:
        return None
    return raw.decode("latin-1")


def reference_find(text: str, pattern: re.Pattern[str]) -> Iterator[KeyHit]:
    hits: dict[int, KeyHit] = {}
    for m in pattern.finditer(text):
        if is_left_boundary(text, m.start()):
            hits[m.start()] = KeyHit(m.start(), m.end(), m.group())
    if "%" in text or "\\" in text:
        for m in _ENCODED_KEY.finditer(text):
            raw = m.group()
            if ("%" not in raw and "\\" not in raw) or not is_left_boundary(text, m.start()):
                continue
            decoded = _ESCAPE.sub(lambda e: chr(int(e.group(e.lastindex or 1), 16)), raw)
            km = pattern.match(decoded)
            if km is None:
                continue
            hit = KeyHit(m.start(), m.end(), km.group(), "url" if "%" in raw else "escape")
            old = hits.get(hit.start)
            if old is None or hit.end > old.end:
                hits[hit.start] = hit
    if any(marker in text for marker in _BASE64_MARKERS):
        for m in _BASE64_RUN.finditer(text):
            run = m.group()
            if not any(marker in run for marker in _BASE64_MARKERS):
                continue
            decoded_run = _b64decode(run)
            if decoded_run is None:
                continue
            for km in pattern.finditer(decoded_run):
                if is_left_boundary(decoded_run, km.start()):
                    hits.setdefault(m.start(), KeyHit(m.start(), m.end(), km.group(), "base64"))
                    break
    yield from (hits[k] for k in sorted(hits))


# Text made of the pieces keys hide in: prefixes in every spelling, escapes, base64 of keys
# in all three alignments, identifier characters, separators and non-ASCII.
_KEY = "ak_3hQ9xLr2Vt8mW1pZq7"  # autype-guard: ignore
_PIECES = [
    "ak_",
    "a",
    "k",
    "_",
    "%61",
    "%6b",
    "%6B",
    "%5f",
    "%5F",
    "%41",
    "\\u0061",
    "\\u006b",
    "\\u005F",
    "\\x61",
    "\\x6B",
    "\\x5f",
    "\\x41",
    "\\",
    "%",
    "3hQ9xLr2Vt8mW1pZ",
    "Q9x",
    "-",
    "=",
    " ",
    '"',
    "\n",
    "é",
    "YWtf",
    "FrX",
    "ha19",
    "ha18",
    _KEY,
    base64.b64encode(_KEY.encode()).decode(),
    base64.b64encode(b"x" + _KEY.encode()).decode(),
    base64.b64encode(b"xy" + _KEY.encode()).decode(),
    base64.urlsafe_b64encode(b"\xfb" + _KEY.encode()).decode(),
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
    "'",
    " + ",
    "(",
    ")",
    "# c\n",
]
texts = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_fast_find_returns_what_the_straightforward_find_returns(text: str) -> None:
    matcher = KeyMatcher()
    assert list(matcher.find(text)) == list(reference_find(text, matcher.pattern))


@settings(max_examples=400, deadline=None)
@given(texts)
def test_prefilter_passes_every_text_that_holds_a_key(text: str) -> None:
    if list(KeyMatcher().find(text)):
        for engine in ENGINES:
            assert make(PREFILTER_MARKERS, engine)(text.encode("utf-8")), engine


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "spell",
    [
        lambda k: k,
        lambda k: k.replace("_", "%5F"),
        lambda k: "\\u0061" + k[1:],
        lambda k: "a\\x6b" + k[2:],
        lambda k: base64.b64encode(k.encode()).decode(),
        lambda k: base64.b64encode(b"x" + k.encode()).decode(),
        lambda k: base64.b64encode(b"xy" + k.encode()).decode(),
    ],
)
def test_prefilter_finds_every_spelling_of_a_key(engine: str, spell: object) -> None:
    assert callable(spell)
    data = ("x = 1\n" * 1000 + spell(fake_key()) + "\n").encode()
    assert make(PREFILTER_MARKERS, engine)(data)


@pytest.mark.parametrize("engine", ENGINES)
def test_prefilter_rejects_text_without_markers(engine: str) -> None:
    data = b"def peek_usage(weekref):\n    return '\\x00%20'  # 100% ok\n" * 100
    prefilter = make(PREFILTER_MARKERS, engine)
    assert not prefilter(data)
    assert not prefilter(b"")


@pytest.mark.parametrize("engine", ENGINES)
def test_prefilter_handles_any_marker_set(engine: str) -> None:
    prefilter = make([b"Bearer", b"autype", b"X", b"\\x5f", b"a.b*c"], engine, {})
    assert prefilter(b"Authorization: Bearer t")
    assert prefilter(b"import autype")
    assert prefilter(b"X")
    assert prefilter(b"q\\x5f")
    assert prefilter(b"a.b*c")
    assert not prefilter(b"axbbc bearer AUTYPE \\x5e")
    assert not make([], engine, {})(b"anything")


def test_auto_engine_is_the_fast_one_when_installed() -> None:
    prefilter = Prefilter(PREFILTER_MARKERS, "auto")
    assert prefilter.engine == ("ahocorasick" if ahocorasick_available() else "python")
    assert not prefilter(b"small file")
    assert prefilter(b"key = 'ak_'")


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError):
        Prefilter(PREFILTER_MARKERS, "grep")


@settings(max_examples=300, deadline=None)
@given(texts)
def test_find_told_the_markers_present_finds_the_same(text: str) -> None:
    matcher = KeyMatcher()
    full = list(matcher.find(text))
    for engine in ENGINES:
        present = make(PREFILTER_MARKERS, engine).present(text.encode("utf-8"))
        assert list(matcher.find(text, present)) == full, engine
        assert list(matcher.restricted_to(text, present).find(text)) == full, engine


def test_restricted_matcher_searches_other_strings_in_full() -> None:
    key = fake_key()
    escaped = "\\x61" + key[1:]
    source = f'KEY = "{escaped[:12]}" "{escaped[12:]}"\n'
    # The raw text holds no "ak_" (only "\x61k_"); the joined literal value does.
    assert "ak_" not in source
    result = scan_text(source, "settings.py")
    assert [(f.code, f.line, f.column) for f in result.findings] == [("AG101", 1, 7)]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_open_key_start_quick_check_changes_no_answer(text: str) -> None:
    from autype_guard import keys

    expected = keys._may_assemble_key(text) or any(
        (m := keys._ENCODED_KEY_START.match(text, s)) is not None
        and text[m.end() : m.end() + 1] in ("'", '"')
        and keys._JOINED_TO_NEXT.match(text, m.end() + 1) is not None
        and is_left_boundary(text, s)
        for s in keys._prefix_starts(text)
    )
    assert KeyMatcher().has_open_key_start(text) is expected


_GAPS = ["", " ", "\n  ", "\u00a0", "\u2028", "/* é */", "// c é\n", " /* c */ "]
_QUOTES = ["'", '"', "`"]


@st.composite
def joined_sources(draw: st.DrawFn) -> str:
    key = "ak_3hQ9xLr2Vt8mW1pZq7"  # autype-guard: ignore
    gap = lambda: draw(st.sampled_from(_GAPS))  # noqa: E731
    q = draw(st.sampled_from(_QUOTES))
    cut = draw(st.integers(min_value=2, max_value=10))
    before = draw(st.sampled_from(["x = ", "é", "(", "[1, ", ""]))
    shape = draw(st.sampled_from(["concat", "array", "template"]))
    if shape == "concat":
        op = draw(st.sampled_from(["+", "."]))
        return f"{before}{q}{key[:cut]}{q}{gap()}{op}{gap()}{q}{key[cut:]}{q};"
    if shape == "array":
        return f"{before}[{gap()}{q}ak{q}{gap()},{gap()}{q}{key[3:]}{q}{gap()}].join('_');"
    return f"{before}`{key[:cut]}${{'{key[cut:]}'}}`;"


@settings(max_examples=300, deadline=None)
@given(joined_sources())
def test_may_join_holds_wherever_the_joiner_finds_a_key(text: str) -> None:
    from autype_guard.scanners.script import find_joined, may_join

    if list(find_joined(text, KeyMatcher())):
        assert may_join(text)
        assert may_join(text.encode("utf-8").decode("latin-1"))


_HEAD_PIECES = [
    "ak",
    "_",
    "x",
    "9",
    "$",
    "{",
    "-",
    "'",
    '"',
    "`",
    "\\",
    "n",
    "u00e9",
    "\\u0041",
    " ",
]


@pytest.mark.skipif(not ahocorasick_available(), reason="ahocorasick_rs is not installed")
@settings(max_examples=300, deadline=None)
@given(texts)
def test_both_engines_report_the_same_markers(text: str) -> None:
    data = text.encode("utf-8")
    assert make(PREFILTER_MARKERS, "python").present(data) == make(
        PREFILTER_MARKERS, "ahocorasick"
    ).present(data)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_HEAD_PIECES), max_size=12).map("".join))
def test_a_join_head_keeps_its_marker(text: str) -> None:
    from autype_guard.engine import _JOIN_HEAD_BYTES, _JOIN_MARKERS, _MAP_JOIN_HEAD_BYTES

    data = text.encode("latin-1")
    heads = [*_JOIN_HEAD_BYTES.finditer(data), *_MAP_JOIN_HEAD_BYTES.finditer(data)]
    # A head that starts with a marker (`ak$` without `{` is none).
    if any(data.startswith(tuple(_JOIN_MARKERS), m.start()) for m in heads):
        for engine in ENGINES:
            assert not _JOIN_MARKERS.isdisjoint(make(PREFILTER_MARKERS, engine).present(data))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        'switch (x) { case "break": return "weak"; }',
        "const codes = ['peak', 'oak'];",
        "hex = '\\x5f\\x61 \\x6bxyz %5F'",
        "%61%20%6b",
        "font = 'FrXq'; id = 'ha19' + 'YWtf/'",
    ],
)
def test_markers_that_cannot_start_a_key_are_not_counted(engine: str, text: str) -> None:
    assert not make(PREFILTER_MARKERS, engine)(text.encode())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        "const k = ['ak', 'x'].join('_');",
        '"sourcesContent": ["x = \\"ak\\" + y"]',
        '"s": "\\nak\\" + y"',
        "u = '%61k_'",
        "u = 'a\\x6B\\x5F'",
    ],
)
def test_markers_that_may_start_a_key_are_counted(engine: str, text: str) -> None:
    assert make(PREFILTER_MARKERS, engine)(text.encode())


@pytest.mark.parametrize("engine", ENGINES)
def test_a_marker_hidden_inside_another_is_still_reported(engine: str) -> None:
    markers = [b"autype-guard:", b"autype", b"abc", b"cde"]
    prefilter = make(markers, engine, {})
    # (Split so that the project's self-scan does not read it as a suppression comment.)
    assert prefilter.present(b"# autype-guard" + b": ignore") == {b"autype-guard:", b"autype"}
    assert prefilter.present(b"x abcde") == {b"abc", b"cde"}


@pytest.mark.parametrize("engine", ENGINES)
def test_many_markers_across_window_edges(engine: str) -> None:
    data = b"Bearer " * 200_000 + b"ak_"
    assert make((*PREFILTER_MARKERS, b"Bearer"), engine).present(data) == {b"Bearer", b"ak_"}
    edge = b"x" * ((1 << 18) - 2) + b" ak_"  # "ak_" straddles the first window edge
    assert make(PREFILTER_MARKERS, engine).present(edge) == {b"ak_"}


def test_a_custom_key_pattern_keeps_short_base64_runs() -> None:
    data = base64.b64encode(b"ak_abcd")  # a key only under the custom pattern
    assert not make(PREFILTER_MARKERS, "python")(data)
    assert make(PREFILTER_MARKERS, "python", marker_confirmations(r"ak_[a-z]{4}"))(data)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("lead", range(6))
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_a_base64_key_passes_at_any_offset_in_a_longer_run(
    engine: str, lead: int, encode: object
) -> None:
    assert callable(encode)
    raw = bytes(range(250, 256))[:lead] + fake_key().encode() + b"\xff\xfe" * 10
    data = b"blob = '" + encode(raw) + b"'\n"
    assert make(PREFILTER_MARKERS, engine)(data)
    assert [f.code for f in scan_text(data.decode(), "blob.py").findings] == ["AG101"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "counted"),
    [
        ("break_point = peak_load", False),
        ("k = ak_", True),
        ("s = '\\nak_'", True),
        ("s = '\\\\qak_'", False),
        ("s = '\\\\\\qak_'", True),
        ("s = '" + "\\" * 9 + "qak_'", True),
        ("u = '%3Dak_'", True),
        ("u = '\\u0020ak_'", True),
        ("x = 'éak_'", True),
    ],
)
def test_a_plain_prefix_counts_only_at_a_left_boundary(
    engine: str, text: str, counted: bool
) -> None:
    assert make(PREFILTER_MARKERS, engine).present(text.encode()) == (
        {b"ak_"} if counted else set()
    )
    assert is_left_boundary(text, text.index("ak_")) is counted
