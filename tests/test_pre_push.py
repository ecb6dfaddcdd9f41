"""`autype-guard scan --pre-push`: the commits being pushed, not the work tree; as git's own
pre-push hook and through the real pre-commit (`pre-commit install --hook-type pre-push`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import fake_key, git
from .test_precommit import _pre_commit, hook_source  # noqa: F401 (a fixture)


def _commit(work: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
        git(work, "add", name)
    git(work, "commit", "-q", "-m", message)
    return git(work, "rev-parse", "HEAD").strip()


def _push(
    work: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(work), "push", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
        timeout=600,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A clone whose main (one clean commit) is on its remote."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    git(work, "config", "commit.gpgsign", "false")
    git(work, "checkout", "-q", "-b", "main")
    (work / ".pre-commit-config.yaml").write_text("repos: []\n")
    _commit(work, {"README.md": "# project\n"}, "start")
    assert _push(work, "-q", "origin", "main").returncode == 0
    return work


def test_git_pre_push_hook_scans_the_pushed_commits_not_the_work_tree(work: Path) -> None:
    hook = work / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m autype_guard scan --pre-push\n")
    hook.chmod(0o755)
    key = fake_key()
    added = _commit(work, {"config.py": f'KEY = "{key}"\n'}, "add")
    _commit(work, {"config.py": "import os\nKEY = os.environ['AUTYPE_API_KEY']\n"}, "remove")
    blocked = _push(work, "origin", "main")
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr  # the hook's output, as git passes it on
    assert "config.py:1:8: AG101" in output
    assert f"commit: {added[:12]}" in output  # the commit that added it
    assert "2 blobs scanned from 2 commits" in output
    assert key not in blocked.stdout + blocked.stderr
    # Commits the remote has already: nothing to scan, whatever the work tree holds.
    (work / "local.py").write_text(f'KEY = "{key}"\n')  # untracked: never pushed
    old = _push(work, "origin", "origin/main:refs/heads/copy")
    assert old.returncode == 0, old.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    _commit(work, {"app.py": "print('hello')\n"}, "clean")
    clean = _push(work, "origin", "main")
    assert clean.returncode == 0, clean.stderr
    assert "1 blob scanned from 1 commit" in clean.stdout
    deleted = _push(work, "origin", "--delete", "copy")
    assert deleted.returncode == 0, deleted.stderr


def test_malformed_pre_push_input_is_an_error(work: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "autype_guard", "scan", "--pre-push"],
        cwd=work,
        input="refs/heads/main 1234 refs/heads/main\n",
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT")},
    )
    assert bad.returncode == 2
    assert "pre-push input line 1: expected 4 fields" in bad.stderr


def test_through_pre_commit(work: Path, hook_source: Path, tmp_path: Path) -> None:  # noqa: F811
    rev = git(hook_source, "rev-parse", "HEAD").strip()
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_source}\n  rev: {rev}\n  hooks:\n  - id: autype-guard-pre-push\n"
    )
    git(work, "add", ".pre-commit-config.yaml")
    git(work, "commit", "-q", "-m", "hooks")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("CI", None)
    installed = subprocess.run(
        [*_pre_commit(), "install", "--hook-type", "pre-push"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    key = fake_key()
    _commit(work, {"settings.py": f'API_KEY = "{key}"\n'}, "add")
    _commit(work, {"settings.py": "API_KEY = None\n"}, "remove")
    blocked = _push(work, "origin", "main", env=env)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    output = blocked.stdout + blocked.stderr
    assert "settings.py:1:12: AG101" in output
    assert key not in output
    # A new branch: pre-commit passes the range from the first commit the remote lacks.
    git(work, "checkout", "-q", "-b", "topic")
    new_branch = _push(work, "origin", "topic", env=env)
    assert new_branch.returncode != 0
    assert "settings.py:1:12: AG101" in new_branch.stdout + new_branch.stderr
    git(work, "reset", "-q", "--hard", "HEAD~2")
    _commit(work, {"app.py": "x = 1\n"}, "clean")
    clean = _push(work, "origin", "topic", env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
