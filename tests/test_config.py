from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard import config as config_module
from autype_guard import keys, load_config
from autype_guard.config import ConfigError, validate_key_pattern
from autype_guard.keys import KeyMatcher
from autype_guard.model import Severity
from autype_guard.rules import RULES

from .conftest import fake_key
from .test_cli import run
from .test_keys import grows_linearly

needs_re2 = pytest.mark.skipif(not keys.have_re2(), reason="google-re2 is not installed")


def test_nearest_config_wins_and_own_file_beats_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.autype-guard]\nenv-var = "FROM_PYPROJECT"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    assert load_config(sub).env_var == "FROM_PYPROJECT"
    (tmp_path / ".autype-guard.toml").write_text('env-var = "FROM_OWN"\n')
    assert load_config(sub).env_var == "FROM_OWN"


def test_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".autype-guard.toml").write_text('env-var = "OUTER"\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(inner).env_var == "OUTER"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("exclud = []", "unknown config key 'exclud'"),
        ("exclude = 'x'", "'exclude' must be a list of strings"),
        ("disable = ['AG999']", "unknown rule code 'AG999'"),
        ("severity = { AG101 = 'urgent' }", "'severity.AG101' must be one of"),
        ("key-pattern = 'ak_[a-z'", "not a valid regex"),
        ("key-pattern = '[a-z]{16}'", "must start with the literal prefix"),
        ("env-var = 'not a name'", "'env-var' must be an environment variable name"),
        ("allowlist = ['abc']", "SHA-256 fingerprints"),
        ("exclude = [", "invalid TOML"),
    ],
)
def test_bad_config_is_an_error_naming_the_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / ".autype-guard.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("tool = 5", r"'tool' must be a table"),
        ("[tool]\nautype-guard = 'x'", r"\[tool.autype-guard\] must be a table"),
    ],
)
def test_pyproject_whose_tool_is_no_table_is_an_error(
    tmp_path: Path, toml: str, message: str
) -> None:
    # Found by fuzz/fuzz_config.py: `tool = 5` raised AttributeError.
    (tmp_path / "pyproject.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, tmp_path / "pyproject.toml")


def test_bad_config_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".autype-guard.toml").write_text("unknown = 1\n")
    code, _out, err = run("scan", ".")
    assert code == 2
    assert err.count("\n") == 1 and "unknown config key" in err


def test_exclude_applies_even_to_files_named_explicitly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".autype-guard.toml").write_text('extend-exclude = ["fixtures/**"]\n')
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "a.py").write_text(f'k = "{fake_key()}"\n')
    assert run("scan", ".")[0] == 0
    assert run("scan", "fixtures/a.py")[0] == 0
    assert run("scan", "--exclude", "nothing", "fixtures/a.py")[0] == 0


def test_per_file_ignores_and_allowlist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autype_guard.keys import fingerprint

    monkeypatch.chdir(tmp_path)
    allowed, other = fake_key(), fake_key()
    (tmp_path / "data.json").write_text(f'{{"k": "{fake_key()}"}}\n')
    (tmp_path / "a.py").write_text(f'a = "{allowed}"\nb = "{other}"\n')
    (tmp_path / ".autype-guard.toml").write_text(
        f'per-file-ignores = {{ "*.json" = ["AG103"] }}\nallowlist = ["{fingerprint(allowed)}"]\n'
    )
    code, out, _ = run("scan", ".")
    assert code == 1
    assert "a.py:2:6: AG101" in out
    assert "a.py:1:" not in out and "data.json" not in out


def test_severity_override_and_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text(f"{fake_key()}\n")
    (tmp_path / ".autype-guard.toml").write_text("severity = { AG104 = 'critical' }\n")
    assert "[critical]" in run("scan", ".")[1]
    (tmp_path / ".autype-guard.toml").write_text("disable = ['AG104']\n")
    assert run("scan", ".")[0] == 0


