"""Keys joined from literals in JS/TS and the other languages the text joiner reads."""

from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.keys import KeyMatcher
from autype_guard.scanners.script import find_joined, may_join

from .conftest import fake_key
from .test_keys import grows_linearly


@pytest.mark.parametrize(
    ("template", "path", "first"),
    [
        ("const k = '{a}'.concat('{b}');\n", "src/a.ts", "'{a}'"),
        ("const k = ''.concat('{a}', '{b}');\n", "src/a.ts", "'{a}'"),
        ("const k = String.raw`{a}${{'{b}'}}`;\n", "src/a.ts", "`{a}"),
        ("const P = '{a}';\nconst k = P + '{b}';\n", "src/a.ts", "P + "),
        ("export const P = '{a}';\nconst k = `${{P}}{b}`;\n", "src/a.ts", "${{P}}"),
        ('k = "{a}" "{b}"\n', "lib/client.rb", '"{a}"'),
        ('KEY="{a}""{b}"\n', "deploy.sh", '"{a}"'),
        ('KEY={a}"{b}"\n', "deploy.sh", "{a}"),
        ('let k = concat!("{a}", "{b}");\n', "src/main.rs", '"{a}"'),
        ('let k = format!("{{}}{{}}", "{a}", "{b}");\n', "src/main.rs", '"{a}"'),
        ('k := fmt.Sprintf("%s%s", "{a}", "{b}")\n', "main.go", '"{a}"'),
        ('String k = String.join("", "{a}", "{b}");\n', "src/A.java", '"{a}"'),
        ('var k = string.Concat("{a}", "{b}");\n', "src/A.cs", '"{a}"'),
        ('val k = "{a}" + "{b}"\n', "src/A.kt", '"{a}"'),
        ('let k = "{a}" + "{b}"\n', "Sources/A.swift", '"{a}"'),
        ("<?php\n$k = '{a}' . '{b}';\n", "src/A.php", "'{a}'"),
    ],
)
def test_joined_key_is_found_where_the_expression_starts(
    template: str, path: str, first: str
) -> None:
    key = fake_key()
    a, b = key[:3], key[3:]
    text = template.format(a=a, b=b)
    (finding,) = scan_text(text, path).findings
    start = text.index(first.format(a=a)) + (1 if first[0] in "'\"`" else 0)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    assert (finding.line, finding.span.start.column, finding.encoding) == (line, column, "joined")


def test_separator_of_a_java_join_is_used() -> None:
    key = fake_key()
    text = f'String k = String.join("_", "ak", "{key[3:]}");\n'
    (occ,) = find_joined(text, KeyMatcher())
    assert occ.hit.key == key


@pytest.mark.parametrize(
    "text",
    [
        # Not a key once joined: a word glued before, a short body, a variable between.
        "const k = 'peak_'.concat('AbCdEfGhIjKlMnOpQrSt');\n",
        "const k = ''.concat('ak_', 'short');\n",
        "const k = ''.concat('ak_', user.id, 'AbCdEfGhIjKlMnOpQrSt');\n",
        # An unknown call, a format with another conversion, a join without a separator.
        'x = frobnicate("ak_", "AbCdEfGhIjKlMnOpQrSt")\n',
        'k := fmt.Sprintf("%d%s", "ak_", "AbCdEfGhIjKlMnOpQrSt")\n',
        # A const bound twice, or not at the start of a line, or a placeholder.
        "const P = 'ak_';\nP = 'x_';\nconst k = P + 'AbCdEfGhIjKlMnOpQrSt';\n",
        "function f() { const P = 'ak_'; return P + 'AbCdEfGhIjKlMnOpQrSt'; }\n",
        "const P = 'ak_';\nconst k = P + 'your_api_key_here';\n",
        'KEY="ak_""your_api_key_here"\n',
    ],
)
def test_lookalikes_are_not_joined(text: str) -> None:
    assert scan_text(text, "src/a.ts").findings == []


@pytest.mark.parametrize(
    ("unit", "tail"),
    [
        ("x('ak', 'b') ", ""),
        ("concat('ak_', 'a', ", ""),
        ("KEY=ak_\"a\"'b' ", ""),
        ("'ak_'.concat('a', ", ""),
        ("'ak' 'b' ", ""),
        ("P + 'a' + ", ""),
    ],
)
def test_joiner_is_linear(unit: str, tail: str) -> None:
    def run(text: str) -> None:
        may_join(text)
        list(find_joined(text, KeyMatcher()))

    head = "const P = 'ak_';\n"
    small = head + unit * 5_000 + tail
    big = head + unit * 40_000 + tail
    assert grows_linearly(run, small, big)
