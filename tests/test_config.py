from __future__ import annotations

from pathlib import Path

import pytest

from autype_guard import load_config
from autype_guard.config import ConfigError

from .conftest import fake_key
from .test_cli import run


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
        ("key-pattern = 'ak_(a+)+'", "backtrack catastrophically"),
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
