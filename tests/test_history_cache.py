"""Incremental history audits (`scan --history --cache FILE`) on real repositories built in
the test: what a second run scans, what it still reports, and a cache it must not trust."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autype_guard.sources import history_cache

from .conftest import fake_key, git
from .test_cli import run
from .test_gitscan import commit


@pytest.fixture
def in_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "history.sqlite"  # its directory is made by the first run


def audit(cache: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """One cached history run: exit code, its JSON report without timings, stderr."""
    code, out, err = run("scan", "--history", "--format", "json", "--cache", str(cache), *args)
    doc = json.loads(out)
    doc["summary"].pop("elapsed_seconds")
    return code, doc, err


def scanned(err: str) -> tuple[int, int]:
    """(blobs scanned, blobs from the cache) as the run told on stderr."""
    match = re.search(r"history cache: (\d+) blobs? scanned, (\d+) from the cache", err)
    assert match, err
    return int(match.group(1)), int(match.group(2))


def history(repo: Path) -> dict[str, str]:
    """A small history: a key added and removed, a key in docs, a few clean files."""
    keys = {"app": fake_key(), "docs": fake_key()}
    first = commit(repo, {"app.py": f'KEY = "{keys["app"]}"\n', "lib.py": "x = 1\n"}, "add")
    commit(repo, {"README.md": f"Use `{keys['docs']}` here\n", "lib.py": "x = 2\n"}, "docs")
    commit(repo, {"app.py": 'KEY = os.environ["AUTYPE_API_KEY"]\n'}, "fix")
    return {**keys, "first": first}


def test_a_second_run_on_an_unchanged_repository_scans_nothing_and_reports_the_same(
    in_repo: Path, cache: Path
) -> None:
    history(in_repo)
    code1, doc1, err1 = audit(cache)
    assert code1 == 1 and len(doc1["findings"]) == 2
    assert scanned(err1) == (5, 0)
    assert "2 new commits" not in err1 and "3 new commits" in err1
    code2, doc2, err2 = audit(cache)
    assert scanned(err2) == (0, 5)
    assert "0 new commits" in err2
    assert (code2, doc2) == (code1, doc1)


def test_after_one_commit_only_its_new_blobs_are_scanned_and_attribution_stays_earliest(
    in_repo: Path, cache: Path
) -> None:
    made = history(in_repo)
    _, before, _ = audit(cache)
    new_key = fake_key()
    # The old key comes back at its old path (a new blob: it must still be attributed to the
    # first commit) and a new key arrives in a new file.
    commit(
        in_repo,
        {"app.py": f'KEY = "{made["app"]}"  # again\n', "new.py": f'K = "{new_key}"\n'},
        "later",
    )
    _, after, err = audit(cache)
    assert scanned(err) == (2, 5)
    assert "1 new commit" in err
    by_path = {f["path"]: f for f in after["findings"]}
    assert by_path["app.py"]["properties"]["commit"] == made["first"]
    assert by_path["app.py"] == next(f for f in before["findings"] if f["path"] == "app.py")
    assert set(by_path) == {"app.py", "README.md", "new.py"}
    # The same report a run without a cache makes.
    _, fresh, _ = audit(cache.parent / "fresh.sqlite")
    assert after == fresh


def test_a_rewritten_history_is_walked_again(in_repo: Path, cache: Path) -> None:
    history(in_repo)
    leaked = fake_key()
    commit(in_repo, {"leak.py": f'K = "{leaked}"\n'}, "oops")
    _, doc, _ = audit(cache)
    assert "leak.py" in {f["path"] for f in doc["findings"]}
    git(in_repo, "reset", "-q", "--hard", "HEAD~1")
    commit(in_repo, {"other.py": "x = 3\n"}, "no leak")
    git(in_repo, "reflog", "expire", "--expire=now", "--all")
    git(in_repo, "gc", "-q", "--prune=now")
    _, doc, err = audit(cache)
    assert "leak.py" not in {f["path"] for f in doc["findings"]}
    assert doc["git"]["commits"] == 4
    assert "warning" not in err


def test_a_deleted_branch_is_no_longer_reported_although_the_cache_knows_its_blobs(
    in_repo: Path, cache: Path
) -> None:
    history(in_repo)
    git(in_repo, "checkout", "-q", "-b", "side")
    commit(in_repo, {"side.py": f'K = "{fake_key()}"\n'}, "side")
    git(in_repo, "checkout", "-q", "main")
    _, doc, _ = audit(cache)
    assert "side.py" in {f["path"] for f in doc["findings"]}
    git(in_repo, "branch", "-q", "-D", "side")
    _, doc, err = audit(cache)
    assert "side.py" not in {f["path"] for f in doc["findings"]}
    assert scanned(err)[0] == 0


def test_another_configuration_rescans_everything(in_repo: Path, cache: Path) -> None:
    history(in_repo)
    audit(cache)
    _, doc, err = audit(cache, "--ignore", "AG104")
    assert scanned(err) == (5, 0)
    assert "another configuration" in err
    assert {f["path"] for f in doc["findings"]} == {"app.py"}
    _, _, err = audit(cache, "--ignore", "AG104")
    assert scanned(err) == (0, 5)


def test_another_scanner_version_rescans_everything(
    in_repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(in_repo)
    _, before, _ = audit(cache)
    monkeypatch.setattr(history_cache, "__version__", "99.0.0")
    _, after, err = audit(cache)
    assert scanned(err) == (5, 0)
    assert "another scanner version" in err
    assert after["findings"] == before["findings"]


@pytest.mark.parametrize("kind", ["garbage", "foreign", "other-columns", "truncated"])
def test_a_corrupt_or_foreign_cache_is_rebuilt_with_a_warning(
    in_repo: Path, cache: Path, kind: str
) -> None:
    history(in_repo)
    _, expected, _ = audit(cache)
    if kind == "garbage":
        cache.write_bytes(b"not a database at all\n" * 100)
    elif kind == "foreign":
        cache.unlink()
        with sqlite3.connect(cache) as db:
            db.execute("CREATE TABLE users (name TEXT)")
        db.close()
    elif kind == "other-columns":
        cache.unlink()
        with sqlite3.connect(cache) as db:
            for table in ("meta", "blobs", "commits"):
                db.execute(f"CREATE TABLE {table} (x TEXT)")
        db.close()
    else:
        cache.write_bytes(cache.read_bytes()[:200])
    code, doc, err = audit(cache)
    assert code == 1
    assert "warning:" in err and "rebuilt" in err
    assert scanned(err) == (5, 0)
    assert doc == expected
    _, _, err = audit(cache)
    assert "warning" not in err and scanned(err) == (0, 5)


def test_a_bad_row_is_not_trusted_but_scanned_again(in_repo: Path, cache: Path) -> None:
    history(in_repo)
    _, expected, _ = audit(cache)
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE blobs SET result = '{\"path\": 1}' WHERE verdict = 'result'")
    db.close()
    _, doc, err = audit(cache)
    assert scanned(err)[0] > 0
    assert doc == expected


def test_the_cache_never_holds_a_key(in_repo: Path, cache: Path) -> None:
    made = history(in_repo)
    audit(cache)
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT result FROM blobs WHERE result IS NOT NULL").fetchall()
    db.close()
    text = "".join(r[0] for r in rows)
    assert "fingerprint" in text
    assert made["app"] not in text and made["docs"] not in text
    for suffix in ("", "-wal"):
        path = Path(str(cache) + suffix)
        if path.exists():
            assert made["app"][3:].encode() not in path.read_bytes()


def test_two_concurrent_runs_leave_a_sound_cache(in_repo: Path, cache: Path) -> None:
    history(in_repo)
    for i in range(6):
        commit(in_repo, {f"m{i}.js": f"const a{i} = {i};\n" * 50}, f"more {i}")
    cache.parent.mkdir()
    argv = [sys.executable, "-m", "autype_guard", "scan", "--history", "--format", "json"]
    argv += ["--cache", str(cache)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen(argv, cwd=in_repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [o[1] for o in outs]
    docs = [json.loads(o[0]) for o in outs]
    assert docs[0]["findings"] == docs[1]["findings"]
    with sqlite3.connect(cache) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    _, doc, err = audit(cache)
    assert "warning" not in err
    assert scanned(err) == (0, 11)
    assert doc["findings"] == docs[0]["findings"]


def test_a_busy_cache_is_an_error_and_is_left_alone(
    in_repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(in_repo)
    audit(cache)
    monkeypatch.setattr(history_cache, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(cache, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another run holds the write lock
    try:
        code, _, err = run("scan", "--history", "--cache", str(cache))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2 and "autype-guard: error: cannot use the history cache" in err
    _, _, err = audit(cache)
    assert "warning" not in err and scanned(err) == (0, 5)


def test_cache_needs_history_and_refuses_runs_that_need_keys(in_repo: Path, cache: Path) -> None:
    history(in_repo)
    for args in (
        ["--cache", str(cache)],
        ["--history", "--cache", str(cache), "--show-secrets"],
        ["--history", "--cache", str(cache), "--verify"],
    ):
        code, out, err = run("scan", *args)
        assert code == 2 and out == ""
        assert err.startswith("autype-guard: error: --cache")
    code, _, err = run("scan", "--history", "--cache", str(in_repo))
    assert code == 2 and "autype-guard: error:" in err and "Traceback" not in err
