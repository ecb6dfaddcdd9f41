"""Worker processes that walk subtrees themselves give the report one process gives: the
same findings, skips, counts and samples in the same order, with nested configs, git
ignores, excludes, shards, and however the work is split among the workers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from autype_guard import treepool
from autype_guard.api import ScanOptions, scan_paths
from autype_guard.config import Config

from .conftest import fake_key, git
from .test_cli import run

# An inline suppression comment, assembled so that this file's own scan sees none.
IGNORE = "autype-guard" + ": ignore"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _tree(root: Path, copies: int = 1) -> None:
    """A git work tree: nested configs (one broken twice over), .gitignore files at several
    levels, excluded, ignored, binary and symlinked files, keys at every depth, and enough
    directories that work can be split many ways."""
    root.mkdir(exist_ok=True)
    git(root, "init", "-q")
    _write(root / ".autype-guard.toml", 'extend-exclude = ["**/skip-me/**", "*.tmp"]\n')
    _write(root / ".gitignore", "build/\n*.log\n")
    for copy in range(copies):
        base = root / f"copy{copy}"
        _write(base / "README.md", f"key: {fake_key()}\n")
        _write(base / "apps" / "a" / ".autype-guard.toml", 'extend-exclude = ["gen/**"]\n')
        _write(base / "apps" / "b" / "pyproject.toml", '[tool.autype-guard]\ndisable = ["AG101"]\n')
        _write(base / "apps" / "c" / ".autype-guard.toml", "no-such-key = 1\n")  # broken
        _write(base / "apps" / "c" / "deep" / ".autype-guard.toml", "also-wrong = 2\n")
        _write(base / "apps" / "c" / "deep" / ".gitignore", "secret.txt\n")
        # A valid config below the broken one, reached late in the walk of apps/c.
        _write(base / "apps" / "c" / "zz" / ".autype-guard.toml", 'extend-exclude = ["*.md"]\n')
        _write(base / "apps" / "c" / "zz" / "notes.md", f"{fake_key()}\n")
        _write(base / "apps" / "c" / "zz" / "more" / "app.py", f'K = "{fake_key()}"\n')
        for app in "abcd":
            for d in range(6):
                for f in range(5):
                    sub = base / "apps" / app / f"pkg{d}" / f"mod{f}"
                    _write(sub / "clean.py", f"def f{f}(weak_ref):\n    return {d}\n")
                    if (d + f) % 3 == 0:
                        _write(sub / "settings.py", f'API_KEY = "{fake_key()}"\n')
                    if (d + f) % 4 == 1:
                        _write(sub / "ok.py", f'K = "{fake_key()}"  # {IGNORE}\n')
            _write(base / "apps" / app / "gen" / "out.js", f'var k="{fake_key()}";\n')
            _write(base / "apps" / app / "build" / "bundle.js", f'var k="{fake_key()}";\n')
            _write(base / "apps" / app / "run.log", f"{fake_key()}\n")
            _write(base / "apps" / app / "skip-me" / "x.py", f'K = "{fake_key()}"\n')
            (base / "apps" / app / "blob.bin").write_bytes(b"\0\1\2" * 50)
            _write(base / "apps" / app / "scratch.tmp", f"{fake_key()}\n")
        _write(base / "apps" / "c" / "deep" / "secret.txt", f"{fake_key()}\n")
        _write(base / "apps" / "c" / "deep" / "kept.txt", f"{fake_key()}\n")
        many = base / "flat"
        for i in range(300):  # one directory of many files: split by files
            _write(many / f"f{i:03d}.txt", f"{fake_key()}\n" if i % 50 == 7 else "text\n")
        os.symlink("README.md", base / "link.md")


def _report(*args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = run("scan", "--format", "json", *args)
    report = json.loads(out)
    report["summary"].pop("elapsed_seconds", None)
    return code, report, err


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _always_hungry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers give work away at every chance (forked workers inherit the patch)."""
    monkeypatch.setattr(treepool._Shared, "hungry", lambda self: True)


