#!/usr/bin/env python3
"""Time `autype-guard scan --history` against streaming every reachable blob through
`git cat-file --batch` to /dev/null (the issue 7 target: at most 1.5x).

Build a synthetic history repository from real files (one git fast-import, seconds):

    python bench/history_bench.py build /tmp/hist-repo --source /path/to/python/stdlib \\
        --commits 3000

Time it (medians over --runs; each run's peak RSS):

    python bench/history_bench.py time /tmp/hist-repo --runs 5

The history: one commit adding the source files, then one commit per step editing a few
files (insert, delete or duplicate a line), a side branch every 400 commits that is merged
back, and a fake key planted every 500 commits and removed 200 commits later.
Timings on a shared machine are rough: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

_ALNUM = string.ascii_letters + string.digits


def _fake_key(rng: random.Random) -> str:
    return "ak_" + "".join(rng.choice(_ALNUM) for _ in range(32))


def _data(blob: bytes) -> bytes:
    return b"data %d\n" % len(blob) + blob + b"\n"


def build(target: Path, source: Path, commits: int, max_files: int, seed: int) -> None:
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for path in sorted(source.rglob("*.py")):
        if len(files) >= max_files:
            break
        if path.is_file() and not path.is_symlink() and "site-packages" not in path.parts:
            data = path.read_bytes()
            if 0 < len(data) < 400_000:
                files[path.relative_to(source).as_posix()] = data
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    names = sorted(files)
    stream = tempfile.TemporaryFile()  # noqa: SIM115 - closed after fast-import below
    when = 1_600_000_000
    mark = 0
    planted: dict[int, tuple[str, bytes]] = {}  # removal step -> (path, content before)
    branch_tip = 0

    def commit(ref: str, message: str, changes: dict[str, bytes], parents: list[int]) -> int:
        nonlocal mark, when
        mark += 1
        when += rng.randint(60, 7200)
        stream.write(f"commit {ref}\nmark :{mark}\n".encode())
        for role in ("author", "committer"):
            stream.write(f"{role} Dev <dev@example.com> {when} +0000\n".encode())
        stream.write(_data(message.encode()))
        if parents:
            stream.write(f"from :{parents[0]}\n".encode())
        for parent in parents[1:]:
            stream.write(f"merge :{parent}\n".encode())
        for name, content in changes.items():
            stream.write(f"M 100644 inline {name}\n".encode() + _data(content))
        stream.write(b"\n")
        return mark

    head = commit("refs/heads/main", "import sources", dict(files), [])
    for step in range(1, commits):
        changes: dict[str, bytes] = {}
        for name in rng.sample(names, 3):
            lines = files[name].split(b"\n")
            at = rng.randrange(len(lines))
            kind = rng.random()
            if kind < 0.5:
                lines.insert(at, b"# edited in step %d" % step)
            elif kind < 0.8 and len(lines) > 5:
                del lines[at]
            else:
                lines.insert(at, lines[at])
            files[name] = changes[name] = b"\n".join(lines)
        if step % 500 == 0:
            name = rng.choice(names)
            planted[step + 200] = (name, files[name])
            files[name] = changes[name] = files[name] + b'\nAPI_KEY = "%s"\n' % (
                _fake_key(rng).encode()
            )
        if step in planted:
            name, before = planted.pop(step)
            files[name] = changes[name] = before
        if step % 400 == 0:
            # A side branch with one change, merged back by the next main commit.
            branch_tip = commit("refs/heads/side", f"side {step}", changes, [head])
            continue
        parents = [head, branch_tip] if branch_tip else [head]
        branch_tip = 0
        head = commit("refs/heads/main", f"step {step}", changes, parents)
    stream.seek(0)
    with stream:
        subprocess.run(
            ["git", "-C", str(target), "fast-import", "--quiet"], stdin=stream, check=True
        )
    subprocess.run(["git", "-C", str(target), "checkout", "-q", "-f", "main"], check=True)
    subprocess.run(["git", "-C", str(target), "gc", "-q", "--aggressive"], check=True)
    print(f"built {target}: {commits} commits from {len(files)} files of {source}")


def _timed(
    cmd: list[str], cwd: Path, stdin_path: Optional[str], timeout: float
) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KB) and exit code (-9: killed at `timeout`) of one run."""
    with open(os.devnull, "rb+") as null, open(stdin_path or os.devnull, "rb") as stdin:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=null, stdin=stdin)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def time_history(repo: Path, runs: int, autype_guard: str, timeout: float) -> None:
    listing = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--all", "--objects"],
        capture_output=True,
        check=True,
    ).stdout
    ids = b"\n".join(line.split(b" ", 1)[0] for line in listing.splitlines()) + b"\n"
    checked = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "cat-file",
            "--batch-check=%(objecttype) %(objectname) %(objectsize)",
        ],
        input=ids,
        capture_output=True,
        check=True,
    ).stdout.split(b"\n")
    blobs = [line.split() for line in checked if line.startswith(b"blob ")]
    commits = int(
        subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--all", "--count"],
            capture_output=True,
            check=True,
        ).stdout
    )
    total = sum(int(b[2]) for b in blobs)
    with tempfile.NamedTemporaryFile("wb", delete=False) as handle:
        handle.write(b"".join(b[1] + b"\n" for b in blobs))
        blob_list = handle.name
    print(f"{repo}: {commits} commits, {len(blobs)} distinct blobs, {total / 1e9:.2f} GB")
    cases = {
        "cat-file --batch (blob list given)": (["git", "cat-file", "--batch"], blob_list),
        "autype-guard scan --history": (
            [autype_guard, "scan", "--history", "--no-progress", "--format", "json"],
            None,
        ),
    }
    medians = {}
    try:
        for name, (cmd, stdin_path) in cases.items():
            times, peaks = [], []
            for _ in range(runs):
                elapsed, peak, code = _timed(cmd, repo, stdin_path, timeout)
                times.append(elapsed)
                peaks.append(peak)
            medians[name] = statistics.median(times)
            print(
                f"  {name:38s} median {medians[name]:7.2f} s  (runs: "
                f"{', '.join(f'{t:.2f}' for t in times)})  peak RSS {max(peaks) / 1024:.0f} MB"
                f"  exit {code}"
            )
    finally:
        os.unlink(blob_list)
    base = medians["cat-file --batch (blob list given)"]
    print(f"  ratio --history / cat-file: {medians['autype-guard scan --history'] / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a synthetic history repository")
    b.add_argument("target", type=Path)
    b.add_argument("--source", type=Path, required=True, help="a directory of real .py files")
    b.add_argument("--commits", type=int, default=3000)
    b.add_argument("--max-files", type=int, default=1500)
    b.add_argument("--seed", type=int, default=7)
    t = sub.add_parser("time", help="time --history against cat-file streaming")
    t.add_argument("repo", type=Path)
    t.add_argument("--runs", type=int, default=5)
    t.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    t.add_argument(
        "--autype-guard",
        default=str(Path(sys.executable).parent / "autype-guard"),
        help="the autype-guard executable (default: next to this Python)",
    )
    args = parser.parse_args()
    if args.command == "build":
        build(args.target, args.source, args.commits, args.max_files, args.seed)
    else:
        time_history(args.repo, args.runs, args.autype_guard, args.timeout)


if __name__ == "__main__":
    main()
