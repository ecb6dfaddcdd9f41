"""One finding per key occurrence, and suppression applied last, finding by finding: no
suppression ever removes a finding about another key."""

from __future__ import annotations

import json
from pathlib import Path

from autype_guard.api import scan_text
from autype_guard.config import parse_config
from autype_guard.keys import fingerprint

from .conftest import fake_key
from .test_cli import project, run

__all__ = ["project"]  # the fixture, used by name

IGNORE = "autype-guard" + ": ignore"  # spelled apart so the self-scan sees no directive


def codes(text: str, path: str, **config: object) -> list[tuple[str, str]]:
    """(rule, preview) of each reported finding."""
    cfg = parse_config(config, root=Path("."))
    return [(f.code, f.preview) for f in scan_text(text, path, cfg).findings]


def test_two_keys_on_a_line_are_two_findings() -> None:
    a, b = fake_key(), fake_key()
    assert codes(f'KEYS = ["{a}", "{b}"]\n', "app.py") == [
        ("AG101", f"ak_…{a[-4:]}"),
        ("AG101", f"ak_…{b[-4:]}"),
    ]


def test_a_minified_bundle_line_reports_every_key() -> None:
    keys = [fake_key() for _ in range(3)]
    line = "".join(f'var k{i}="{k}";' for i, k in enumerate(keys)) + "\n"
    assert [p for _, p in codes(line, "dist/assets/index-3f2a.js")] == [
        f"ak_…{k[-4:]}" for k in keys
    ]


def test_a_bearer_key_is_reported_for_the_key_and_for_the_scheme() -> None:
    key = fake_key()
    found = codes(f'h = {{"Authorization": "Bearer {key}"}}\n', "app/x.py")
    assert sorted(code for code, _ in found) == ["AG101", "AG301"]


def test_an_inline_comment_with_a_code_keeps_other_rules_findings() -> None:
    key = fake_key()
    line = f'h = {{"Authorization": "Bearer {key}"}}  # {IGNORE}[AG101]\n'
    result = scan_text(line, "app/x.py")
    assert [f.code for f in result.findings] == ["AG301"]
    assert result.suppressed == 1


def test_an_inline_comment_with_a_code_covers_every_key_of_that_rule_on_its_line() -> None:
    a, b = fake_key(), fake_key()
    result = scan_text(f'KEYS = ["{a}", "{b}"]  # {IGNORE}[AG101]\n', "app.py")
    assert result.findings == []
    assert result.suppressed == 2
    assert result.unused_suppressions == []


def test_an_inline_comment_without_codes_covers_the_whole_line() -> None:
    key = fake_key()
    line = f'h = {{"Authorization": "Bearer {key}"}}  # {IGNORE}\n'
    result = scan_text(line, "app/x.py")
    assert result.findings == []
    assert result.suppressed == 2


def test_per_file_ignores_cover_only_their_codes() -> None:
    key = fake_key()
    ignores = {"per-file-ignores": {"app/*.py": ["AG301"]}}
    found = codes(f'h = {{"Authorization": "Bearer {key}"}}\n', "app/x.py", **ignores)
    assert found == [("AG101", f"ak_…{key[-4:]}")]


def test_the_allowlist_covers_only_its_key() -> None:
    a, b = fake_key(), fake_key()
    found = codes(f'KEYS = ["{a}", "{b}"]\n', "app.py", allowlist=[fingerprint(a)])
    assert found == [("AG101", f"ak_…{b[-4:]}")]


def test_an_allowlisted_key_does_not_hide_a_second_key_on_its_line(project: Path) -> None:
    a, b = fake_key(), fake_key()
    (project / ".autype-guard.toml").write_text(f'allowlist = ["{fingerprint(a)}"]\n')
    (project / "app.py").write_text(f'KEYS = ["{a}", "{b}"]\n')
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["line"], f["preview"]) for f in findings] == [(1, f"ak_…{b[-4:]}")]