@pytest.mark.parametrize("split", ["when-idle", "always"])
def test_one_and_two_jobs_give_the_same_json(
    tree: Path, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    if split == "always":
        _always_hungry(monkeypatch)
    code, one, _ = _report("-j", "1", ".")
    assert code == 2  # the broken configs
    errors = json.dumps(one["errors"])
    assert "no-such-key" in errors and "also-wrong" in errors
    assert one["summary"]["git_ignored"] > 0 and one["summary"]["excluded"] > 0  # type: ignore[index]
    assert len(one["findings"]) > 40  # type: ignore[arg-type]
    for jobs in ("2", "3"):
        assert _report("-j", jobs, ".") == (code, one, _report("-j", "1", ".")[2])


def test_named_paths_shards_and_verbose_lists_are_the_same(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _always_hungry(monkeypatch)
    paths = ["copy0/apps", "copy0/README.md", "copy0/link.md", "missing", "copy0/flat"]
    assert _report("-j", "2", *paths) == _report("-j", "1", *paths)
    for shard in ("1/3", "2/3", "3/3"):
        assert _report("-j", "2", "--shard", shard, ".") == _report(
            "-j", "1", "--shard", shard, "."
        )
    one = run("scan", "--verbose", "-j", "1", ".")
    two = run("scan", "--verbose", "-j", "2", ".")
    assert one[0] == two[0] == 2
    strip = lambda text: [line for line in text.splitlines() if " in " not in line]  # noqa: E731
    assert strip(one[2]) == strip(two[2]) and strip(one[1]) == strip(two[1])


@pytest.mark.parametrize("split", ["when-idle", "always"])
def test_the_workers_finish_the_run_without_the_fallback(
    tree: Path, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    """The parent scans a run again itself only when a worker died or failed: a tree with
    directories that hold only directories must not get there (its report would hide it)."""
    if split == "always":
        _always_hungry(monkeypatch)
    outcomes = []
    pool = treepool.scan_tree_in_pool

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcomes.append(pool(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(treepool, "scan_tree_in_pool", recorded)
    _report("-j", "2", ".")
    assert len(outcomes) == 1 and outcomes[0] is not None


def test_where_workers_cannot_be_forked_files_go_out_in_batches(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without fork (macOS, Windows, a parent running threads) the tree pool is not used:
    the tree is listed here and its files sent in batches; the report is the same."""
    from autype_guard import run as run_module

    expected = _report("-j", "1", ".")
    monkeypatch.setattr(run_module, "can_fork", lambda: False)
    monkeypatch.setattr(treepool, "scan_tree_in_pool", None)  # would fail if called
    assert _report("-j", "2", ".") == expected


def test_a_worker_that_dies_loses_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _report("-j", "1", ".")
    scan_unit = treepool._scan_unit

    def dies_on_flat(walker, setup, key, unit, *rest):  # type: ignore[no-untyped-def]
        if isinstance(unit, tuple) and any(task.below.endswith("flat/") for task in unit):
            os._exit(3)
        return scan_unit(walker, setup, key, unit, *rest)

    monkeypatch.setattr(treepool, "_scan_unit", dies_on_flat)
    assert _report("-j", "2", ".") == expected


def test_work_grows_with_the_tree_not_faster(tmp_path: Path) -> None:
    """Eight times the files take about eight times the work, not more (no step that grows
    with the square of the files or of the units); generous bounds, no absolute times."""
    small, large = tmp_path / "small", tmp_path / "large"
    _tree(small, copies=1)
    _tree(large, copies=8)

    def seconds(root: Path) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            report = scan_paths([root], Config(root=root), ScanOptions(jobs=2))
            best = min(best, time.perf_counter() - started)
        assert report.scanned > 0
        return best

    assert seconds(large) < 8 * 3 * seconds(small)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_stops_the_workers_and_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: the workers ignore it, the parent stops them,
    says it was interrupted and exits 130; no worker is left behind."""
    import signal
    import subprocess
    import sys

    for d in range(400):  # slow enough with the pure-Python prefilter to be caught mid-run
        sub = tmp_path / f"d{d:03d}"
        sub.mkdir()
        for f in range(10):
            (sub / f"f{f}.js").write_text("var a = 1;\n" * 2000)
    env = {**os.environ, "AUTYPE_GUARD_PREFILTER": "python"}
    scan = subprocess.Popen(
        [sys.executable, "-m", "autype_guard", "scan", "-j", "2", "--no-ignore", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        # A job started in the background (`cmd &`, as CI scripts do) inherits SIGINT
        # ignored, and Python keeps it so: give the scan the terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while len(_children(scan.pid)) < 2 and scan.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    workers = _children(scan.pid)
    assert len(workers) >= 2, "the scan ended before its workers could be seen"
    os.killpg(scan.pid, signal.SIGINT)
    _, err = scan.communicate(timeout=30)
    assert scan.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
