"""The progress bar: rendering, throttling, and when it is drawn (only on a terminal)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard.progress import ProgressBar, render_progress, wants_progress

from .conftest import fake_key, git
from .test_cli import run


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_render_with_known_totals_shows_bar_counts_rate_and_eta() -> None:
    line = render_progress(50, 5_000_000, 100, 10_000_000, elapsed=2.0, width=120)
    assert line.startswith(" 50% [")
    assert "50/100 files" in line
    assert "5.0 MB/10.0 MB" in line
    assert "2.5 MB/s" in line
    assert "ETA 0:02" in line


def test_render_without_totals_has_no_percentage_or_eta() -> None:
    line = render_progress(1234, 2_500, None, None, elapsed=1.0, width=120, unit="blobs")
    assert line.split() == ["1,234", "blobs", "2.5", "KB", "2.5", "KB/s"]


def test_render_keeps_a_steady_width_and_no_eta_at_first() -> None:
    early = render_progress(3, 9_000, 25_000, 900_000_000, elapsed=0.2, width=120)
    assert "ETA" not in early
    later = [
        render_progress(n, n * 36_000, 25_000, 900_000_000, elapsed=1 + n / 1000, width=120)
        for n in (10, 999, 12_345, 25_000)
    ]
    assert all("ETA" in line for line in later)
    assert len({len(line) for line in [early, *later]}) == 1


def test_render_eta_from_file_counts_when_bytes_are_unknown() -> None:
    line = render_progress(25, 1000, 100, None, elapsed=10.0, width=120, unit="blobs")
    assert "25/100 blobs" in line and "ETA 0:30" in line and "25%" in line


@pytest.mark.parametrize("width", [20, 40, 60, 200])
def test_render_fits_the_terminal(width: int) -> None:
    line = render_progress(10**6, 10**10, 2 * 10**6, 2 * 10**10, elapsed=3600.0, width=width)
    assert len(line) < width


def test_bar_draws_at_most_once_per_interval_and_clears_on_close() -> None:
    now = [0.0]
    written: list[str] = []
    bar = ProgressBar(
        written.append, interval=0.1, delay=0.0, width=lambda: 80, clock=lambda: now[0]
    )
    bar(1, 10, 3, 30)
    bar(2, 20, 3, 30)  # same instant: throttled
    now[0] = 0.05
    bar(2, 20, 3, 30)  # still within the interval
    now[0] = 0.2
    bar(3, 30, 3, 30)
    assert len(written) == 2
    assert written[0].startswith("\r\x1b[K") and "1/3 files" in written[0]
    assert "3/3 files" in written[1]
    bar.close()
    assert written[-1] == "\r\x1b[K"
    bar.close()
    assert len(written) == 3  # nothing more to erase


def test_bar_waits_before_drawing_so_short_scans_show_none() -> None:
    now = [0.0]
    written: list[str] = []
    bar = ProgressBar(written.append, delay=0.5, width=lambda: 80, clock=lambda: now[0])
    now[0] = 0.3
    bar(1, 10, 1, 10)
    bar.close()
    assert written == []
    now[0] = 0.6
    bar(1, 10, 2, 20)
    assert len(written) == 1


def test_bar_that_never_drew_writes_nothing_on_close() -> None:
    written: list[str] = []
    ProgressBar(written.append).close()
    assert written == []


def test_wants_progress_only_on_an_interactive_terminal() -> None:
    assert wants_progress(_Stream(True), environ={})
    assert not wants_progress(_Stream(False), environ={})
    assert not wants_progress(_Stream(True), environ={"CI": "true"})
    assert not wants_progress(_Stream(True), environ={"PRE_COMMIT": "1"})
    assert not wants_progress(_Stream(True), environ={"TERM": "dumb"})
    assert not wants_progress(_Stream(True), disabled=True, environ={})


def test_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    for args in (["scan", "."], ["scan", "--no-progress", "."]):
        code, _, err = run(*args)
        assert code == 0
        assert "\x1b[K" not in err and "files" not in err


def _on_pty(args: list[str], cwd: Path, **env: str) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal, as a person at a terminal would; return the
    exit code and everything written to the terminal."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "autype_guard", *args],
        cwd=cwd,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal_and_its_off_switches(repo: Path) -> None:
    for i in range(3):
        (repo / f"m{i}.py").write_text(f"x = {i}\n")
    (repo / "leak.py").write_text(f'K = "{fake_key()}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "files")
    code, screen = _on_pty(["scan", "."], repo, AUTYPE_GUARD_PROGRESS_DELAY="0")
    assert code == 1
    assert "/4 files" in screen and "\x1b[K" in screen
    code, screen = _on_pty(["scan", "--history"], repo, AUTYPE_GUARD_PROGRESS_DELAY="0")
    assert code == 1
    assert "blobs" in screen and "\x1b[K" in screen
    code, screen = _on_pty(["scan", "leak.py"], repo)  # default delay: a small scan, no bar
    assert code == 1 and "\x1b[K" not in screen
    for args, env in ((["scan", "--no-progress", "."], {}), (["scan", "."], {"CI": "true"})):
        code, screen = _on_pty(args, repo, **env)
        assert code == 1
        assert "\x1b[K" not in screen
