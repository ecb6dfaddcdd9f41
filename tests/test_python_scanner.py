from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.model import Span

from .conftest import fake_key


def only(source: str, path: str = "app.py") -> tuple[str, Span, str]:
    (finding,) = scan_text(source, path).findings
    return finding.code, finding.span, finding.message


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ('API_KEY = "{k}"\n', "in assignment to API_KEY"),
        ('API_KEY: str = "{k}"\n', "in assignment to API_KEY"),
        ('app.config["AUTYPE_API_KEY"] = "{k}"\n', "in assignment to AUTYPE_API_KEY"),
        ('Client(api_key="{k}")\n', "in keyword argument api_key"),
        ('h = {{"X-API-Key": "{k}"}}\n', "in the X-API-Key header"),
        ('def f(key="{k}"): pass\n', "as the default of parameter key"),
        ('k = os.getenv("AUTYPE_API_KEY", "{k}")\n', "environment variable AUTYPE_API_KEY"),
        ("# {k}\n", "in a comment"),
        ('"""Docs: {k}"""\n', "in a docstring"),
    ],
)
def test_context_is_named_in_the_message(template: str, context: str) -> None:
    key = fake_key()
    source = template.format(k=key)
    code, span, message = only(source)
    col = source.index(key) + 1
    assert (code, span) == ("AG101", Span.of((1, col), (1, col + len(key))))
    assert context in message


def test_key_split_by_implicit_concatenation_is_found_on_the_prefix_line() -> None:
    key = fake_key()
    source = f'KEY = (\n    "{key[:10]}"\n    "{key[10:]}"\n)\n'
    code, span, message = only(source)
    assert (code, span.start.line, span.start.column) == ("AG101", 2, 6)
    assert "split across string literals" in message


def test_key_split_by_plus_and_fstring_parts() -> None:
    key = fake_key()
    assert only(f'k = "{key[:8]}" + "{key[8:]}"\n')[1].start.column == 6
    assert only(f'k = f"{key}{{x}}"\n')[1].start.column == 7


def test_bytes_literal_is_scanned() -> None:
    key = fake_key()
    assert only(f'k = b"{key}"\n')[1].start.column == 7


def test_unparsable_python_falls_back_to_text_with_a_note() -> None:
    key = fake_key()
    result = scan_text(f'print "{key}"\n', "legacy.py")
    assert [(f.code, f.span.start.column) for f in result.findings] == [("AG101", 8)]
    assert any("scanned as text" in n for n in result.notes)


def test_env_read_is_not_a_finding() -> None:
    assert scan_text('k = os.environ["AUTYPE_API_KEY"]\n', "app.py").findings == []


def test_crlf_and_unicode_columns_count_code_points() -> None:
    key = fake_key()
    source = f'# é\r\nname = "ü€"; k = "{key}"\r\n'
    _, span, _ = only(source)
    assert (span.start.line, span.start.column) == (2, 19)


def test_one_finding_per_key_on_a_line() -> None:
    a, b = fake_key(), fake_key()
    first, second = scan_text(f'x = ["{a}", "{b}"]\n', "app.py").findings
    assert (first.column, second.column) == (7, 11 + len(a))
    assert first.fingerprint != second.fingerprint


def test_key_split_on_one_line_is_redacted_as_a_whole() -> None:
    key = fake_key()
    (finding,) = scan_text(f'k = "{key[:11]}" + "{key[11:]}"\n', "app.py").findings
    assert key[11:] not in finding.snippet
    assert finding.span.start.column == 6


def test_key_split_after_an_escaped_line_break_is_joined() -> None:
    key = fake_key()
    source = f'note = "rotated\\\\n{key[:8]}" "{key[8:]}"\n'
    (finding,) = scan_text(source, "app.py").findings
    assert finding.encoding == "joined"


def test_words_ending_in_ak_do_not_trigger_a_parse() -> None:
    from autype_guard.keys import KeyMatcher

    assert not KeyMatcher().has_open_key_start("ref = weak_ref(obj); peak_mem = 1")
    assert KeyMatcher().has_open_key_start('k = ("ak_abc"\n "def")')
