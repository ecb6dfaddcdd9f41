#!/usr/bin/env python3
"""Time a typical push through the `autype-guard pre-receive` hook on a large repository.

    python bench/pre_receive_bench.py                 # 20,000 commits, 10-commit push
    python bench/pre_receive_bench.py --commits 2000 --runs 3 --keep /tmp/prb

Builds a bare "server" repository with one git fast-import (a first commit of --files
generated Python files, then one commit per step editing one to three of them, every
50 commits on a side branch, with a tag every 1,000 commits), clones it, makes --push-commits
commits in the clone changing --push-files files between them, and pushes them to the server
--runs times: with the hook installed, and without it (the push alone). After each run the
server's main is moved back, so every run pushes the same commits as new. Also times the
hook command alone on the same input (its start-up included) and a push that only moves a
ref to commits the server has (nothing to scan).

Reports medians in seconds, wall-clock and CPU (user + system, the hook's git children
included). Timings on a shared machine are rough: compare the figures of
one run. Stdlib only; needs git and the autype_guard package importable by this Python.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WORDS = ("alpha", "beta", "gamma", "delta", "render", "fetch", "client", "request", "items")


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    out = subprocess.run(
        ["git", "-C", str(cwd), *args], input=stdin, capture_output=True, env=env, check=True
    )
    return out.stdout.decode()


def _source(rng: random.Random, index: int, lines: int) -> bytes:
    body = [f'"""Module {index}."""', "", "import os", ""]
    for n in range(lines):
        a, b = rng.choice(_WORDS), rng.choice(_WORDS)
        body.append(f"def {a}_{n}({b}):")
        body.append(f"    return {b} + {rng.randint(0, 10**6)}  # {a}")
    body.append("API_KEY = os.environ['AUTYPE_API_KEY']")
    return ("\n".join(body) + "\n").encode()


def _data(blob: bytes) -> bytes:
    return b"data %d\n" % len(blob) + blob + b"\n"


def build_server(target: Path, commits: int, files: int, seed: int) -> None:
    """A bare repository with `commits` commits on main (side branches merged back)."""
    rng = random.Random(seed)
    _git(target.parent, "init", "-q", "--bare", "-b", "main", str(target))
    names = [f"pkg{i % 40}/mod_{i}.py" for i in range(files)]
    stream: list[bytes] = []
    when = 1_600_000_000
    mark = 0

    def commit(ref: str, message: str, changes: list[bytes], parents: list[str]) -> str:
        nonlocal mark, when
        mark += 1
        when += 60
        head = [
            b"commit %s\n" % ref.encode(),
            b"mark :%d\n" % mark,
            b"committer Bench <bench@example.com> %d +0000\n" % when,
            _data(message.encode()),
        ]
        for i, parent in enumerate(parents):
            head.append(b"%s %s\n" % (b"from" if i == 0 else b"merge", parent.encode()))
        stream.extend(head + changes + [b"\n"])
        return f":{mark}"

    first = [
        b"M 100644 inline %s\n" % n.encode() + _data(_source(rng, i, 20))
        for i, n in enumerate(names)
    ]
    main = commit("refs/heads/main", "initial", first, [])
    done = 1
    while done < commits:
        side = done % 50 == 0 and done + 3 < commits
        ref = "refs/heads/side" if side else "refs/heads/main"
        parent = main
        steps = 3 if side else 1
        for _ in range(steps):
            edits = []
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(files)
                edits.append(
                    b"M 100644 inline %s\n" % names[i].encode() + _data(_source(rng, i, 20))
                )
            parent = commit(ref, f"change {done}", edits, [parent])
            done += 1
        if side:
            main = commit("refs/heads/main", f"merge {done}", [], [main, parent])
            done += 1
        else:
            main = parent
        if done % 1000 == 0:
            stream.append(b"reset refs/tags/v%d\nfrom %s\n\n" % (done // 1000, main.encode()))
    _git(target, "fast-import", "--quiet", stdin=b"".join(stream))
    _git(target, "repack", "-adq")


def make_push(clone: Path, commits: int, files: int, seed: int) -> None:
    """`commits` commits in `clone` changing `files` files between them."""
    rng = random.Random(seed + 1)
    tracked = _git(clone, "ls-files").split()
    chosen = rng.sample(tracked, files)
    per = max(1, files // commits)
    for c in range(commits):
        for name in chosen[c * per : (c + 1) * per] if c < commits - 1 else chosen[c * per :]:
            (clone / name).write_bytes(_source(rng, c, 25))
            _git(clone, "add", name)
        _git(clone, "commit", "-q", "-m", f"work {c}")


_cpu: list[float] = []  # CPU seconds (user + system) of each _timed command and its children


def _timed(argv: list[str], cwd: Path, stdin: bytes | None = None) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--push-commits", type=int, default=10)
    parser.add_argument("--push-files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pre-receive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    server, clone = work / "server.git", work / "clone"
    try:
        if not server.exists():
            started = time.perf_counter()
            build_server(server, args.commits, args.files, args.seed)
            print(
                f"built {args.commits} commits, {args.files} files"
                f" in {time.perf_counter() - started:.1f} s"
            )
        if clone.exists():
            shutil.rmtree(clone)
        _git(work, "clone", "-q", str(server), str(clone))
        make_push(clone, args.push_commits, args.push_files, args.seed)
        base = _git(server, "rev-parse", "refs/heads/main").strip()
        new = _git(clone, "rev-parse", "HEAD").strip()
        hook = server / "hooks" / "pre-receive"
        script = f"#!/bin/sh\nexec {sys.executable} -m autype_guard pre-receive\n"
        push = ["git", "push", "-q", "origin", "HEAD:refs/heads/main"]

        def runs(with_hook: bool) -> list[float]:
            times = []
            for _ in range(args.runs):
                if with_hook:
                    hook.write_text(script)
                    hook.chmod(0o755)
                elif hook.exists():
                    hook.unlink()
                seconds, code = _timed(push, clone)
                if code != 0:
                    raise SystemExit(f"push failed (exit {code})")
                _git(server, "update-ref", "refs/heads/main", base)
                times.append(seconds)
            return times

        med = statistics.median
        cpu: dict[str, float] = {}
        plain = runs(False)
        cpu["plain"] = med(_cpu[-args.runs :])
        hooked = runs(True)
        cpu["hooked"] = med(_cpu[-args.runs :])
        # The command alone on the same input, outside a push (the objects are on the
        # server from the runs above, reachable from no ref).
        line = f"{base} {new} refs/heads/main\n".encode()
        alone = [
            _timed([sys.executable, "-m", "autype_guard", "pre-receive"], server, line)
            for _ in range(args.runs)
        ]
        cpu["alone"] = med(_cpu[-args.runs :])
        moved = [
            _timed(
                [sys.executable, "-m", "autype_guard", "pre-receive"],
                server,
                f"{new} {base} refs/heads/main\n".encode(),
            )
            for _ in range(args.runs)
        ]
        cpu["moved"] = med(_cpu[-args.runs :])
        startup = [
            _timed([sys.executable, "-m", "autype_guard", "--version"], server)[0]
            for _ in range(args.runs)
        ]
        cpu["startup"] = med(_cpu[-args.runs :])
        for seconds_code in alone + moved:
            if seconds_code[1] != 0:
                raise SystemExit(f"the hook rejected a clean push (exit {seconds_code[1]})")
        print(
            f"repository: {args.commits} commits;"
            f" push: {args.push_commits} commits, {args.push_files} files"
        )
        print("medians                 wall s    CPU s")
        print(f"push without hook      {med(plain):6.3f}   {cpu['plain']:6.3f}")
        print(f"push with hook         {med(hooked):6.3f}   {cpu['hooked']:6.3f}")
        print(f"hook command alone     {med(s for s, _ in alone):6.3f}   {cpu['alone']:6.3f}")
        print(f"ref moved, no new      {med(s for s, _ in moved):6.3f}   {cpu['moved']:6.3f}")
        print(f"python start + import  {med(startup):6.3f}   {cpu['startup']:6.3f}  (--version)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
