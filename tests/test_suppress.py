"""Inline suppressions: what they hide, and which ones hide nothing any more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions
from autype_guard.config import Config

from .conftest import fake_key
from .test_cli import run

# Built from parts so that this file's own lines hold no directive for the self-scan.
IGNORE = "autype-guard" + ": ignore"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def unused(text: str, path: str = "a.py", **config: object) -> list[tuple[int, tuple[str, ...]]]:
    result = scan_text(text, path, Config(**config))  # type: ignore[arg-type]
    return [(u.line, u.codes) for u in result.unused_suppressions]


def test_a_suppression_that_hides_a_finding_is_used() -> None:
    key = fake_key()
    text = f'k = "{key}"  # {IGNORE}[AG101]\nj = "{key}"  # {IGNORE}\n'
    result = scan_text(text, "a.py")
    assert result.findings == []
    assert result.suppressed == 2
    assert result.unused_suppressions == []


def test_a_suppression_on_a_line_without_a_finding_is_reported() -> None:
    key = fake_key()
    text = f'k = "{key}"\n# {IGNORE}\nx = 1  # {IGNORE}[AG101]\n'
    result = scan_text(text, "a.py")
    assert [f.line for f in result.findings] == [1]
    assert [(u.line, u.column, u.codes) for u in result.unused_suppressions] == [
        (2, 3, ()),
        (3, 10, ("AG101",)),
    ]
    assert "no AG101 finding" in result.unused_suppressions[1].message


def test_a_file_without_any_key_marker_is_still_checked() -> None:
    assert unused(f"x = 1  # {IGNORE}\n") == [(1, ())]


def test_wrong_code_and_unknown_code_are_reported() -> None:
    key = fake_key()
    result = scan_text(f'k = "{key}"  # {IGNORE}[AG103, AG999]\n', "a.py")
    assert [f.code for f in result.findings] == ["AG101"]
    (entry,) = result.unused_suppressions
    assert (entry.codes, entry.unknown) == (("AG103",), ("AG999",))
    assert "AG999" in entry.message


def test_codes_of_rules_not_enabled_are_not_reported() -> None:
    assert unused(f"x = 1  # {IGNORE}[AG104]\n", disable=frozenset({"AG104"})) == []
    assert unused(f"x = 1  # {IGNORE}[AG104, AG101]\n", disable=frozenset({"AG104"})) == [
        (1, ("AG101",))
    ]


def test_a_placeholder_needs_no_suppression() -> None:
    assert unused(f'k = "ak_your_api_key_here"  # {IGNORE}\n') == [(1, ())]


def test_mentions_in_inline_code_are_documentation_not_directives() -> None:
    assert unused(f"Put `{IGNORE}` in a comment on the line.\n", "README.md") == []


def test_no_inline_ignore_reports_nothing_as_unused() -> None:
    key = fake_key()
    result = scan_text(
        f'k = "{key}"  # {IGNORE}\nx = 1  # {IGNORE}\n',
        "a.py",
        options=ScanOptions(inline_ignore=False),
    )
    assert [f.line for f in result.findings] == [1]
    assert result.unused_suppressions == []


def test_unused_suppressions_are_notes_that_never_fail_the_run(project: Path) -> None:
    (project / "a.py").write_text(f"x = 1  # {IGNORE}[AG101]\n")
    code, out, _ = run("scan", "--fail-on", "info", ".")
    assert code == 0
    assert "a.py:1:10: note: unused suppression comment: no AG101 finding on this line" in out
    code, out, _ = run("scan", "--format", "json", ".")
    doc = json.loads(out)
    assert code == 0
    assert doc["unused_suppressions"] == [
        {
            "path": "a.py",
            "line": 1,
            "column": 10,
            "codes": ["AG101"],
            "unknown_codes": [],
            "message": "unused suppression comment: no AG101 finding on this line",
        }
    ]
    assert doc["summary"]["unused_suppressions"] == 1
    code, out, _ = run("scan", "--format", "sarif", ".")
    run_ = json.loads(out)["runs"][0]
    assert code == 0 and run_["results"] == []
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "note"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("a.py", 'k = "{key}"; MSG = "{ig}"'),
        ("a.py", "k = '{key}'; MSG = 'x # {ig}'"),
        ("a.js", 'const k = "{key}"; const m = `// {ig}`;'),
        ("a.yaml", 'key: "{key}"\nnote: "{ig}"'),
        ("a.yaml", "key: {key} 'it {ig}'"),
        ("a.sh", 'K="{key}" MSG="# {ig}"'),
        ("a.md", "Key {key}, write `{ig}` to hide it."),
        ("a.json", '{{"k": "{key}", "note": "{ig}"}}'),
        ("a.json", '{{"k": "{key}"}} // {ig}'),
    ],
)
def test_a_directive_in_a_string_or_inline_code_suppresses_nothing(path: str, line: str) -> None:
    text = line.format(key=fake_key(), ig=IGNORE) + "\n"
    result = scan_text(text, path)
    assert [f.line for f in result.findings] == [1]
    assert result.unused_suppressions == []


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("a.py", 'k = "{key}"  # it\'s fine: {ig}'),
        ("a.py", 'k = "{key}"  # "quoted" {ig}'),
        ("a.js", 'const k = "{key}"; // {ig}'),
        ("a.js", 'const k = "{key}"; /* {ig} */'),
        ("a.yaml", "key: {key}  # {ig}"),
        ("a.sh", 'K="{key}"  # {ig}'),
        ("a.sql", "SELECT '{key}'; -- {ig}"),
        ("a.ini", "key = {key} ; {ig}"),
        ("a.html", '<p data-k="{key}"></p> <!-- {ig} -->'),
        ("a.jinja", '{{{{ "{key}" }}}} {{# {ig} #}}'),
        ("a.md", "Key {key} <!-- {ig} -->"),
        ("a.md", "It's {key} <!-- {ig} -->"),
    ],
)
def test_a_directive_in_a_comment_suppresses(path: str, line: str) -> None:
    text = line.format(key=fake_key(), ig=IGNORE) + "\n"
    result = scan_text(text, path)
    assert result.findings == []
    assert result.suppressed >= 1
    assert result.unused_suppressions == []


def test_a_block_comment_closed_before_the_directive_does_not_cover_it() -> None:
    result = scan_text(f'const k = "{fake_key()}"; /* x */ "{IGNORE}";\n', "a.js")
    assert [f.line for f in result.findings] == [1]
