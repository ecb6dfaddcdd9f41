"""The hook as users run it: the real `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import fake_key, git

ROOT = Path(__file__).resolve().parent.parent


def _pre_commit() -> list[str]:
    exe = Path(sys.executable).parent / "pre-commit"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("pre-commit")
    if found is None:
        pytest.fail("pre-commit is not installed: install the test extras")
    return [found]


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed snapshot of this checkout: try-repo installs from git, not the work tree."""
    snapshot = tmp_path_factory.mktemp("hook-src")
    for item in ("autype_guard", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, snapshot / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, snapshot / item)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", ".")
    git(snapshot, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot")
    return snapshot


def _try_repo(
    repo: Path, hook_source: Path, home: Path, *hooks: str
) -> subprocess.CompletedProcess[str]:
    """Run the hooks of .pre-commit-hooks.yaml (all of them, in order, unless named)."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("CI", None)  # autype-guard-fix refuses to write in CI
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(hook_source), *hooks, "--verbose"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_hook_blocks_a_real_key_and_passes_the_placeholder(
    repo: Path, hook_source: Path, tmp_path: Path
) -> None:
    # One try-repo run per step (each builds the hook environment): every hook runs, the
    # check (autype-guard) first, then the fixer (autype-guard-fix).
    home = tmp_path / "pre-commit-home"
    key = fake_key()
    (repo / "settings.py").write_text(f'AUTYPE_API_KEY = "{key}"\n')
    (repo / "notes.js.gz").write_bytes(b"")  # no types filter: odd files reach the tool too
    git(repo, "add", ".")
    blocked = _try_repo(repo, hook_source, home)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "settings.py:1:19: AG101" in blocked.stdout
    assert key not in blocked.stdout + blocked.stderr
    # autype-guard-fix moved the key to the git-ignored .env and stopped the commit.
    assert "files were modified by this hook" in blocked.stdout
    assert (repo / "settings.py").read_text() == (
        'import os\n\nAUTYPE_API_KEY = os.environ["AUTYPE_API_KEY"]\n'
    )
    assert (repo / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert (repo / ".gitignore").read_text() == "/.env\n"

    (repo / "settings.py").write_text('AUTYPE_API_KEY = "ak_your_api_key_here"\n')
    git(repo, "add", ".")
    passed = _try_repo(repo, hook_source, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_commit_message_is_never_scanned_and_the_manual_stage_scans(
    repo: Path, hook_source: Path, tmp_path: Path
) -> None:
    home = tmp_path / "pre-commit-home"
    key = fake_key()
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(f"rotate the old key {key}\n")
    (repo / "app.py").write_text(f'KEY = "{key}"\n')
    git(repo, "add", ".")
    stages = ("--hook-stage", "commit-msg", "--commit-msg-filename", str(message))
    at_commit_msg = _try_repo(repo, hook_source, home, *stages)  # every hook of the manifest
    assert at_commit_msg.returncode == 0, at_commit_msg.stdout + at_commit_msg.stderr
    assert "AG10" not in at_commit_msg.stdout
    manual = _try_repo(repo, hook_source, home, "autype-guard", "--hook-stage", "manual")
    assert manual.returncode == 1, manual.stdout + manual.stderr
    assert "app.py:1:8: AG101" in manual.stdout


def test_the_manifest_asks_for_one_process_and_a_recent_pre_commit() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        assert hook["require_serial"] is True
        assert hook["minimum_pre_commit_version"] == "3.2.0"
        if hook["id"] == "autype-guard-pre-push":
            # The pushed commits: no file names, run whatever files the push changes.
            assert hook["stages"] == ["pre-push"]
            assert hook["pass_filenames"] is False
            assert hook["always_run"] is True
        else:
            assert hook["stages"] == ["pre-commit", "manual"]
