#!/usr/bin/env python3
"""Time `autype-guard scan-url` against fetching the same URLs with curl.

A directory of real bundles (default: the npm bundles `build_corpora.py` puts in
`/work/bench-data/bundles/copy-1`) is served over loopback by a threaded HTTP server in a
separate process; `/` is a generated page with one `<script src>` per `.js`/`.mjs` file
(the source maps are found through their `sourceMappingURL` comments). The server logs
every path it is asked for; curl then fetches exactly the URLs scan-url fetched, with the
same concurrency (`curl --parallel`), so the ratio is the cost of scanning over the cost
of fetching.

    python bench/scan_url_bench.py                      # --bundles DIR --runs 3 --concurrency 8

Timings on a shared machine are rough: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_BUNDLES = Path("/work/bench-data/bundles/copy-1")

SERVER = r"""
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

root, log_path, page = sys.argv[1], sys.argv[2], sys.argv[3].encode()
log = open(log_path, "a", buffering=1)


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        log.write(self.path + "\n")
        if self.path == "/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=root))
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _page(root: Path) -> str:
    scripts = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in (".js", ".mjs")
    )
    tags = "".join(f'<script src="/{html.escape(s)}"></script>\n' for s in scripts)
    return f"<!doctype html><html><head>\n{tags}</head><body></body></html>\n"


def _autype_guard() -> list[str]:
    found = shutil.which("autype-guard")
    if found:
        return [found]
    return [sys.executable, "-m", "autype_guard"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not args.bundles.is_dir():
        print(f"no bundles at {args.bundles}: run bench/build_corpora.py first", file=sys.stderr)
        return 2
    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "requests.log"
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(args.bundles), str(log_path), _page(args.bundles)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
            return _compare(base, log_path, Path(tmp), args)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _compare(base: str, log_path: Path, tmp: Path, args: argparse.Namespace) -> int:
    command = [
        *_autype_guard(),
        "scan-url",
        f"{base}/",
        "--format",
        "json",
        "--concurrency",
        str(args.concurrency),
        "--max-files",
        "5000",
        "--max-bytes",
        "4G",
        "--max-file-bytes",
        "256M",
        "--deadline",
        "600",
        "--exit-zero",
    ]
    scan_times = []
    for _ in range(args.runs):
        log_path.write_text("")
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        scan_times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 2
    paths = log_path.read_text().split()
    urls = [base + path for path in paths]
    config = tmp / "curl.conf"
    config.write_text("".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
    curl = [
        "curl",
        "--silent",
        "--no-progress-meter",
        "--compressed",
        "--parallel",
        "--parallel-max",
        str(args.concurrency),
        "--config",
        str(config),
    ]
    curl_times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(curl, check=False)
        curl_times.append(time.perf_counter() - started)
    # The same files scanned from disk in one process: what scanning alone costs.
    listed = tmp / "files"
    listed.mkdir()
    for path in paths:
        source = args.bundles / path.lstrip("/")
        if path != "/" and source.is_file():
            target = listed / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source, target)
    disk = [*_autype_guard(), "scan", str(listed), "--jobs", "1", "--exit-zero", "--quiet"]
    disk_times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([*disk, "--no-ignore"], capture_output=True, check=False)
        disk_times.append(time.perf_counter() - started)
    size = sum(
        (args.bundles / p.lstrip("/")).stat().st_size
        for p in paths
        if p != "/" and (args.bundles / p.lstrip("/")).is_file()
    )
    scan, fetch = statistics.median(scan_times), statistics.median(curl_times)
    print(f"URLs fetched: {len(urls)} ({size / 1e6:.1f} MB), concurrency {args.concurrency}")
    print(f"scan-url (fetch + scan): median {scan:.2f}s of {args.runs}")
    print(f"curl (fetch only):       median {fetch:.2f}s of {args.runs}")
    print(f"scan -j1 of the same files from disk: median {statistics.median(disk_times):.2f}s")
    print(f"ratio scan-url / curl:   {scan / fetch:.1f}x  (cores: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
