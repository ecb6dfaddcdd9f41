"""`autype-guard pre-receive` as a server runs it: a bare repository with the hook installed,
pushes from a clone over git's local transport (so the hook runs under git's quarantine)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import fake_key, git

ZERO = "0" * 40


@pytest.fixture
def server(tmp_path: Path) -> Path:
    """A bare repository; the hook is installed once the clone's first push is in."""
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(bare, "config", "receive.advertisePushOptions", "true")
    git(bare, "config", "autype-guard.logFile", str(tmp_path / "guard.log"))
    return bare


@pytest.fixture
def clone(server: Path, tmp_path: Path) -> Path:
    """A clone whose main (one clean commit) is already on the server."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(server), str(work))
    git(work, "config", "commit.gpgsign", "false")
    git(work, "checkout", "-q", "-b", "main")
    commit(work, {"README.md": "# project\n"}, "start")
    assert push(work, "origin", "main").returncode == 0
    hook = server / "hooks" / "pre-receive"
    hook.write_text(
        f"#!/bin/sh\nexec {sys.executable} -m autype_guard pre-receive\n", encoding="utf-8"
    )
    hook.chmod(0o755)
    return work


def commit(work: Path, files: dict[str, str | None], message: str) -> str:
    for name, text in files.items():
        path = work / name
        if text is None:
            git(work, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(work, "add", name)
    git(work, "commit", "-q", "-m", message)
    return git(work, "rev-parse", "HEAD").strip()


def push(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        ["git", "-C", str(work), "push", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def snapshot(bare: Path) -> dict[str, str]:
    """Every file of the repository with a hash of its content."""
    files = {}
    for path in sorted(bare.rglob("*")):
        if path.is_file():
            files[path.relative_to(bare).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def pushed_only(names: set[str]) -> bool:
    """Only what a push itself writes: objects and refs."""
    return all(n.startswith(("objects/", "refs/")) or n == "packed-refs" for n in names)


def log_lines(server: Path) -> list[str]:
    log = server.parent / "guard.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_a_key_in_a_new_branch_is_rejected_with_a_redacted_message(
    server: Path, clone: Path
) -> None:
    key = fake_key()
    git(clone, "checkout", "-q", "-b", "feature")
    sha = commit(clone, {"app/settings.py": f'API_KEY = "{key}"\n'}, "add settings")
    before = snapshot(server)
    result = push(clone, "origin", "feature")
    assert result.returncode != 0
    assert "pre-receive hook declined" in result.stderr
    assert f"app/settings.py:1: AG101 hardcoded-key in commit {sha[:12]}" in result.stderr
    assert "push rejected: 1 Autype API key" in result.stderr
    assert key not in result.stdout + result.stderr
    assert key[:20] not in result.stderr
    assert snapshot(server) == before  # nothing written: not even the refused objects
    assert "refs/heads/feature" not in git(server, "for-each-ref")
    assert log_lines(server)[-1].endswith("refs=refs/heads/feature rejected findings=1 blobs=1")
    assert key not in (server.parent / "guard.log").read_text()


def test_a_key_added_and_removed_in_the_same_push_is_rejected(server: Path, clone: Path) -> None:
    key = fake_key()
    added = commit(clone, {"config.js": f'const key = "{key}";\n'}, "add")
    commit(clone, {"config.js": "const key = process.env.AUTYPE_API_KEY;\n"}, "remove")
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert f"config.js:1: AG102 key-in-browser-code in commit {added[:12]}" in result.stderr
    assert key not in result.stderr


def test_clean_pushes_pass_and_only_objects_and_refs_change(server: Path, clone: Path) -> None:
    # The new commit is only in git's quarantine while the hook runs: it passes only if
    # the hook's git children can read it there.
    before = snapshot(server)
    commit(clone, {"src/app.py": "import os\nKEY = os.environ['AUTYPE_API_KEY']\n"}, "clean")
    result = push(clone, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert "autype-guard" not in result.stderr  # a clean push is silent
    assert pushed_only(changed(before, snapshot(server)))
    assert log_lines(server)[-1].endswith("refs=refs/heads/main accepted blobs=1")


def test_force_push(server: Path, clone: Path) -> None:
    key = fake_key()
    commit(clone, {"a.py": "x = 1\n"}, "one")
    assert push(clone, "origin", "main").returncode == 0
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    commit(clone, {"a.py": f"x = '{key}'\n"}, "rewritten with a key")
    rejected = push(clone, "--force", "origin", "main")
    assert rejected.returncode != 0
    assert "a.py:1: AG101" in rejected.stderr
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    commit(clone, {"a.py": "x = 2\n"}, "rewritten clean")
    assert push(clone, "--force", "origin", "main").returncode == 0


def test_tag_pushes(server: Path, clone: Path) -> None:
    key = fake_key()
    git(clone, "tag", "-a", "-m", "release", "v1")  # on a commit the server has
    assert push(clone, "origin", "v1").returncode == 0
    assert log_lines(server)[-1].endswith("refs=refs/tags/v1 accepted blobs=0")
    git(clone, "checkout", "-q", "--detach")
    commit(clone, {"release.env": f"AUTYPE_API_KEY={key}\n"}, "release build")
    git(clone, "tag", "-a", "-m", "release", "v2")
    result = push(clone, "origin", "v2")
    assert result.returncode != 0
    assert "release.env:1: AG1" in result.stderr
    assert "(refs/tags/v2)" in result.stderr
    assert key not in result.stderr


def test_deleting_a_branch_and_moving_a_ref_to_existing_commits_pass(
    server: Path, clone: Path
) -> None:
    first = git(clone, "rev-parse", "HEAD").strip()
    commit(clone, {"b.py": "y = 1\n"}, "two")
    assert push(clone, "origin", "main", "main:refs/heads/other").returncode == 0
    before = snapshot(server)
    # Move `other` back to a commit the server has: nothing new, nothing scanned.
    moved = push(clone, "--force", "origin", f"{first}:refs/heads/other")
    assert moved.returncode == 0, moved.stderr
    assert log_lines(server)[-1].endswith("refs=refs/heads/other accepted blobs=0")
    deleted = push(clone, "origin", "--delete", "other")
    assert deleted.returncode == 0, deleted.stderr
    assert log_lines(server)[-1].endswith("refs=refs/heads/other accepted blobs=0")
    assert pushed_only(changed(before, snapshot(server)))


def test_the_skip_option_is_refused_unless_allowed_and_always_logged(
    server: Path, clone: Path
) -> None:
    key = fake_key()
    commit(clone, {"k.py": f"K = '{key}'\n"}, "key")
    refused = push(clone, "-o", "autype-guard.skip", "origin", "main")
    assert refused.returncode != 0
    assert "autype-guard.skip is not allowed on this server (logged)" in refused.stderr
    assert "k.py:1: AG101" in refused.stderr
    assert "skip-refused" in log_lines(server)[-2]
    assert log_lines(server)[-1].endswith("rejected findings=1 blobs=1")
    git(server, "config", "autype-guard.allowSkip", "true")
    honoured = push(clone, "-o", "autype-guard.skip", "origin", "main")
    assert honoured.returncode == 0, honoured.stderr
    assert "scan skipped (logged)" in honoured.stderr
    assert log_lines(server)[-1].endswith("refs=refs/heads/main skip-honoured")
    assert "pusher=" in log_lines(server)[-1]


def test_config_comes_from_the_old_revision_not_the_pushed_commits(
    server: Path, clone: Path
) -> None:
    key = fake_key()
    toml = 'extend-exclude = ["vendor/**"]\n'
    commit(clone, {".autype-guard.toml": toml, "vendor/lib.js": f"k='{key}'\n"}, "sneaky")
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert "vendor/lib.js:1: AG1" in result.stderr
    # Once the exclude is on the server, it applies to later pushes, and to new branches
    # (which take the default branch's config).
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    commit(clone, {".autype-guard.toml": toml}, "exclude vendor")
    assert push(clone, "origin", "main").returncode == 0
    commit(clone, {"vendor/lib.js": f"k='{key}'\n"}, "vendored")
    assert push(clone, "origin", "main").returncode == 0
    git(clone, "checkout", "-q", "-b", "topic")
    commit(clone, {"vendor/other.js": f"k='{key}'\n", "src.js": f"k='{key}'\n"}, "topic")
    result = push(clone, "origin", "topic")
    assert result.returncode != 0
    assert "src.js:1: AG1" in result.stderr
    assert "vendor/other.js" not in result.stderr


def test_a_broken_config_on_the_server_falls_back_to_the_defaults(
    server: Path, clone: Path
) -> None:
    commit(clone, {".autype-guard.toml": "exclude = [\n"}, "broken config")
    assert push(clone, "origin", "main").returncode == 0
    key = fake_key()
    commit(clone, {"a.py": f"K = '{key}'\n"}, "key")
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert "invalid TOML" in result.stderr
    assert "scanning with the default config" in result.stderr
    assert "a.py:1: AG101" in result.stderr


def test_timeout_fails_closed_unless_fail_open(server: Path, clone: Path) -> None:
    git(server, "config", "autype-guard.timeout", "0.000001")
    commit(clone, {"a.py": "x = 1\n"}, "clean")
    closed = push(clone, "origin", "main")
    assert closed.returncode != 0
    assert "scan did not finish within 1e-06 s; push rejected" in closed.stderr
    assert "timeout-rejected" in log_lines(server)[-1]
    git(server, "config", "autype-guard.failOpen", "true")
    opened = push(clone, "origin", "main")
    assert opened.returncode == 0, opened.stderr
    assert "push allowed (autype-guard.failOpen)" in opened.stderr
    git(server, "config", "autype-guard.timeout", "soon")
    bad = push(clone, "origin", "HEAD:refs/heads/again")
    assert bad.returncode != 0
    assert "autype-guard.timeout must be a number of seconds" in bad.stderr


def _hook(server: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    """The command alone, as a hook runs it from the repository (no quarantine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        [sys.executable, "-m", "autype_guard", "pre-receive"],
        cwd=server,
        input=stdin,
        capture_output=True,
        text=True,
        env={**env, "GIT_DIR": "."},
        check=False,
        timeout=60,
    )


