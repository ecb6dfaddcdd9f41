"""`autype-guard fix` in unusual places, in real git repositories: a run killed halfway
leaves nothing git would commit, and an env file, `.gitignore` or source that is not what
it seems stops the run or keeps its key, with the reason."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard import gitrun
from autype_guard.fixes import apply

from .conftest import fake_key, git
from .test_cli import run
from .test_fix import places_holding


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)
    return repo


def git_ignores(repo: Path, name: str) -> bool:
    return gitrun.run(repo, "check-ignore", "-q", "--", name, ok=(0, 1)).returncode == 0


# --- a run killed halfway ----------------------------------------------------------------------

# `fix` in a child process that is killed (SIGKILL: no handler, no cleanup runs) the moment it
# renames the env file into place: every temporary file has been written by then.
KILLED_AT_ENV_RENAME = """
import os, signal, sys
rename = os.replace
def replace(src, dst, *args, **kwargs):
    if os.path.basename(os.fspath(dst)) == ".env":
        os.kill(os.getpid(), signal.SIGKILL)
    return rename(src, dst, *args, **kwargs)
os.replace = replace
from autype_guard.cli import main
sys.argv = ["autype-guard", "fix", "."]
main()
"""


def fix_killed_at_env_rename(cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.run(
        [sys.executable, "-B", "-c", KILLED_AT_ENV_RENAME],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr


def untracked(repo: Path) -> list[str]:
    out = git(repo, "status", "--porcelain", "--untracked-files=all")
    return [line[3:] for line in out.splitlines()]


def test_a_killed_run_leaves_temporary_files_git_never_sees(project: Path, key: str) -> None:
    other = fake_key()
    (project / "src").mkdir()
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "src" / "client.py").write_text(f'import os\nOTHER = "{other}"\n')
    fix_killed_at_env_rename(project)

    # The kill left the env file's temporary file (every moved key, mode 0600) and the
    # sources', next to their targets.
    leftovers = sorted(p for p in project.rglob(".autype-guard-*.tmp"))
    assert len(leftovers) == 3, leftovers
    env_temp = [
        p for p in leftovers if key.encode() in p.read_bytes() and other.encode() in p.read_bytes()
    ]
    assert len(env_temp) == 1
    assert stat.S_IMODE(env_temp[0].stat().st_mode) == 0o600
    # git sees none of them: not in `status`, not staged by `add -A`.
    assert untracked(project) == [".gitignore", "app.py", "src/client.py"]
    git(project, "add", "-A")
    staged = git(project, "diff", "--cached", "--name-only").split()
    assert staged == [".gitignore", "app.py", "src/client.py"]
    git(project, "reset", "-q")

    code, out, err = run("fix")
    assert code == 0, out + err
    assert "removed 3 temporary files left by an interrupted run" in out
    assert not list(project.rglob(".autype-guard-*.tmp"))
    assert places_holding(project, key) == [".env"]
    assert places_holding(project, other) == [".env"]


def test_a_killed_run_in_a_linked_worktree_is_excluded_too(
    tmp_path: Path, repo: Path, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "init")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    assert (linked / ".git").is_file()
    (linked / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    fix_killed_at_env_rename(linked)
    assert len(list(linked.glob(".autype-guard-*.tmp"))) == 2
    assert untracked(linked) == [".gitignore", "app.py"]
    # `info/exclude` is the main repository's: it covers every work tree.
    assert ".autype-guard-*.tmp" in (repo / ".git" / "info" / "exclude").read_text()

    monkeypatch.chdir(linked)
    monkeypatch.delenv("CI", raising=False)
    code, out, _ = run("fix")
    assert code == 0
    assert "removed 2 temporary files left by an interrupted run" in out
    assert not list(linked.glob(".autype-guard-*.tmp"))


def test_with_no_ignore_stale_temporary_files_are_removed_not_fixed(
    project: Path, key: str
) -> None:
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    fix_killed_at_env_rename(project)
    code, out, err = run("fix", "--no-ignore")
    assert code == 0, out + err
    assert "removed 2 temporary files left by an interrupted run" in out, out + err
    assert ".autype-guard-" not in out  # their keys were not reported as findings
    assert not list(project.glob(".autype-guard-*.tmp"))
    assert places_holding(project, key) == [".env"]


def test_diff_counts_stale_temporary_files_and_leaves_them(project: Path, key: str) -> None:
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    fix_killed_at_env_rename(project)
    code, out, _ = run("fix", "--diff")
    assert code == 1
    assert "would remove 2 temporary files left by an interrupted run" in out
    assert len(list(project.glob(".autype-guard-*.tmp"))) == 2


def test_only_our_own_older_regular_temporary_files_are_removed(project: Path, key: str) -> None:
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    stale = project / ".autype-guard-abcd1234.tmp"
    stale.write_text("stale\n")
    os.utime(stale, (1, 1))
    lookalike = project / ".autype-guard-notours.tmp"  # not a name fix makes
    lookalike.write_text("keep\n")
    os.utime(lookalike, (1, 1))
    target = project / "elsewhere.txt"
    target.write_text("keep\n")
    link = project / ".autype-guard-link0000.tmp"
    link.symlink_to(target)
    code, out, _ = run("fix")
    assert code == 0
    assert "removed 1 temporary file left by an interrupted run" in out
    assert not stale.exists()
    assert lookalike.exists() and link.is_symlink() and target.exists()


def test_a_gitignore_negating_the_temporary_files_stops_the_run(project: Path, key: str) -> None:
    (project / ".gitignore").write_text("/.env\n!*.tmp\n")
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2
    assert "git does not ignore the temporary file" in err and "nothing was written" in err
    assert places_holding(project, key) == ["app.py"]
    assert not list(project.glob(".autype-guard-*.tmp"))


# --- the env file is not a plain file ----------------------------------------------------------


def test_an_env_directory_is_refused_and_nothing_written(project: Path, key: str) -> None:
    (project / ".env").mkdir()
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2
    assert err.count("\n") == 1 and ".env is a directory" in err
    assert (project / "app.py").read_text() == source
    assert sorted(p.name for p in project.iterdir()) == [".env", ".git", "app.py"]
    assert not list((project / ".env").iterdir())


@pytest.mark.parametrize("inside", [False, True])
def test_a_symlinked_env_file_is_refused_wherever_it_points(
    project: Path, tmp_path: Path, key: str, inside: bool
) -> None:
    # Inside the repository too: the rename would replace the link, not its target, and git
    # ignoring the link says nothing about the target (it may be tracked).
    target = (project / "config.env") if inside else (tmp_path / "outside.env")
    target.write_text("DEBUG=1\n")
    (project / ".env").symlink_to(target)
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2
    assert err.count("\n") == 1 and ".env is a symlink" in err
    assert target.read_text() == "DEBUG=1\n"
    assert (project / ".env").is_symlink()
    assert (project / "app.py").read_text() == source
    assert not (project / ".gitignore").exists()


# --- a source that cannot or must not be written ----------------------------------------------


def test_a_read_only_source_keeps_its_key_and_the_others_are_fixed(project: Path, key: str) -> None:
    other = fake_key()
    locked = f'import os\nLOCKED = "{other}"\n'
    (project / "locked.py").write_text(locked)
    (project / "locked.py").chmod(0o444)
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    code, out, _ = run("fix")
    assert code == 1  # a finding without an automatic fix remains
    assert "locked.py" in out and "not fixed: the file is read-only" in out
    assert (project / "locked.py").read_text() == locked
    assert stat.S_IMODE((project / "locked.py").stat().st_mode) == 0o444
    assert places_holding(project, key) == [".env"]
    assert places_holding(project, other) == ["locked.py"]
    # Both must be rotated: both were exposed.
    assert f"ak_…{key[-4:]}" in out and f"ak_…{other[-4:]}" in out


def test_a_file_edited_between_scan_and_fix_keeps_its_key_through_the_cli(
    project: Path, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = fake_key()
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "edited.py").write_text(f'import os\nOTHER = "{other}"\n')
    edited = f'import os\n# edited\nOTHER = "{other}"\n'
    real_scan = apply.scan_paths

    def scan_then_edit(*args: object, **kwargs: object) -> apply.ScanReport:
        report = real_scan(*args, **kwargs)  # type: ignore[arg-type]
        (project / "edited.py").write_text(edited)  # someone saves the file meanwhile
        return report

    monkeypatch.setattr(apply, "scan_paths", scan_then_edit)
    code, out, _ = run("fix")
    assert code == 1
    assert f"not fixed: {apply.CHANGED_SINCE_SCAN}" in out
    assert (project / "edited.py").read_text() == edited
    assert places_holding(project, key) == [".env"]
    assert places_holding(project, other) == ["edited.py"]


# --- .gitignore as people write it -------------------------------------------------------------


@pytest.mark.parametrize(
    ("gitignore", "expected"),
    [
        (None, b"/.env\n"),
        (b"!.env\n", b"!.env\n/.env\n"),  # the later line wins
        (b".env/\n", b".env/\n/.env\n"),  # a directory pattern does not cover the file
        (b"*.env\n", b"*.env\n"),  # already ignored: left alone
        (b"/.env\n", b"/.env\n"),
        (b"build", b"build\n/.env\n"),  # no final newline
        (b"build\r\n!.env\r\n", b"build\r\n!.env\r\n/.env\r\n"),  # CRLF
        (b".env\r\n", b".env\r\n"),  # git drops the CR: already ignored
        (b"# .env\n\\!.env\n", b"# .env\n\\!.env\n/.env\n"),  # a comment, a literal "!.env"
    ],
)
def test_the_env_file_ends_up_ignored_whatever_gitignore_holds(
    project: Path, key: str, gitignore: bytes | None, expected: bytes
) -> None:
    if gitignore is not None:
        (project / ".gitignore").write_bytes(gitignore)
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    code, out, err = run("fix")
    assert code == 0, out + err
    assert (project / ".gitignore").read_bytes() == expected
    assert git_ignores(project, ".env")
    assert places_holding(project, key) == [".env"]


def test_a_gitignore_that_is_a_directory_is_refused(project: Path, key: str) -> None:
    (project / ".gitignore").mkdir()
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2
    assert err.count("\n") == 1 and "not a regular file" in err
    assert places_holding(project, key) == ["app.py"]
