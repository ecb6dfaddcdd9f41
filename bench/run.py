#!/usr/bin/env python3
"""Time autype-guard side by side with ripgrep and detect-secrets on the benchmark corpora.

Every case runs each tool in the same invocation of this script, so the ratios compare
figures measured minutes apart on the same machine: one warm-up run (page cache), then
--runs timed runs; the table shows the median and the fastest. Peak memory comes from
`os.wait4` (the largest single process, ru_maxrss) and, in one extra untimed run, from
sampling /proc every 20 ms (the sum of the proportional set size of the tool and all its
worker processes, so pages shared after fork() count once).

    python3 bench/run.py                      # everything, corpora from /work/bench-data
    python3 bench/run.py --only tree,precommit --runs 7
    python3 bench/run.py --readme             # also write the results into bench/README.md
    python3 bench/run.py --smoke              # seconds: a tiny generated tree (CI)

Cases (corpora from bench/build_corpora.py; see bench/README.md):

  tree        whole-tree audit of tree/: autype-guard (--jobs 0 and 1, and the pure-Python
              prefilter), `rg -uu -c ak_`, `detect-secrets scan --all-files` (once: minutes)
  precommit   20 staged files of precommit/ and precommit-key/ as the hook passes them:
              `autype-guard scan FILES` vs `detect-secrets-hook FILES`
  bundles     bundles/ (>= 300 MB of minified JS and source maps): autype-guard vs rg
  scale       scale/1x, 2x, 4x with --jobs 1 and --jobs 2, and rg
  history     `autype-guard scan --history` on history/ vs streaming every reachable blob
              through `git cat-file --batch` to /dev/null; skipped when the command fails
  classes     throughput per file class (classes/: plain source, minified bundles, source
              maps, marker-heavy API-docs bundles, OpenAPI documents, notebooks), MB/s of
              autype-guard and rg side by side

autype-guard runs from a regular (not editable) install (`ahocorasick_rs` included), made by this
script in DATA/venv-ag from the working tree, like the pre-commit hook's own environment;
--ag PATH uses another executable instead. Tools that are missing are reported as skipped.
Exit status: 0, or 1 when autype-guard reports findings in real third-party code or misses
the planted key of precommit-key/ (the runner's own check, not a speed target).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

# The file classes of DATA/classes/, in the order they are reported (this directory is on
# the path when the script runs).
from build_corpora import CLASSES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(REPO, "bench", "README.md")
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
CASES = ("tree", "tree-auth", "precommit", "bundles", "scale", "history", "classes")
MB = 1e6


# --- running and measuring ---------------------------------------------------------------


@dataclass
class Run:
    wall: float
    code: int
    maxrss_kb: int
    cpu: float
    stdout: bytes = b""
    stderr: bytes = b""


def run_once(
    cmd: list[str],
    cwd: Optional[str] = None,
    env: Optional[dict[str, str]] = None,
    capture: bool = False,
    shell: bool = False,
) -> Run:
    """Run `cmd`, timing it and reading its rusage (ru_maxrss: the largest process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd if not shell else " ".join(cmd),
            cwd=cwd,
            env=env,
            stdout=out if capture else subprocess.DEVNULL,
            stderr=err if capture else subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            shell=shell,
            executable="/bin/bash" if shell else None,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        result = Run(wall, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
        if capture:
            out.seek(0)
            err.seek(0)
            result.stdout, result.stderr = out.read(), err.read()
    return result


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(k) for k in f.read().split())
    except OSError:
        pass
    return kids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def peak_tree_pss_mb(
    cmd: list[str], cwd: Optional[str] = None, env: Optional[dict[str, str]] = None
) -> Optional[float]:
    """Peak of the summed PSS of `cmd` and its descendants, sampled every 20 ms (Linux)."""
    if not os.path.exists("/proc/self/smaps_rollup"):
        return None
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            pids, todo = [], [proc.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo.extend(_children(pid))
            peak = max(peak, sum(_pss_kb(p) for p in pids))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    return peak / 1024


@dataclass
class Row:
    case: str
    tool: str
    command: str
    runs: list[Run] = field(default_factory=list)
    size_bytes: int = 0
    findings: Optional[int] = None
    findings_note: str = ""
    pss_mb: Optional[float] = None
    skipped: str = ""
    expect: str = ""  # what the findings column should be, for the check

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024


def measure(
    row: Row,
    cmd: list[str],
    runs: int,
    cwd: Optional[str] = None,
    env: Optional[dict[str, str]] = None,
    warmup: bool = True,
    ok: Callable[[int], bool] = lambda code: code in (0, 1),
    shell: bool = False,
) -> Row:
    """Time `cmd` `runs` times after a warm-up run; a failing command marks the row skipped."""
    log(f"{row.case}: {row.tool}: {' '.join(cmd)[:150]}")
    first = run_once(cmd, cwd, env, capture=True, shell=shell)
    if not ok(first.code):
        message = (first.stderr or first.stdout).decode(errors="replace").strip()
        row.skipped = f"exit {first.code}: {message.splitlines()[-1][:120] if message else ''}"
        log(f"  skipped: {row.skipped}")
        return row
    if not warmup:
        row.runs.append(first)
    for _ in range(runs if warmup else runs - 1):
        row.runs.append(run_once(cmd, cwd, env, shell=shell))
    log(f"  median {row.median:.3f} s, min {row.best:.3f} s, max RSS {row.maxrss_mb:.0f} MB")
    return row


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- tools ---------------------------------------------------------------------------------


def find_tool(name: str, data: str) -> Optional[str]:
    for candidate in (os.path.join(data, "bin", name), shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def install_autype_guard(data: str) -> list[str]:
    """A regular install of the working tree (its dependencies, `ahocorasick_rs` included)
    in DATA/venv-ag."""
    venv = os.path.join(data, "venv-ag")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    log("installing autype-guard from the working tree (not editable)")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--upgrade", "--force-reinstall", "--no-deps", "."],
        cwd=REPO,
        check=True,
    )
    subprocess.run([python, "-m", "pip", "install", "-q", "."], cwd=REPO, check=True)
    return [os.path.join(venv, "bin", "autype-guard")]


def tool_versions(ag: list[str], rg: Optional[str], ds: Optional[str]) -> dict[str, str]:
    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return "?"
        return (out.stdout or out.stderr).strip().splitlines()[0] if out.stdout else "?"

    engine = first_line(
        [
            os.path.join(os.path.dirname(ag[0]), "python") if len(ag) == 1 else ag[0],
            "-c",
            "from autype_guard.prefilter import Prefilter; print(Prefilter([b'ak_']).engine)",
        ]
    )
    return {
        "autype-guard": first_line([*ag, "--version"]) + f" (prefilter: {engine})",
        "ripgrep": first_line([rg, "--version"]) if rg else "not installed",
        "detect-secrets": first_line([ds, "--version"]) if ds else "not installed",
        "git": first_line(["git", "--version"]),
        "python": platform.python_version(),
        "cpus": str(os.cpu_count()),
    }


# --- counting findings -------------------------------------------------------------------


def ag_findings(
    ag: list[str], args: list[str], cwd: Optional[str] = None
) -> tuple[Optional[int], str]:
    result = run_once([*ag, "scan", "--format", "json", *args], cwd, capture=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return None, f"exit {result.code}"
    findings = report.get("findings", [])
    codes = sorted({f.get("code", "?") for f in findings})
    return len(findings), ", ".join(codes)


def rg_lines(rg: str, path: str) -> int:
    result = run_once([rg, "-uu", "-c", "ak_", path], capture=True)
    return sum(int(line.rsplit(b":", 1)[-1]) for line in result.stdout.splitlines() if line)


def ds_results(stdout: bytes) -> Optional[int]:
    try:
        baseline = json.loads(stdout)
    except ValueError:
        return None
    return sum(len(v) for v in baseline.get("results", {}).values())


def staged_files(repo: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", repo, "diff", "--cached", "--name-only", "--diff-filter=d", "-z"],
        capture_output=True,
        check=True,
    ).stdout
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def corpus_bytes(path: str) -> int:
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


# --- cases -------------------------------------------------------------------------------


@dataclass
class Bench:
    data: str
    runs: int
    ag: list[str]
    rg: Optional[str]
    ds: Optional[str]
    ds_hook: Optional[str]
    skip_ds: bool = False
    rows: list[Row] = field(default_factory=list)

    def row(self, case: str, tool: str, command: str, size: int = 0) -> Row:
        row = Row(case, tool, command, size_bytes=size)
        self.rows.append(row)
        return row

    def tree_audit(
        self, case: str, path: str, detect_secrets: bool, python_prefilter: bool
    ) -> None:
        size = corpus_bytes(path)
        name = os.path.basename(path.rstrip("/"))
        env_python = {**os.environ, "AUTYPE_GUARD_PREFILTER": "python"}
        row = self.row(case, "autype-guard", f"autype-guard scan --no-ignore {name}", size)
        measure(row, [*self.ag, "scan", "--no-ignore", path], self.runs)
        if row.runs:
            row.findings, row.findings_note = ag_findings(self.ag, ["--no-ignore", path])
            row.expect = "0"
            row.pss_mb = peak_tree_pss_mb([*self.ag, "scan", "--no-ignore", path])
        row = self.row(case, "autype-guard", f"autype-guard scan --no-ignore -j 1 {name}", size)
        measure(row, [*self.ag, "scan", "--no-ignore", "-j", "1", path], self.runs)
        if row.runs:
            row.pss_mb = peak_tree_pss_mb([*self.ag, "scan", "--no-ignore", "-j", "1", path])
        if python_prefilter:
            row = self.row(
                case,
                "autype-guard",
                f"AUTYPE_GUARD_PREFILTER=python autype-guard scan --no-ignore {name}",
                size,
            )
            measure(row, [*self.ag, "scan", "--no-ignore", path], self.runs, env=env_python)
        row = self.row(case, "ripgrep", f"rg -uu -c ak_ {name}", size)
        if self.rg:
            measure(row, [self.rg, "-uu", "-c", "ak_", path], self.runs)
            if row.runs:
                row.findings, row.findings_note = rg_lines(self.rg, path), "lines with ak_"
        else:
            row.skipped = "rg not installed"
        if detect_secrets:
            row = self.row(
                case, "detect-secrets", f"(cd {name} && detect-secrets scan --all-files .)", size
            )
            if self.ds and not self.skip_ds:
                # Run inside the tree: from within another git work tree, detect-secrets
                # silently skips paths outside it.
                cmd = [self.ds, "scan", "--all-files", "."]
                log(f"{case}: detect-secrets (once, takes minutes on a large tree)")
                run = run_once(cmd, cwd=path, capture=True)
                if run.code == 0:
                    row.runs.append(run)
                    row.findings, row.findings_note = ds_results(run.stdout), "results"
                    log(f"  {run.wall:.1f} s, {row.findings} results")
                else:
                    row.skipped = f"exit {run.code}"
            else:
                row.skipped = "skipped (--skip-detect-secrets)" if self.ds else "not installed"

    def precommit(self, case: str, repo: str, expect: int) -> None:
        files = staged_files(repo)
        size = sum(os.path.getsize(os.path.join(repo, f)) for f in files)
        row = self.row(case, "autype-guard", f"autype-guard scan <{len(files)} staged files>", size)
        measure(row, [*self.ag, "scan", *files], self.runs, cwd=repo)
        if row.runs:
            row.findings, row.findings_note = ag_findings(self.ag, files, cwd=repo)
            row.expect = str(expect)
        row = self.row(case, "detect-secrets", f"detect-secrets-hook <{len(files)} staged files>")
        row.size_bytes = size
        if self.ds_hook:
            measure(row, [self.ds_hook, *files], self.runs, cwd=repo)
            if row.runs:
                out = run_once([self.ds_hook, *files], cwd=repo, capture=True).stdout
                row.findings = out.count(b"Secret Type:")
                row.findings_note = "secrets reported"
        else:
            row.skipped = "detect-secrets-hook not installed"

    def precommit_pair(self, corpora: dict[str, dict[str, str]]) -> None:
        self.precommit("precommit", corpora["precommit"]["path"], expect=0)
        self.precommit("precommit-key", corpora["precommit-key"]["path"], expect=1)

    def scale(self, paths: list[tuple[str, str]]) -> None:
        for label, path in paths:
            size = corpus_bytes(path)
            for jobs in ("1", "2"):
                row = self.row(
                    "scale", "autype-guard", f"autype-guard scan -j {jobs} {label}", size
                )
                measure(row, [*self.ag, "scan", "--no-ignore", "-j", jobs, path], self.runs)
            row = self.row("scale", "ripgrep", f"rg -uu -c ak_ {label}", size)
            if self.rg:
                measure(row, [self.rg, "-uu", "-c", "ak_", path], self.runs)
            else:
                row.skipped = "rg not installed"

    def history(self, repo: str, planted: Optional[int], case: str = "history") -> None:
        """`scan --history` against the floor: every reachable blob through `cat-file --batch`
        (`--missing=allow-any`: a mirror may lack a few objects; both sides skip them)."""
        size = _blob_bytes(repo)
        floor = (
            f"git -C {repo} rev-list --objects --all --missing=allow-any | cut -d' ' -f1"
            f" | git -C {repo} cat-file --batch-check='%(objecttype) %(objectname)'"
            " | awk '$1 == \"blob\" {print $2}'"
            f" | git -C {repo} cat-file --batch > /dev/null"
        )
        row = self.row(case, "git", "rev-list --objects --all | cat-file --batch", size)
        measure(row, [floor], self.runs, shell=True, ok=lambda code: code == 0)
        row = self.row(case, "autype-guard", "autype-guard scan --history .", size)
        # Exit code 2: a real mirror may lack a few blobs, listed as not scanned.
        measure(row, [*self.ag, "scan", "--history", "."], self.runs, cwd=repo, ok=lambda c: c < 3)
        if row.runs:
            row.findings, row.findings_note = ag_findings(self.ag, ["--history", "."], cwd=repo)
            row.expect = "" if planted is None else str(planted)

    def classes(self, corpora: dict[str, dict[str, str]]) -> None:
        """Each file class alone: autype-guard (default jobs) and rg, MB/s side by side."""
        for name in CLASSES:
            entry = corpora.get(f"classes/{name}")
            if entry is None:
                self.row(f"class {name}", "runner", name).skipped = "not built"
                continue
            path = entry["path"]
            size = corpus_bytes(path)
            case = f"class {name}"
            row = self.row(case, "autype-guard", f"autype-guard scan --no-ignore {name}", size)
            measure(row, [*self.ag, "scan", "--no-ignore", path], self.runs)
            if row.runs:
                row.findings, row.findings_note = ag_findings(self.ag, ["--no-ignore", path])
                row.expect = "0"
            row = self.row(case, "ripgrep", f"rg -uu -c ak_ {name}", size)
            if self.rg:
                measure(row, [self.rg, "-uu", "-c", "ak_", path], self.runs)
            else:
                row.skipped = "rg not installed"


def _blob_bytes(repo: str) -> int:
    out = subprocess.run(
        f"git -C {repo} rev-list --objects --all | cut -d' ' -f1"
        f" | git -C {repo} cat-file --batch-check='%(objecttype) %(objectsize)'",
        shell=True,
        capture_output=True,
        text=True,
    ).stdout
    fields = (line.split() for line in out.splitlines())
    return sum(int(f[1]) for f in fields if len(f) == 2 and f[0] == "blob")


# --- report --------------------------------------------------------------------------------


def _ref(rows: list[Row], case: str, tool: str, command_part: str = "") -> Optional[Row]:
    for row in rows:
        if row.case == case and row.tool == tool and command_part in row.command and row.runs:
            return row
    return None


def render(
    bench: Bench, versions: dict[str, str], started: str, load: tuple[str, str], smoke: bool
) -> str:
    lines = [
        f"Run of {started}; machine: {versions['cpus']} cores, load average "
        f"{load[0]} at the start and {load[1]} at the end (other work was running: "
        "compare ratios, which come from one run, rather than absolute times).",
        "",
        "Tools: " + "; ".join(f"{k} {v}" for k, v in versions.items() if k != "cpus") + ".",
        "",
        "| case | command | median s | min s | runs | MB/s | peak RSS MB | peak PSS MB | "
        "findings | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in bench.rows:
        row.command = row.command.replace("|", "\\|")  # a pipe inside a Markdown table cell
        if row.skipped:
            lines.append(f"| {row.case} | `{row.command}` | — | — | 0 | | | | | {row.skipped} |")
            continue
        mbps = f"{row.size_bytes / MB / row.median:,.0f}" if row.size_bytes else ""
        pss = f"{row.pss_mb:.0f}" if row.pss_mb is not None else ""
        findings = "" if row.findings is None else f"{row.findings}"
        if row.findings_note:
            findings += f" ({row.findings_note})" if row.findings is not None else ""
        if row.expect and row.findings is not None and str(row.findings) != row.expect:
            findings += f" **expected {row.expect}**"
        lines.append(
            f"| {row.case} | `{row.command}` | {row.median:.3f} | {row.best:.3f} | "
            f"{len(row.runs)} | {mbps} | {row.maxrss_mb:.0f} | {pss} | {findings} | "
            f"{_ratio(bench.rows, row)} |"
        )
    lines.append("")
    if smoke:
        lines.append("Smoke run on a tiny generated tree: it checks the runner, not the targets.")
    else:
        lines.extend(_summary(bench.rows))
    return "\n".join(lines) + "\n"


def _ratio(rows: list[Row], row: Row) -> str:
    """The row's median against the reference tool of its case (ripgrep, the hook, git)."""
    ref: Optional[Row]
    if row.case == "precommit" or row.case == "precommit-key":
        ref = _ref(rows, row.case, "detect-secrets")
        name = "detect-secrets-hook"
    elif row.case in ("history", "real-history"):
        ref = _ref(rows, row.case, "git")
        name = "git cat-file"
    elif row.case == "scale":
        label = row.command.rsplit(" ", 1)[-1]
        ref = _ref(rows, "scale", "ripgrep", label)
        name = "rg"
    else:
        ref = _ref(rows, row.case, "ripgrep")
        name = "rg"
    if ref is None or ref is row or (row.tool == "detect-secrets" and row.case.startswith("pre")):
        return ""
    return f"{row.median / ref.median:.2f}x {name}"


def _summary(rows: list[Row]) -> list[str]:
    out = ["Targets (ratios of medians from this run):", ""]

    def line(text: str, value: Optional[float], limit: float, below: bool = True) -> None:
        if value is None:
            out.append(f"- {text}: not measured")
            return
        met = value <= limit if below else value >= limit
        out.append(
            f"- {text}: {value:.2f} ({'met' if met else 'NOT met'}; target "
            f"{'<=' if below else '>='} {limit:g})"
        )

    tree = _ref(rows, "tree", "autype-guard", "scan --no-ignore tree")
    tree_rg = _ref(rows, "tree", "ripgrep")
    tree_ds = _ref(rows, "tree", "detect-secrets")
    line(
        "whole tree, autype-guard / rg",
        tree.median / tree_rg.median if tree and tree_rg else None,
        3,
    )
    auth = _ref(rows, "tree-auth", "autype-guard", "scan --no-ignore tree-auth")
    auth_rg = _ref(rows, "tree-auth", "ripgrep")
    line(
        "whole tree with the API-docs packages (tree-auth), autype-guard / rg",
        auth.median / auth_rg.median if auth and auth_rg else None,
        3,
    )
    serial = _ref(rows, "tree", "autype-guard", "scan --no-ignore -j 1 tree")
    line(
        "whole tree, --jobs 1 / --jobs 2",
        serial.median / tree.median if tree and serial else None,
        1.5,
        below=False,
    )
    line(
        "whole tree, detect-secrets / autype-guard",
        tree_ds.median / tree.median if tree and tree_ds else None,
        200,
        below=False,
    )
    if tree and tree.pss_mb is not None:
        line("whole tree, peak memory of all processes (PSS, MB)", tree.pss_mb, 150)
    ag = _ref(rows, "precommit", "autype-guard")
    hook = _ref(rows, "precommit", "detect-secrets")
    line(
        "precommit (no key), autype-guard / detect-secrets-hook",
        ag.median / hook.median if ag and hook else None,
        0.1,
    )
    ag = _ref(rows, "precommit-key", "autype-guard")
    hook = _ref(rows, "precommit-key", "detect-secrets")
    if ag and hook:
        out.append(
            f"- precommit-key (a key in a Python file: libcst is loaded), autype-guard / "
            f"detect-secrets-hook: {ag.median / hook.median:.2f} (reported, no target)"
        )
    bundles = _ref(rows, "bundles", "autype-guard", "scan --no-ignore bundles")
    bundles_rg = _ref(rows, "bundles", "ripgrep")
    line(
        "bundles, autype-guard / rg",
        bundles.median / bundles_rg.median if bundles and bundles_rg else None,
        5,
    )
    for name in CLASSES:
        ag = _ref(rows, f"class {name}", "autype-guard")
        rg = _ref(rows, f"class {name}", "ripgrep")
        if ag and rg:
            out.append(
                f"- {name}: autype-guard {ag.size_bytes / MB / ag.median:,.0f} MB/s, "
                f"rg {rg.size_bytes / MB / rg.median:,.0f} MB/s ({ag.median / rg.median:.2f}x rg)"
            )
    for case, target in (("history", 1.5), ("real-history", 2.0)):
        history = _ref(rows, case, "autype-guard")
        floor = _ref(rows, case, "git")
        if case == "history" or (history and floor):
            line(
                f"{case}, autype-guard / git cat-file",
                history.median / floor.median if history and floor else None,
                target,
            )
    scale = [r for r in rows if r.case == "scale" and r.runs and r.tool == "autype-guard"]
    for jobs in ("1", "2"):
        points = [r for r in scale if f"-j {jobs} " in r.command]
        if len(points) >= 2:
            per_mb = [r.median / (r.size_bytes / MB) * 1000 for r in points]
            out.append(
                f"- scaling, --jobs {jobs}: "
                + ", ".join(f"{r.command.rsplit(' ', 1)[-1]} {r.median:.2f} s" for r in points)
                + f"; ms per MB: {', '.join(f'{x:.2f}' for x in per_mb)}"
            )
    for label in ("1x", "2x", "4x", "smoke-1x", "smoke-2x"):
        one = _ref(rows, "scale", "autype-guard", f"-j 1 {label}")
        two = _ref(rows, "scale", "autype-guard", f"-j 2 {label}")
        if one and two:
            out.append(
                f"- {label}: --jobs 2 is {one.median / two.median:.2f}x faster than --jobs 1"
            )
    return out


def update_readme(text: str, commands: str) -> None:
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    block = f"{RESULTS_START}\n\n{commands}\n{text}\n{RESULTS_END}"
    if RESULTS_START in readme and RESULTS_END in readme:
        head, rest = readme.split(RESULTS_START, 1)
        tail = rest.split(RESULTS_END, 1)[1]
        readme = head + block + tail
    else:
        readme = readme.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    with open(README, "w", encoding="utf-8") as f:
        f.write(readme)
    log(f"results written to {README}")


# --- smoke ---------------------------------------------------------------------------------


def make_smoke_data(root: str) -> dict[str, str]:
    """A tiny generated tree (no keys), twice that for scaling, and two pre-commit repos."""
    import random

    rng = random.Random(7)
    words = ["weak_ref", "peak_load", "break_", "token", "value", "x", "data", "\\x00", "%20"]

    def text(kind: str, n: int) -> str:
        body = " ".join(rng.choice(words) for _ in range(n))
        return {
            "py": f"def f():\n    return {body!r}\n",
            "js": f"export const s = {json.dumps(body)};\n",
            "json": json.dumps({"k": body}) + "\n",
            "md": f"# Title\n\n{body}\n",
        }[kind]

    tree = os.path.join(root, "tree")
    for i in range(300):
        kind = ("py", "js", "json", "md")[i % 4]
        path = os.path.join(tree, f"d{i % 7}", f"f{i}.{kind}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text(kind, 200 + i))
    double = os.path.join(root, "tree-2x")
    shutil.copytree(tree, os.path.join(double, "copy-1"))
    shutil.copytree(tree, os.path.join(double, "copy-2"))
    out = {"tree": tree, "tree-2x": double}
    key = "ak_" + "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(32)
    )
    for name in ("precommit", "precommit-key"):
        repo = os.path.join(root, name)
        os.makedirs(repo)
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@example.com",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@example.com",
        }
        subprocess.run(["git", "init", "-q", repo], check=True, env=env)
        for i in range(20):
            kind = ("py", "js", "json", "md")[i % 4]
            content = text(kind, 100)
            if name == "precommit-key" and i == 0:
                content += f'API_KEY = "{key}"\n'
            with open(os.path.join(repo, f"f{i}.{kind}"), "w") as f:
                f.write(content)
        subprocess.run(["git", "-C", repo, "add", "."], check=True, env=env)
        out[name] = repo
    return out


# --- main ----------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/work/bench-data", help="corpora (build_corpora.py)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--only", help="comma-separated cases: " + ",".join(CASES))
    parser.add_argument("--ag", help="autype-guard executable (default: install in DATA)")
    parser.add_argument(
        "--skip-detect-secrets",
        action="store_true",
        help="do not run detect-secrets on the whole tree (minutes)",
    )
    parser.add_argument("--readme", action="store_true", help="write results to bench/README.md")
    parser.add_argument("--smoke", action="store_true", help="tiny generated tree, seconds")
    parser.add_argument(
        "--real-history",
        metavar="CLONE",
        help="also time --history on this clone of a real repository (case real-history)",
    )
    args = parser.parse_args(argv)

    started = time.strftime("%Y-%m-%d %H:%M")
    load_start = f"{os.getloadavg()[0]:.1f}"
    rg = find_tool("rg", args.data)
    ds = find_tool("detect-secrets", args.data)
    ds_hook = find_tool("detect-secrets-hook", args.data)
    if args.smoke:
        ag = [args.ag] if args.ag else [sys.executable, "-m", "autype_guard"]
        bench = Bench(args.data, max(1, min(args.runs, 2)), ag, rg, ds, ds_hook)
        with tempfile.TemporaryDirectory() as tmp:
            smoke = make_smoke_data(tmp)
            bench.tree_audit("tree", smoke["tree"], detect_secrets=False, python_prefilter=False)
            bench.precommit("precommit", smoke["precommit"], expect=0)
            bench.precommit("precommit-key", smoke["precommit-key"], expect=1)
            bench.scale([("smoke-1x", smoke["tree"]), ("smoke-2x", smoke["tree-2x"])])
            versions = tool_versions(ag, rg, ds)
            load = (load_start, f"{os.getloadavg()[0]:.1f}")
            text = render(bench, versions, started, load, smoke=True)
    else:
        manifest_path = os.path.join(args.data, "MANIFEST.json")
        if not os.path.exists(manifest_path):
            log(f"no {manifest_path}: build the corpora first (bench/build_corpora.py)")
            return 2
        with open(manifest_path) as f:
            corpora = json.load(f)["corpora"]
        ag = [args.ag] if args.ag else install_autype_guard(args.data)
        bench = Bench(args.data, args.runs, ag, rg, ds, ds_hook, args.skip_detect_secrets)
        only = set(args.only.split(",")) if args.only else set(CASES)
        cases: list[tuple[str, Callable[[], None]]] = [
            ("precommit", lambda: bench.precommit_pair(corpora)),
            ("tree", lambda: bench.tree_audit("tree", corpora["tree"]["path"], True, True)),
            (
                "tree-auth",
                lambda: bench.tree_audit("tree-auth", corpora["tree-auth"]["path"], False, False),
            ),
            (
                "bundles",
                lambda: bench.tree_audit("bundles", corpora["bundles"]["path"], False, False),
            ),
            (
                "scale",
                lambda: bench.scale(
                    [
                        (k.split("/")[1], corpora[k]["path"])
                        for k in ("scale/1x", "scale/2x", "scale/4x")
                    ]
                ),
            ),
            (
                "history",
                lambda: bench.history(
                    corpora["history"]["path"], len(corpora["history"].get("planted") or [])
                ),
            ),
            ("classes", lambda: bench.classes(corpora)),
        ]
        if args.real_history:
            real = os.path.abspath(args.real_history)
            cases.append(("real-history", lambda: bench.history(real, None, "real-history")))
            only.add("real-history")
        for name, run_case in cases:
            if name not in only:
                continue
            try:
                run_case()
            except Exception as exc:  # one broken case must not lose the others' figures
                log(f"{name}: failed: {type(exc).__name__}: {exc}")
                bench.row(name, "runner", f"case {name}").skipped = f"runner error: {exc}"
        versions = tool_versions(ag, rg, ds)
        load = (load_start, f"{os.getloadavg()[0]:.1f}")
        text = render(bench, versions, started, load, smoke=False)
    print(text)
    if args.readme:
        commands = "```sh\npython3 bench/run.py " + " ".join(argv or sys.argv[1:]) + "\n```\n"
        update_readme(text, commands)
    bad = [
        r for r in bench.rows if r.expect and r.findings is not None and str(r.findings) != r.expect
    ]
    for row in bad:
        log(f"CHECK FAILED: {row.case}: {row.command}: {row.findings}, expected {row.expect}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
