#!/usr/bin/env python3
"""Time an incremental history audit: `scan --history --cache FILE` on a repository, first
with an empty cache, then again on the unchanged repository (target: the second run takes at
most 0.1x the first), and once more with `--shard K/N` for each K to show the split.

    python bench/cache_bench.py /work/bench-data/history [--runs 5] [--shards 4]

The second run is repeated `--runs` times (the median and fastest are shown). Wall time of
a one-second run swings with the machine's load, so CPU time (user + system of the run and
its git children) is shown too. Never writes into the repository: the cache lives in a
temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scan(repo: Path, *args: str) -> tuple[float, float, dict[str, object], str]:
    started, cpu = time.perf_counter(), _cpu()
    argv = [sys.executable, "-m", "autype_guard", "scan", "--history", "--no-progress"]
    proc = subprocess.run(
        [*argv, "--format", "json", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, used = time.perf_counter() - started, _cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, used, json.loads(proc.stdout), proc.stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=5, help="second runs to time")
    parser.add_argument("--shards", type=int, default=0, help="also time N shards (0: no)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "history-cache.sqlite")
        first, first_cpu, doc1, err1 = _scan(repo, "--cache", cache)
        again = [_scan(repo, "--cache", cache) for _ in range(max(1, args.runs))]
        size = os.path.getsize(cache)
    same = all(doc["findings"] == doc1["findings"] for _, _, doc, _ in again)
    walls = [wall for wall, _, _, _ in again]
    cpus = [cpu for _, cpu, _, _ in again]
    second, second_cpu = statistics.median(walls), statistics.median(cpus)
    commits = doc1["git"]["commits"]  # type: ignore[index]
    print(f"repository: {repo} ({commits} commits)")
    print(
        f"first run (empty cache): {first:.2f} s, {first_cpu:.2f} s CPU  [{err1.splitlines()[-1]}]"
    )
    print(
        f"second run (unchanged), median of {len(again)}: {second:.2f} s (fastest"
        f" {min(walls):.2f} s), {second_cpu:.2f} s CPU  [{again[0][3].splitlines()[-1]}]"
    )
    print(
        f"ratio: {second / first:.3f} wall (fastest {min(walls) / first:.3f}),"
        f" {second_cpu / first_cpu:.3f} CPU (target <= 0.1); same findings: {same}"
    )
    print(f"cache file: {size / 1e6:.1f} MB")
    if args.shards:
        total = 0.0
        for k in range(1, args.shards + 1):
            elapsed, _, doc, _ = _scan(repo, "--shard", f"{k}/{args.shards}")
            total += elapsed
            scanned = doc["summary"]["files_scanned"]  # type: ignore[index]
            print(f"shard {k}/{args.shards}: {elapsed:.2f} s, {scanned} blobs")
        print(f"shards together: {total:.2f} s of work (in parallel: the slowest one)")


if __name__ == "__main__":
    main()
