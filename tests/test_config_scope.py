"""Which config and which excludes apply to a file do not depend on the other files named
with it: command-line globs match from the current directory, config globs from their
config file's directory, and each file gets its nearest config (as pre-commit batches)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autype_guard.cli import cli

from .conftest import fake_key, git


def run(*args: str) -> tuple[int, str, str]:
    try:  # click < 8.2 mixes stderr in unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def findings(*args: str) -> set[tuple[str, str]]:
    """(path, code) of each finding of a JSON scan of `args`."""
    code, out, err = run("scan", "--format", "json", "-j", "1", *args)
    assert code in (0, 1), err
    return {(f["path"], f["code"]) for f in json.loads(out)["findings"]}


def per_file(names: list[str], *flags: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The findings of `names` scanned together, and the union of each scanned alone."""
    together = findings(*flags, *names)
    alone: set[tuple[str, str]] = set()
    for name in names:
        alone |= findings(*flags, name)
    return together, alone


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _key_file(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'KEY = "{key}"\n')


# --- A command-line --exclude matches from the current directory --------------------------


def test_cli_exclude_does_not_depend_on_how_many_files_are_named(project: Path) -> None:
    _key_file(project / "legacy" / "old.py", fake_key())
    _key_file(project / "other.py", fake_key())
    flags = ("--exclude", "legacy/**")
    assert findings(*flags, "legacy/old.py") == set()
    assert findings(*flags, "legacy/old.py", "other.py") == {("other.py", "AG101")}
    assert findings(*flags, ".") == {("other.py", "AG101")}
    assert findings(*flags, "legacy") == set()


def test_cli_exclude_of_a_named_file_below_the_current_directory(project: Path) -> None:
    _key_file(project / "src" / "a.py", fake_key())
    assert findings("--exclude", "src/**", "src/a.py") == set()
    assert findings("--exclude", "src", "src/a.py") == set()
    assert findings("--exclude", "a.py", "src/a.py") == set()  # a name: at any depth
    # Relative to the current directory, not to the scanned directory.
    assert findings("--exclude", "a.py", "src") == set()
    assert findings("--exclude", "src/a.py", "src") == set()
    assert findings("--exclude", "a.py/**", "src") == {("src/a.py", "AG101")}


def test_cli_exclude_from_a_subdirectory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _key_file(project / "pkg" / "gen" / "x.py", fake_key())
    _key_file(project / "pkg" / "y.py", fake_key())
    monkeypatch.chdir(project / "pkg")
    assert findings("--exclude", "gen/**", ".") == {("y.py", "AG101")}
    assert findings("--exclude", "gen/**", "gen/x.py", "y.py") == {("y.py", "AG101")}
    assert findings("--exclude", "pkg/gen/**", ".") == {("gen/x.py", "AG101"), ("y.py", "AG101")}


def test_config_exclude_stays_relative_to_the_config_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".autype-guard.toml").write_text('extend-exclude = ["gen/**"]\n')
    _key_file(project / "gen" / "x.py", fake_key())
    _key_file(project / "src" / "gen" / "y.py", fake_key())
    assert findings(".") == {("src/gen/y.py", "AG101")}
    assert findings("gen/x.py") == set()
    monkeypatch.chdir(project / "src")
    # Scanned from below the config: its globs still start at its own directory.
    assert findings("gen/y.py") == {("gen/y.py", "AG101")}
    assert findings("../gen/x.py") == set()


def test_cli_exclude_in_a_staged_scan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    _key_file(repo / "legacy" / "old.py", fake_key())
    _key_file(repo / "new.py", fake_key())
    git(repo, "add", ".")
    assert findings("--staged", "--exclude", "legacy/**") == {("new.py", "AG101")}


# --- Nested configs: each file gets its nearest ------------------------------------------


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _monorepo(root: Path) -> dict[str, str]:
    """Two sub-projects with different excludes and allowlists, and a root config."""
    keys = {name: fake_key() for name in ("a_gen", "a_app", "a_ok", "b_gen", "b_app", "top")}
    (root / ".autype-guard.toml").write_text('extend-exclude = ["apps/b/vendor/**"]\n')
    (root / "apps" / "a").mkdir(parents=True)
    (root / "apps" / "a" / ".autype-guard.toml").write_text(
        f'extend-exclude = ["gen/**"]\nallowlist = ["{_fingerprint(keys["a_ok"])}"]\n'
    )
    (root / "apps" / "b").mkdir(parents=True)
    (root / "apps" / "b" / "pyproject.toml").write_text(
        '[project]\nname = "b"\n[tool.autype-guard]\ndisable = ["AG101"]\n'
    )
    _key_file(root / "apps" / "a" / "gen" / "x.py", keys["a_gen"])
    _key_file(root / "apps" / "a" / "app.py", keys["a_app"])
    _key_file(root / "apps" / "a" / "accepted.py", keys["a_ok"])
    (root / "apps" / "b" / "vendor").mkdir()
    (root / "apps" / "b" / "vendor" / "lib.js").write_text(f'const k = "{keys["b_gen"]}";\n')
    _key_file(root / "apps" / "b" / "app.py", keys["b_app"])  # AG101 disabled there
    (root / "apps" / "b" / "README.md").write_text(f"key: {keys['b_app']}\n")
    _key_file(root / "gen" / "top.py", keys["top"])  # a/'s gen/** is a/'s alone
    return keys


