#!/usr/bin/env python3
"""Time an incremental history audit: `scan --history --cache FILE` on a repository, first
with an empty cache, then again on the unchanged repository (target: the second run takes at
most 0.1x the first), and once more with `--shard K/N` for each K to show the split.

    python bench/cache_bench.py /work/bench-data/history [--shards 4]

Never writes into the repository: the cache lives in a temporary directory. Timings on a
shared machine are rough: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _scan(repo: Path, *args: str) -> tuple[float, dict[str, object], str]:
    started = time.perf_counter()
    argv = [sys.executable, "-m", "autype_guard", "scan", "--history", "--no-progress"]
    proc = subprocess.run(
        [*argv, "--format", "json", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, json.loads(proc.stdout), proc.stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--shards", type=int, default=0, help="also time N shards (0: no)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "history-cache.sqlite")
        first, doc1, err1 = _scan(repo, "--cache", cache)
        second, doc2, err2 = _scan(repo, "--cache", cache)
        size = os.path.getsize(cache)
    same = doc1["findings"] == doc2["findings"]
    commits = doc1["git"]["commits"]  # type: ignore[index]
    print(f"repository: {repo} ({commits} commits)")
    print(f"first run (empty cache): {first:.2f} s   [{err1.splitlines()[-1]}]")
    print(f"second run (unchanged):  {second:.2f} s   [{err2.splitlines()[-1]}]")
    print(f"ratio: {second / first:.3f} (target <= 0.1); same findings: {same}")
    print(f"cache file: {size / 1e6:.1f} MB")
    if args.shards:
        total = 0.0
        for k in range(1, args.shards + 1):
            elapsed, doc, _ = _scan(repo, "--shard", f"{k}/{args.shards}")
            total += elapsed
            scanned = doc["summary"]["files_scanned"]  # type: ignore[index]
            print(f"shard {k}/{args.shards}: {elapsed:.2f} s, {scanned} blobs")
        print(f"shards together: {total:.2f} s of work (in parallel: the slowest one)")


if __name__ == "__main__":
    main()
