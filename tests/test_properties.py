"""Property-based tests: arbitrary input never raises, planted keys are always found at their
exact place, and no output format ever leaks a full key."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autype_guard import scan_bytes, scan_text
from autype_guard.cli import cli
from autype_guard.config import Config
from autype_guard.keys import KeyMatcher, is_real_key, placeholder_reason
from autype_guard.report import FORMATS

NAMES = [
    "app.py",
    "src/app.ts",
    "server.js",
    "dist/assets/index-3f2a9c1b.js",
    "templates/page.html",
    "component.vue",
    ".env",
    "config.yaml",
    "data.json",
    "README.md",
    "analysis.ipynb",
    "client.go",
    "deploy.sh",
    "Dockerfile",
    "notes",
]
KEY_BODY = st.text(alphabet=string.ascii_letters + string.digits, min_size=16, max_size=48)
REAL_KEY = KEY_BODY.map(lambda body: "ak_" + body).filter(is_real_key)
# Filler text: anything but line breaks and the characters that start an encoded key.
FILLER = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n%\\\0"),
    max_size=40,
).filter(lambda s: "ak_" not in s and "autype-guard" not in s)
# How a key is written on its line, per kind of file.
LINE_TEMPLATES = {
    "app.py": 'API_KEY = "{key}"',
    "src/app.ts": 'const key = "{key}";',
    "server.js": "const key = '{key}';",
    "dist/assets/index-3f2a9c1b.js": 'var e="{key}";',
    "templates/page.html": "<meta data-k='{key}'>",
    "component.vue": 'const k = "{key}"',
    ".env": "AUTYPE_API_KEY={key}",
    "config.yaml": "api_key: {key}",
    "data.json": '"api_key": "{key}",',
    "README.md": "curl -H 'X-API-Key: {key}'",
    "analysis.ipynb": '    "key = \\"{key}\\"\\n",',
    "client.go": 'const key = "{key}"',
    "deploy.sh": 'KEY="{key}"',
    "Dockerfile": "ENV AUTYPE_API_KEY={key}",
    "notes": "key: {key}",
}

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(st.binary(max_size=2048), st.sampled_from(NAMES))
def test_arbitrary_bytes_never_raise(data: bytes, name: str) -> None:
    result = scan_bytes(data, name, Config())
    assert result.error is None


@FAST
@given(st.text(max_size=200))
def test_classifier_and_matcher_never_raise(text: str) -> None:
    placeholder_reason(text)
    list(KeyMatcher().find(text))


@FAST
@given(
    FILLER.filter(lambda s: not s or s[-1] not in string.ascii_letters + string.digits + "_"),
    REAL_KEY,
    FILLER.filter(lambda s: not s or s[0] not in string.ascii_letters + string.digits + "_-"),
)
def test_key_in_arbitrary_text_is_found(before: str, key: str, after: str) -> None:
    hits = [(h.start, h.key) for h in KeyMatcher().find(before + key + after)]
    assert (len(before), key) in hits


def _planted(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, int, int]], dict[str, str]]:
    name = draw(st.sampled_from(NAMES))
    keys = draw(st.lists(REAL_KEY, min_size=1, max_size=3, unique=True))
    # Filler holding a key's body on its own is text of the file, not the key: `fix --diff`
    # shows it as context (hypothesis once drew a planted key's digits-only body as a line).
    lines = [
        line
        for line in draw(st.lists(FILLER, min_size=0, max_size=6))
        if not any(key[3:] in line for key in keys)
    ]
    expected = []
    for key in keys:
        at = draw(st.integers(min_value=0, max_value=len(lines)))
        lines.insert(at, "\0" + key)
    text_lines = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("\0"):
            key = line[1:]
            line = LINE_TEMPLATES[name].format(key=key)
            expected.append((key, number, line.index(key) + 1))
        text_lines.append(line)
    return name, "\n".join(text_lines) + "\n", expected, {}


planted_files = st.composite(_planted)


@FAST
@given(planted_files())
def test_planted_keys_are_found_at_their_exact_place(planted: tuple) -> None:  # type: ignore[type-arg]
    name, text, expected, _ = planted
    found = {(f.line, f.column) for f in scan_text(text, name).findings}
    for _key, line, column in expected:
        assert (line, column) in found


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(planted_files())
def test_no_output_format_leaks_a_key(
    tmp_path_factory: pytest.TempPathFactory, planted: tuple
) -> None:  # type: ignore[type-arg]
    name, text, expected, _ = planted
    root = tmp_path_factory.mktemp("leak")
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    runner = CliRunner()
    outputs = []
    for fmt in FORMATS:
        result = runner.invoke(cli, ["scan", "--no-ignore", "--format", fmt, str(root)])
        outputs.append(result.output)  # stdout and stderr
    baseline = root.parent / f"{root.name}-baseline.json"
    result = runner.invoke(cli, ["baseline", "--no-ignore", "--output", str(baseline), str(root)])
    outputs.append(result.output)
    outputs.append(baseline.read_text(encoding="utf-8"))
    outputs.append(runner.invoke(cli, ["fix", "--diff", "--no-ignore", str(root)]).output)
    for key, _line, _column in expected:
        for output in outputs:
            assert key not in output
            assert key[3:] not in output
    shown = runner.invoke(
        cli, ["scan", "--no-ignore", "--show-secrets", "--format", "json", str(root)]
    )
    for key, line, column in expected:
        assert key in shown.output
        findings = json.loads(shown.stdout)["findings"]
        assert any(f["line"] == line and f["column"] == column for f in findings)


def test_leak_check_would_catch_a_leak(tmp_path: Path) -> None:
    from .conftest import fake_key

    key = fake_key()
    (tmp_path / "a.py").write_text(f'k = "{key}"\n')
    shown = CliRunner().invoke(cli, ["scan", "--show-secrets", str(tmp_path)])
    assert key in shown.output