def test_exit_codes_and_the_baseline_of_the_old_revision(server: Path, clone: Path) -> None:
    key = fake_key()
    old = git(clone, "rev-parse", "HEAD").strip()
    sha = commit(clone, {"a.py": f"K = '{key}'\n"}, "key")
    # The objects reach the server without a ref (no hook): unreachable, as in quarantine.
    (server / "hooks" / "pre-receive").rename(server / "hooks" / "off")
    assert push(clone, "origin", "main:refs/heads/tmp").returncode == 0
    git(server, "update-ref", "-d", "refs/heads/tmp")
    (server / "hooks" / "off").rename(server / "hooks" / "pre-receive")
    found = _hook(server, f"{old} {sha} refs/heads/main\n")
    assert found.returncode == 1, found.stderr
    assert f"a.py:1: AG101 hardcoded-key in commit {sha[:12]}" in found.stderr
    assert _hook(server, f"{old} {old} refs/heads/main\n").returncode == 0
    assert _hook(server, f"{old} {ZERO} refs/heads/main\n").returncode == 0
    bad = _hook(server, "not a ref update\n")
    assert bad.returncode == 2
    assert "expected 3 fields" in bad.stderr
    # A baseline on the server accepts the key at that path.
    from autype_guard.keys import fingerprint

    entry = f'{{"rule": "AG101", "path": "a.py", "fingerprint": "{fingerprint(key)}"}}'
    baseline = f'{{"version": 1, "findings": [{entry}]}}\n'
    git(clone, "reset", "-q", "--hard", old)
    base = commit(clone, {".autype-guard-baseline.json": baseline}, "baseline")
    assert push(clone, "--force", "origin", "main").returncode == 0
    git(clone, "cherry-pick", sha)
    assert push(clone, "origin", "main").returncode == 0
    assert base in git(clone, "log", "--format=%H")


