from __future__ import annotations

from itertools import pairwise

import pytest

from autype_guard import scan_text
from autype_guard.keys import KeyMatcher
from autype_guard.scanners.script import find_joined

from .conftest import fake_key


def _split(key: str, *cuts: int) -> list[str]:
    bounds = [0, *cuts, len(key)]
    return [key[a:b] for a, b in pairwise(bounds)]


@pytest.mark.parametrize(
    ("template", "path", "code", "line"),
    [
        ("const k = '{0}' + '{1}' + '{2}';\n", "src/key.ts", "AG102", 1),
        ('const k =\n  "{0}" +\n  "{1}" +\n  "{2}";\n', "src/key.ts", "AG102", 2),
        ("const k = `{0}` + /* why */ `{1}` + // more\n  '{2}';\n", "src/key.js", "AG102", 1),
        ("<?php\n$key = '{0}' . '{1}' . '{2}';\n", "src/Client.php", "AG101", 2),
        ('key := "{0}" + "{1}" + "{2}"\n', "cmd/main.go", "AG101", 1),
        ("<script>\nconst k = '{0}' + '{1}{2}';\n</script>\n", "templates/a.html", "AG102", 2),
        (
            "const express = require('express');\nconst k = process.env.K || '{0}' + '{1}{2}';\n",
            "server.js",
            "AG101",
            2,
        ),
    ],
)
def test_concatenated_key_is_found_on_the_line_of_ak(
    template: str, path: str, code: str, line: int
) -> None:
    key = fake_key()
    text = template.format(*_split(key, 5, 14))
    result = scan_text(text, path)
    assert [(f.code, f.line, f.encoding) for f in result.findings] == [(code, line, "joined")]
    finding = result.findings[0]
    assert finding.fingerprint == scan_text(f'k = "{key}"\n', "a.py").findings[0].fingerprint


def test_array_join_and_template_literal() -> None:
    key = fake_key()
    body = key[3:]
    text = (
        f"const a = ['ak', '{body}'].join('_');\n"
        f"const b = [ 'ak_{body[:6]}', '{body[6:]}' ].join('');\n"
        f"const c = `ak_{body[:4]}${{'{body[4:9]}'}}{body[9:]}`;\n"
    )
    result = scan_text(text, "src/key.js")
    assert [(f.code, f.line) for f in result.findings] == [
        ("AG102", 1),
        ("AG102", 2),
        ("AG102", 3),
    ]
    assert {f.fingerprint for f in result.findings} == {
        scan_text(f'k = "{key}"\n', "a.py").findings[0].fingerprint
    }


def test_no_part_of_a_joined_key_is_shown() -> None:
    key = fake_key()
    a, b, c = _split(key, 8, 20)
    result = scan_text(f"const k = '{a}' + '{b}' + '{c}';\n", "src/key.ts")
    (finding,) = result.findings
    for part in (a[3:], b, c[:-4]):
        assert part not in finding.snippet
        assert part not in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "const prefix = 'ak_' + version;\n",
        "const cls = ['ak', 'button', 'primary'].join('_');\n",
        "const id = 'ak_' + 'x';\n",
        "const s = 'peak_' + 'AbCdEfGhIjKlMnOpQrSt';\n",
        "const u = 'ak_' + user.id + 'AbCdEfGhIjKlMnOpQrSt';\n",
        "const p = 'ak_your_api_' + 'key_here';\n",
    ],
)
def test_lookalikes_are_not_joined_keys(text: str) -> None:
    assert scan_text(text, "src/a.ts").findings == []


def test_joined_key_that_the_plain_scan_saw_in_part_is_reported_once_in_full() -> None:
    key = fake_key(40)
    text = f"const k = '{key[:25]}' + '{key[25:]}';\n"
    (finding,) = scan_text(text, "src/a.ts").findings
    assert finding.encoding == "joined"
    assert finding.preview.endswith(key[-4:])


def test_find_joined_offsets() -> None:
    key = fake_key()
    text = f"x = '{key[:10]}' +\n'{key[10:]}';"
    (occ,) = find_joined(text, KeyMatcher())
    assert occ.hit.key == key
    assert text[occ.hit.start : occ.hit.start + 3] == "ak_"
    assert occ.joined


@pytest.mark.parametrize("space", ["\x85", "\xa0", "\u2028", "\u3000"])
def test_may_join_is_linear_on_runs_of_unicode_whitespace(space: str) -> None:
    from autype_guard.scanners.script import may_join

    from .test_keys import grows_linearly

    # Non-ASCII whitespace matched two alternatives of the loose gap: 2^n ways to fail.
    small = "x = 'ak`" + space * 2_000 + "y"
    big = "x = 'ak`" + space * 16_000 + "y"
    assert not may_join(big)
    assert grows_linearly(may_join, small, big)
    assert may_join("x = 'ak'" + space * 100 + "+ '_rest'")


@pytest.mark.parametrize(
    "template",
    [
        'const keys = ["{0}" + "{1}"];\n',
        'const a = "{0}"\n"ak_" + "{1}".slice(3)\n',
        "const k = ['{0}', '{1}'].join('')\n",
    ],
)
def test_a_literal_starting_ak_starts_a_key_of_its_own(template: str) -> None:
    first, second = fake_key(), fake_key()
    text = template.format(first, second)
    found = {f.fingerprint for f in scan_text(text, "src/keys.js").findings if f.has_key}
    alone = {scan_text(f'k = "{key}"\n', "a.py").findings[0].fingerprint for key in (first, second)}
    assert found == alone