EXPECTED = {
    ("apps/a/app.py", "AG101"),
    ("apps/b/README.md", "AG104"),
    ("gen/top.py", "AG101"),
}
FILES = [
    "apps/a/gen/x.py",
    "apps/a/app.py",
    "apps/a/accepted.py",
    "apps/b/vendor/lib.js",
    "apps/b/app.py",
    "apps/b/README.md",
    "gen/top.py",
]


def test_nested_configs_give_the_same_per_file_results_together_and_alone(
    project: Path,
) -> None:
    _monorepo(project)
    together, alone = per_file(FILES)
    assert together == alone == EXPECTED
    assert findings(".") == EXPECTED
    assert findings("apps") == EXPECTED - {("gen/top.py", "AG101")}
    assert findings("apps/a") == {("apps/a/app.py", "AG101")}


def test_nested_configs_without_a_root_config(project: Path) -> None:
    _monorepo(project)
    (project / ".autype-guard.toml").unlink()
    expected = EXPECTED | {("apps/b/vendor/lib.js", "AG102")}
    together, alone = per_file(FILES)
    assert together == alone == expected
    assert findings(".") == expected


def test_explicit_config_applies_to_every_file(project: Path) -> None:
    _monorepo(project)
    (project / "strict.toml").write_text("exclude = []\n")
    found = findings("--config", "strict.toml", *FILES)
    assert {path for path, _ in found} == set(FILES)  # nothing excluded, allowed or disabled
    assert ("apps/b/app.py", "AG101") in found
    assert ("apps/a/gen/x.py", "AG101") in found


def test_an_invalid_nested_config_fails_the_run_and_the_rest_is_scanned(project: Path) -> None:
    _monorepo(project)
    (project / "apps" / "a" / ".autype-guard.toml").write_text("no-such-key = 1\n")
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 2
    report = json.loads(out)
    assert "no-such-key" in json.dumps(report["errors"]), report["errors"]
    paths = {f["path"] for f in report["findings"]}
    assert "apps/a/app.py" in paths and "apps/a/gen/x.py" in paths  # the config above applies


def test_nested_configs_in_a_worker_pool(project: Path) -> None:
    _monorepo(project)
    for i in range(40):
        (project / "apps" / "a" / "gen" / f"g{i}.py").write_text(f'K = "{fake_key()}"\n')
    for i in range(80):  # more than a small run: the pool starts
        (project / "apps" / "b" / f"m{i}.py").write_text(f'K = "{fake_key()}"\n')
    code, out, err = run("scan", "--format", "json", "-j", "2", ".")
    assert code == 1, err
    assert {(f["path"], f["code"]) for f in json.loads(out)["findings"]} == EXPECTED


# --- The same through the real pre-commit, batching files as it does ---------------------


def _pre_commit() -> str:
    exe = Path(sys.executable).parent / "pre-commit"
    found = str(exe) if exe.exists() else shutil.which("pre-commit")
    if found is None:
        pytest.fail("pre-commit is not installed: install the test extras")
    return found


def _hook_config(repo: Path, args: list[str]) -> None:
    """A local hook running this checkout's autype-guard the way the published hook does."""
    entry = str(Path(sys.executable).parent / "autype-guard") + " scan"
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: autype-guard\n    name: autype-guard\n"
        f"    entry: {entry}\n    language: system\n    require_serial: true\n"
        f"    args: {json.dumps(args)}\n"
    )


def _commit_check(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [_pre_commit(), "run", "--files", *files],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_pre_commit_exclude_arg_with_one_file_or_two(repo: Path, tmp_path: Path) -> None:
    _hook_config(repo, ["--exclude", "legacy/**"])
    _key_file(repo / "legacy" / "old.py", fake_key())
    (repo / "other.py").write_text("print('hello')\n")
    git(repo, "add", ".")
    home = tmp_path / "home"
    alone = _commit_check(repo, home, "legacy/old.py")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    both = _commit_check(repo, home, "legacy/old.py", "other.py")
    assert both.returncode == 0, both.stdout + both.stderr
    (repo / "other.py").write_text(f'K = "{fake_key()}"\n')
    caught = _commit_check(repo, home, "legacy/old.py", "other.py")
    assert caught.returncode == 1 and "other.py:1:6: AG101" in caught.stdout
    assert "legacy/old.py" not in caught.stdout


def test_pre_commit_nested_configs(repo: Path, tmp_path: Path) -> None:
    _hook_config(repo, [])
    _monorepo(repo)
    git(repo, "add", ".")
    home = tmp_path / "home"

    def flagged(result: subprocess.CompletedProcess[str]) -> set[str]:
        lines = result.stdout.splitlines()
        return {name for name in FILES if any(ln.startswith(name + ":") for ln in lines)}

    alone: set[str] = set()
    for name in FILES:  # one file per commit
        alone |= flagged(_commit_check(repo, home, name))
    together = _commit_check(repo, home, *FILES)
    assert together.returncode == 1
    assert flagged(together) == alone == {path for path, _ in EXPECTED}