def test_only_pre_receive_keeps_the_quarantine_object_directories(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from autype_guard import gitrun

    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(tmp_path / "incoming"))
    monkeypatch.setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", str(tmp_path / "objects"))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    assert "GIT_OBJECT_DIRECTORY" not in gitrun.environment()
    try:
        gitrun.keep_object_directories()
        env = gitrun.environment()
        assert env["GIT_OBJECT_DIRECTORY"] == str(tmp_path / "incoming")
        assert env["GIT_ALTERNATE_OBJECT_DIRECTORIES"] == str(tmp_path / "objects")
        assert "GIT_DIR" not in env  # still dropped: the repository is the one named
    finally:
        gitrun.keep_object_directories(False)
    assert "GIT_ALTERNATE_OBJECT_DIRECTORIES" not in gitrun.environment()


def test_a_server_repository_with_a_work_tree(tmp_path: Path) -> None:
    # git runs the hook in the .git directory: the push is read from it as from a bare one.
    served = tmp_path / "served"
    served.mkdir()
    git(served, "init", "-q", "-b", "main")
    git(served, "config", "receive.denyCurrentBranch", "ignore")
    git(served, "commit", "-q", "--allow-empty", "-m", "start")
    hook = served / ".git" / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m autype_guard pre-receive\n")
    hook.chmod(0o755)
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(served), str(work))
    key = fake_key()
    commit(work, {"k.py": f"K = '{key}'\n"}, "key")
    result = push(work, "origin", "HEAD:refs/heads/topic")
    assert result.returncode != 0
    assert "k.py:1: AG101" in result.stderr
    assert key not in result.stderr


