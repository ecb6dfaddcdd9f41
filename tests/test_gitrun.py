"""The one git runner: its environment, its errors, and that every caller goes through it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from autype_guard import gitrun
from autype_guard.gitrun import GitError, GitNotFound

from .conftest import fake_key, git
from .test_cli import run as cli_run


def _commit(repo: Path, name: str, text: str, message: str) -> None:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def intended(repo: Path) -> Path:
    """The repository callers name: two commits changing one file."""
    _commit(repo, "a.txt", "old\n", "first")
    _commit(repo, "a.txt", "new\n", "intended")
    return repo


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """Another repository, which a hostile environment points git at."""
    path = tmp_path / "other"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    _commit(path, "b.txt", "b\n", "other")
    return path


def _marker_script(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A program that creates a marker file when it runs: (program, marker)."""
    marker = tmp_path / f"{name}.ran"
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\necho ran >> '{marker}'\ncat >/dev/null\n")
    script.chmod(0o755)
    return script, marker


def _plain_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git as a naive caller runs it: the caller's environment as it is."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


# --- the environment -----------------------------------------------------------------------


def test_hostile_git_dir_and_work_tree_are_ignored(
    intended: Path, other: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    # They do redirect a git that is run with the caller's environment ...
    assert _plain_git(intended, "log", "-1", "--format=%s").stdout.strip() == "other"
    # ... but not one run through gitrun.
    out = gitrun.run(intended, "log", "-1", "--format=%s").stdout
    assert out.decode().strip() == "intended"
    top = gitrun.run(intended, "rev-parse", "--show-toplevel").stdout.decode().strip()
    assert Path(top).resolve() == intended.resolve()
    # Nor the long-running child.
    with tempfile.TemporaryFile() as err:
        proc = gitrun.start(intended, "cat-file", "--batch", stderr=err, write=True)
        out, _ = proc.communicate(b"HEAD:a.txt\n", timeout=30)
    assert proc.returncode == 0
    assert out.endswith(b"\nnew\n\n")


def test_hostile_external_diff_never_runs(
    intended: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, marker = _marker_script(tmp_path, "external-diff")
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    _plain_git(intended, "diff", "HEAD~1", "HEAD")
    assert marker.exists()  # the hostile variable does run a program for a naive caller
    marker.unlink()
    out = gitrun.run(intended, "diff", "HEAD~1", "HEAD").stdout.decode()
    assert "-old\n+new\n" in out  # git's own patch
    out = gitrun.run(intended, "log", "-p", "-1").stdout.decode()
    assert "+new\n" in out
    assert not marker.exists()


def test_hostile_pager_never_runs(
    intended: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, marker = _marker_script(tmp_path, "pager")
    monkeypatch.setenv("GIT_PAGER", str(script))
    monkeypatch.setenv("PAGER", str(script))
    git(intended, "config", "core.pager", str(script))
    assert _plain_git(intended, "var", "GIT_PAGER").stdout.strip() == str(script)
    # The pager git would start, were its output a terminal.
    assert gitrun.run(intended, "var", "GIT_PAGER").stdout == b"cat\n"
    gitrun.run(intended, "log", "-p")
    assert not marker.exists()


def test_repository_fsmonitor_program_never_runs(intended: Path, tmp_path: Path) -> None:
    script, marker = _marker_script(tmp_path, "fsmonitor")
    git(intended, "config", "core.fsmonitor", str(script))
    _plain_git(intended, "ls-files")
    assert marker.exists()  # git runs it whenever it reads the index
    marker.unlink()
    gitrun.run(intended, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    gitrun.run(intended, "diff", "--cached", "--raw", "-z")
    gitrun.run(intended, "diff", "--name-only", "-z", "HEAD~1")
    gitrun.run(intended, "check-ignore", "-q", "a.txt", ok=(0, 1))
    assert not marker.exists()


def test_fixed_settings_and_what_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "1")
    monkeypatch.setenv("GIT_INDEX_FILE", "/somewhere/index.lock")  # git commit -a's hook
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'user.name'='a'")  # git -c ... commit
    monkeypatch.setenv("GIT_CONFIG", "/elsewhere/config")
    env = gitrun.environment()
    assert env["LC_ALL"] == "C"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_NO_LAZY_FETCH"] == "1"
    assert env["GIT_PAGER"] == "cat"
    assert env["GIT_INDEX_FILE"] == "/somewhere/index.lock"
    assert env["GIT_CONFIG_PARAMETERS"] == "'user.name'='a'"
    assert "GIT_CONFIG" not in env
    assert env["PATH"] == os.environ["PATH"]


def test_messages_are_english_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LANGUAGE", "de")  # git speaks German here when its catalog is installed
    plain = _plain_git(tmp_path, "rev-parse", "--show-toplevel")
    assert plain.returncode == 128
    with pytest.raises(GitError) as failed:
        gitrun.run(tmp_path, "rev-parse", "--show-toplevel")
    assert str(failed.value).startswith("git rev-parse failed: fatal: not a git repository")


# --- errors --------------------------------------------------------------------------------


def test_missing_git_binary_is_one_line(
    intended: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert gitrun.find_git() is None
    with pytest.raises(GitNotFound) as missing:
        gitrun.run(intended, "status")
    assert str(missing.value) == "git is not installed or not on PATH"
    assert isinstance(missing.value, GitError)
    with tempfile.TemporaryFile() as err, pytest.raises(GitNotFound):
        gitrun.start(intended, "cat-file", "--batch", stderr=err)
    monkeypatch.undo()
    assert gitrun.find_git() is not None


def test_failing_command_names_it_in_one_line(intended: Path) -> None:
    with pytest.raises(GitError) as failed:
        gitrun.run(intended, "rev-parse", "--verify", "no-such-branch")
    text = str(failed.value)
    assert text.startswith("git rev-parse failed: fatal:")
    assert "\n" not in text and "Traceback" not in text
    # Exit codes the caller expects are answers, not errors.
    assert gitrun.run(intended, "rev-parse", "--verify", "--quiet", "nope", ok=(0, 1)).returncode
    assert gitrun.run(intended, "rev-parse", "--verify", "nope", ok=None).returncode == 128


def test_timeout_is_one_line(intended: Path) -> None:
    git(intended, "config", "alias.nap", "!sleep 3")
    with pytest.raises(GitError) as slow:
        gitrun.run(intended, "nap", timeout=0.3)
    assert str(slow.value) == "git nap timed out after 0.3 s"


def test_failing_command_through_the_cli_is_one_line_without_traceback(
    intended: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(intended)
    (intended / ".git" / "index").write_bytes(b"not an index")
    code, out, err = cli_run("scan", "--staged")
    assert code == 2
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "git diff failed: fatal:" in lines[0]


# --- every caller goes through it ----------------------------------------------------------


@pytest.fixture
def hostile(intended: Path, other: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """In `intended` with a key staged in `staged.py`; GIT_DIR and GIT_WORK_TREE name `other`."""
    (intended / "staged.py").write_text(f'K = "{fake_key()}"\n')
    git(intended, "add", "staged.py")
    monkeypatch.chdir(intended)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    return intended


def test_git_scans_ignore_a_hostile_git_dir(hostile: Path) -> None:
    code, out, _ = cli_run("scan", "--staged")
    assert code == 1 and "staged.py" in out
    code, out, _ = cli_run("scan", "--history")
    assert code == 0, out


def test_the_walker_ignores_a_hostile_git_dir(hostile: Path) -> None:
    from autype_guard.sources.walk import _git_visible_files

    (hostile / "ignored.log").write_text("x\n")
    (hostile / ".gitignore").write_text("*.log\n")
    visible = _git_visible_files(str(hostile))
    assert visible == {".gitignore", "a.txt", "staged.py"}


def test_report_locations_ignore_a_hostile_git_dir(hostile: Path) -> None:
    from autype_guard.cli import _git_output

    # SARIF, GitHub and GitLab locations are relative to this; GitLab also names the commit.
    assert _git_output("rev-parse", "--show-toplevel") == str(hostile.resolve())
    head = git(hostile, "--git-dir", str(hostile / ".git"), "rev-parse", "HEAD").strip()
    assert _git_output("rev-parse", "--verify", "HEAD") == head


def test_fix_git_checks_ignore_a_hostile_git_dir(hostile: Path) -> None:
    from autype_guard.fixes import envfile

    (hostile / ".gitignore").write_text(".env\n")
    assert envfile.git_toplevel(hostile / "a.txt") == hostile.resolve()
    assert envfile.is_tracked(hostile, hostile / "staged.py")
    (hostile / "b.txt").write_text("not tracked here, only in the other repository\n")
    assert not envfile.is_tracked(hostile, hostile / "b.txt")
    assert envfile.is_ignored(hostile, hostile / ".env")
    assert not envfile.is_ignored(hostile, hostile / "a.txt")


def test_no_other_module_starts_processes() -> None:
    package = Path(gitrun.__file__).parent
    users = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "subprocess" in p.read_text(encoding="utf-8")
    )
    # git runs only through gitrun; `scan --image docker://NAME` runs `docker save` (or
    # podman's) in sources/image.py, with an argument list and no shell.
    assert users == ["gitrun.py", "sources/image.py"]