def test_custom_key_pattern(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text('k = "ak_Zq3"\n')
    assert run("scan", ".")[0] == 0
    (tmp_path / ".autype-guard.toml").write_text("key-pattern = 'ak_[A-Za-z0-9]{3,}'\n")
    assert run("scan", ".")[0] == 1


# Patterns that backtrack exponentially in Python's `re` on `ak_`, a run of the unit and
# `!`, which a pull request could put in the repository's config (each matches a typical
# key, as a pattern must, at the end of the text).
HOSTILE_PATTERNS = [
    (r"ak_(?:\w|\w\w)+(?:;|$)", "a"),  # alternation in a repetition: 44 characters took ~29 s
    (r"ak_((A|AA)+)+(?:x|$)", "A"),  # nested groups
    (r"ak_(\w+)*(?:;|$)", "a"),
]


@needs_re2
@pytest.mark.parametrize(("pattern", "unit"), HOSTILE_PATTERNS)
def test_hostile_key_patterns_load_and_scan_in_linear_time(
    tmp_path: Path, pattern: str, unit: str
) -> None:
    (tmp_path / ".autype-guard.toml").write_text(f"key-pattern = '{pattern}'\n")
    matcher = KeyMatcher(load_config(tmp_path).key_pattern)
    find = lambda text: list(matcher.find(text))  # noqa: E731
    small = f'x = "ak_{unit * 500}!"\n'
    big = f'x = "ak_{unit * 4_000}!"\n'
    assert find(big) == []
    assert grows_linearly(find, small, big)


@needs_re2
def test_a_hostile_key_pattern_cannot_hang_the_cli(tmp_path: Path) -> None:
    key = fake_key()
    (tmp_path / ".autype-guard.toml").write_text(f"key-pattern = '{HOSTILE_PATTERNS[0][0]}'\n")
    (tmp_path / "app.py").write_text(f'x = "ak_{"a" * 5_000}!"\nk = "{key};"\n')
    done = subprocess.run(
        [sys.executable, "-m", "autype_guard", "scan", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "app.py:2:6: AG101" in done.stdout  # the pattern is in use: it finds `key;`


@needs_re2
@pytest.mark.parametrize(
    "pattern",
    [
        r"ak_(?=[a-z])[a-z0-9]{16,}",
        r"ak_[a-z0-9]{16,}(?![a-z])",
        r"ak_(?<!x)[a-z0-9]{16,}",
        r"ak_([a-z0-9])\1[a-z0-9]{16,}",
    ],
)
def test_lookarounds_and_backreferences_are_a_clean_config_error(
    tmp_path: Path, pattern: str
) -> None:
    (tmp_path / ".autype-guard.toml").write_text(f"key-pattern = '{pattern}'\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "'key-pattern' is not a valid regex for RE2" in message
    assert "lookarounds, backreferences" in message
    assert "\n" not in message


@needs_re2
def test_a_bad_key_pattern_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".autype-guard.toml").write_text("key-pattern = 'ak_(?=x)[a-z]{16,}'\n")
    code, _out, err = run("scan", ".")
    assert code == 2
    assert err.count("\n") == 1 and "'key-pattern' is not a valid regex for RE2" in err


@pytest.fixture
def without_re2(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a platform without a google-re2 wheel."""
    monkeypatch.setattr(keys, "_re2_module", lambda: None)


@pytest.mark.usefixtures("without_re2")
@pytest.mark.parametrize(
    "pattern",
    [
        r"ak_[A-Za-z0-9_-]{16,}",
        r"ak_[a-f0-9]{32}",
        r"ak_[A-Za-z0-9]{20,64}",
        r"ak_[^\s'\"]{16,}",
        r"ak_[\w\-]{16,}",
    ],
)
def test_without_re2_the_simple_shape_is_accepted(pattern: str) -> None:
    assert validate_key_pattern(pattern, "cfg") == pattern
    assert isinstance(KeyMatcher(pattern).pattern, re.Pattern)


@pytest.mark.usefixtures("without_re2")
@pytest.mark.parametrize(
    "pattern",
    [
        HOSTILE_PATTERNS[0][0],
        r"ak_[A-Za-z0-9]+",
        r"ak_[a-z]{8,}[0-9]{8,}",
        r"ak_\w{16,}",
        r"ak_([a-z0-9]{16,})",
        r"ak_[a-z0-9]{16,}|ak_[A-Z]{16,}",
        r"ak_[a-z0-9]{1000,}",  # a failed match may read as far as the minimum count
    ],
)
def test_without_re2_other_shapes_are_refused(pattern: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_key_pattern(pattern, "cfg")
    message = str(info.value)
    assert message.startswith("cfg: 'key-pattern' must be the prefix, one character class")
    assert "where RE2 is not installed" in message and "\n" not in message


@pytest.mark.usefixtures("without_re2")
def test_without_re2_a_simple_pattern_still_finds_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(f'k = "{fake_key()}"\n')
    (tmp_path / ".autype-guard.toml").write_text("key-pattern = 'ak_[A-Za-z0-9]{20,64}'\n")
    code, out, _ = run("scan", ".")
    assert code == 1 and "a.py:1:6: AG101" in out
    (tmp_path / ".autype-guard.toml").write_text("key-pattern = 'ak_(?:[a-z]|[0-9])+'\n")
    assert run("scan", ".")[0] == 2


def test_the_default_pattern_keeps_pythons_re() -> None:
    assert isinstance(KeyMatcher().pattern, re.Pattern)


# Every malformed shape is a config error naming the key: exit 2, one line, no traceback.
@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('tool = "x"\n', "'tool'"),
        ("tool = [1, 2]\n", "'tool'"),
        ("[tool]\nautype-guard = 3\n", "[tool.autype-guard]"),
        ('[tool]\nautype-guard = "AG101"\n', "[tool.autype-guard]"),
        ("[tool.autype-guard]\nper-file-ignores = []\n", "'per-file-ignores'"),
        ('[tool.autype-guard]\nper-file-ignores = {"*.py" = "AG101"}\n', "'per-file-ignores"),
        ('[tool.autype-guard.per-file-ignores."*.py"]\nAG101 = true\n', "'per-file-ignores"),
        ('[tool.autype-guard]\nseverity = "high"\n', "'severity'"),
        ('[tool.autype-guard]\nseverity = ["AG101", "high"]\n', "'severity'"),
        ('[tool.autype-guard.severity]\nAG101 = ["high"]\n', "'severity.AG101'"),
        ('[tool.autype-guard.severity.AG101]\nlevel = "high"\n', "'severity.AG101'"),
        ("[tool.autype-guard.severity]\nAG101 = 3\n", "'severity.AG101'"),
        ("[tool.autype-guard.exclude]\nbuild = true\n", "'exclude'"),
        ('[tool.autype-guard]\nextend-exclude = "build/"\n', "'extend-exclude'"),
        ('[tool.autype-guard]\ndisable = [["AG101"]]\n', "'disable'"),
        ('[tool.autype-guard]\ndisable = "AG101"\n', "'disable'"),
        ("[tool.autype-guard]\nallowlist = [1]\n", "'allowlist'"),
        ('[tool.autype-guard]\nkey-pattern = ["ak_"]\n', "'key-pattern'"),
        ("[tool.autype-guard]\nenv-var = {name = 1}\n", "'env-var'"),
        ("[tool.autype-guard]\nbrowser-paths = [{glob = 1}]\n", "'browser-paths'"),
        ("[[tool.autype-guard.public-env-prefixes]]\nx = 1\n", "'public-env-prefixes'"),
    ],
)
def test_malformed_config_shapes_are_one_line_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "app.py").write_text("x = 1\n")
    code, _, err = run("scan", "--config", "pyproject.toml", "app.py")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert key in err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    "table",
    [
        "severity = { AG1 = 'critical', AG104 = 'low' }",
        "severity = { AG104 = 'low', AG1 = 'critical' }",
        "severity = { ALL = 'info', AG1 = 'critical', AG104 = 'low' }",
    ],
)
def test_severity_prefix_sets_every_rule_it_names_and_specific_entries_win(
    tmp_path: Path, table: str
) -> None:
    (tmp_path / ".autype-guard.toml").write_text(table + "\n")
    config = config_module.load_config(tmp_path, codes=[rule.CODE for rule in RULES])
    ag1 = [rule.CODE for rule in RULES if rule.CODE.startswith("AG1")]
    assert len(ag1) > 2
    for code in ag1:
        expected = Severity.LOW if code == "AG104" else Severity.CRITICAL
        assert config.severity_for(code, Severity.MEDIUM) is expected