def test_a_tag_on_a_blob_or_a_tree_is_scanned_too(server: Path, clone: Path) -> None:
    key = fake_key()
    (clone / "loose.py").write_text(f"K = '{key}'\n")
    blob = git(clone, "hash-object", "-w", "loose.py").strip()
    git(clone, "tag", "-a", "-m", "a blob", "blob-tag", blob)
    result = push(clone, "origin", "blob-tag")
    assert result.returncode != 0
    assert "refs/tags/blob-tag:1: AG1" in result.stderr
    git(clone, "add", "loose.py")
    tree = git(clone, "write-tree").strip()
    git(clone, "tag", "tree-tag", tree)
    result = push(clone, "origin", "tree-tag")
    assert result.returncode != 0
    assert "refs/tags/tree-tag:loose.py:1: AG101" in result.stderr
    assert key not in result.stderr


def test_inline_ignores_count_unless_the_server_says_otherwise(server: Path, clone: Path) -> None:
    key = fake_key()
    commit(clone, {"t.py": f"K = '{key}'  # autype-guard: ignore[AG101]\n"}, "fixture")
    git(server, "config", "autype-guard.inlineIgnore", "false")
    refused = push(clone, "origin", "main")
    assert refused.returncode != 0
    assert "t.py:1: AG101" in refused.stderr
    git(server, "config", "autype-guard.inlineIgnore", "true")
    assert push(clone, "origin", "main").returncode == 0


def test_many_refs_in_one_push_are_scanned_together(server: Path, clone: Path) -> None:
    git(clone, "branch", "b1")
    git(clone, "branch", "b2")
    assert push(clone, "origin", "b1", "b2").returncode == 0
    commit(clone, {"shared.py": "x = 1\n"}, "shared")
    for branch in ("b1", "b2"):
        git(clone, "branch", "-f", branch, "main")
    git(clone, "branch", "b3")
    clean = push(clone, "origin", "b1", "b2", "b3")
    assert clean.returncode == 0, clean.stderr
    # One config at the old revisions (and the default branch's for b3): one scan, one blob.
    assert log_lines(server)[-1].endswith(
        "refs=refs/heads/b1,refs/heads/b2,refs/heads/b3 accepted blobs=1"
    )
    key = fake_key()
    git(clone, "checkout", "-q", "b2")
    commit(clone, {"k.py": f"K = '{key}'\n"}, "key on b2")
    git(clone, "checkout", "-q", "b1")
    commit(clone, {"ok.py": "y = 2\n"}, "clean on b1")
    result = push(clone, "origin", "b1", "b2")
    assert result.returncode != 0
    assert "k.py:1: AG101 hardcoded-key in commit" in result.stderr
    assert result.stderr.count("(refs/heads/b2)") == 1
    assert "refs/heads/b1" not in result.stderr.split("push rejected")[0]
