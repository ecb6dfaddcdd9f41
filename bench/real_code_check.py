#!/usr/bin/env python3
"""Scan installed real third-party code with autype-guard: it must report nothing.

The code is what `pip install` and `npm install` put on disk for popular packages (Django,
NumPy, pandas, SciPy, boto3/botocore, SymPy, matplotlib, ...; React, Next.js, Vite,
TypeScript, monaco-editor, Babel, webpack, MUI, ...), shared libraries, `.pyc` files and
WebAssembly included. None of it holds an Autype key, so every finding is a false positive,
and every file that could not be scanned fully is a gap: either fails the check.

    python3 bench/real_code_check.py --setup          # install the packages (network)
    python3 bench/real_code_check.py                  # scan: exit 0 clean, 1 otherwise
    python3 bench/real_code_check.py --ag .venv/bin/autype-guard --min-files 50000

Packages go to DATA/realcode (default /work/bench-data/realcode): a venv in `venv/`
and `node_modules/`. Stdlib only. Prints the files scanned, the findings (with their
locations) and the time. Exit status: 0 clean, 1 findings or unscanned files, 2 when the
set is smaller than --min-files or the scanner failed to run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PYPI = (
    "django",
    "numpy",
    "pandas",
    "scipy",
    "sympy",
    "boto3",
    "requests",
    "sqlalchemy",
    "matplotlib",
    "flask",
    "jinja2",
    "pyyaml",
    "cryptography",
    "pillow",
    "plotly",
    "kubernetes",
    "pyarrow",
)
NPM = (
    "react",
    "react-dom",
    "next",
    "vite",
    "typescript",
    "monaco-editor",
    "@babel/core",
    "webpack",
    "lodash",
    "date-fns",
    "@mui/material",
    "@mui/icons-material",
    "@emotion/react",
    "@emotion/styled",
    "rxjs",
    "three",
    "echarts",
    "@aws-sdk/client-s3",
    "electron",
)


def setup(root: Path) -> None:
    """Install the packages into root/venv and root/node_modules (idempotent)."""
    root.mkdir(parents=True, exist_ok=True)
    venv = root / "venv"
    if not (venv / "bin" / "pip").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PYPI], check=True)
    if not (root / "package.json").exists():
        (root / "package.json").write_text('{"name": "realcode", "private": true}\n')
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found: the npm packages are not installed")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", *NPM],
        cwd=root,
        check=True,
    )


def count_files(root: Path) -> int:
    """Regular files under root, symlinks not followed (as the scanner walks)."""
    total = 0
    for _, _, files in os.walk(root):
        total += len(files)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/work/bench-data", help="default /work/bench-data")
    parser.add_argument("--ag", default="autype-guard", help="the autype-guard executable")
    parser.add_argument("--setup", action="store_true", help="install the packages first")
    parser.add_argument("--min-files", type=int, default=50_000)
    args = parser.parse_args()
    root = Path(args.data) / "realcode"
    if args.setup:
        setup(root)
    if not root.is_dir():
        print(f"{root} does not exist: run with --setup first", file=sys.stderr)
        return 2
    files = count_files(root)
    print(f"real code: {root}: {files} files")
    if files < args.min_files:
        print(f"fewer than {args.min_files} files: install more packages", file=sys.stderr)
        return 2
    # The default excludes skip node_modules and venvs, which are the point here;
    # --no-ignore: a package may ship a .gitignore. Installed code is scanned whole.
    config = root / ".autype-guard.toml"
    config.write_text('exclude = [".git"]\n')
    started = time.perf_counter()
    proc = subprocess.run(
        [
            args.ag,
            "scan",
            "--no-progress",
            "--no-ignore",
            "--config",
            str(config),
            "--format",
            "json",
            str(root),
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        print(f"autype-guard failed (exit {proc.returncode}):\n{proc.stderr}", file=sys.stderr)
        return 2
    summary = doc["summary"]
    findings, errors = doc["findings"], doc["errors"]
    for f in findings:
        where = f"@{f['byte_offset']:#x}" if f.get("byte_offset") is not None else f":{f['line']}"
        print(f"finding: {f['path']}{where}: {f['code']} {f['message']}")
    for e in errors:
        print(f"not scanned: {e['path']}: {e['message']}")
    print(
        f"files scanned: {summary['files_scanned']} (+{summary['binary_skipped']} binary);"
        f" findings: {len(findings)}; not scanned: {len(errors)}; time: {elapsed:.1f}s"
        f" (autype-guard exit {proc.returncode})"
    )
    return 1 if findings or errors else 0


if __name__ == "__main__":
    sys.exit(main())
