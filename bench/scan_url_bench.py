#!/usr/bin/env python3
"""Time `autype-guard scan-url` against fetching the same URLs with curl.

A directory of real bundles (default: the npm bundles `build_corpora.py` puts in
`/work/bench-data/bundles`, both copies: 708 minified bundles and source maps, 352 MB) is
served over loopback by a threaded HTTP/1.1 server (keep-alive, `sendfile`) in a separate
process. `/` is a generated page with one `<script src>` per `.js`/`.mjs` file, and
`/asset-manifest.json` (Create React App's build manifest, which scan-url asks every start
origin for) lists every file, so the source maps that no `sourceMappingURL` comment names are
reached too. The server logs every path it is asked for and the bytes it sent; curl then
fetches exactly the URLs scan-url fetched, with the same concurrency (`curl --parallel`), so
the ratio is the cost of scanning over the cost of fetching.

Runs are paired (scan-url, then curl, back to back) after one untimed warm-up of each; the
load average is printed with every pair, and the ratio is the ratio of the medians.

    python bench/scan_url_bench.py          # --bundles DIR --runs 5 --concurrency 8 --jobs N

Timings on a shared machine are rough: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_BUNDLES = Path("/work/bench-data/bundles")

SERVER = r"""
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

root, log_path, page, manifest = sys.argv[1:5]
generated = {
    "/": (page.encode(), "text/html"),
    "/asset-manifest.json": (manifest.encode(), "application/json"),
}
log = open(log_path, "a", buffering=1)


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every real server does
    disable_nagle_algorithm = True  # headers, then the body: no 40 ms delayed-ACK stall

    def do_GET(self):
        if self.path in generated:
            body, ctype = generated[self.path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            log.write(f"{self.path} {len(body)}\n")
            return
        source = self.send_head()
        if source is None:
            log.write(f"{self.path} 0\n")
            return
        with source:
            size = os.fstat(source.fileno()).st_size
            self.wfile.flush()
            self.connection.sendfile(source)  # zero-copy: the server is not what is measured
        log.write(f"{self.path} {size}\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=root))
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _page(files: list[str]) -> str:
    scripts = [f for f in files if f.endswith((".js", ".mjs"))]
    tags = "".join(f'<script src="/{html.escape(s)}"></script>\n' for s in scripts)
    return f"<!doctype html><html><head>\n{tags}</head><body></body></html>\n"


def _manifest(files: list[str]) -> str:
    """`asset-manifest.json` as Create React App writes it: file name -> URL path."""
    return json.dumps({"files": {f: "/" + f for f in files}, "entrypoints": []})


def _autype_guard() -> list[str]:
    found = shutil.which("autype-guard")
    if found:
        return [found]
    return [sys.executable, "-m", "autype_guard"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--jobs", type=int, default=None, help="scan-url --jobs (default: its own, every core)"
    )
    parser.add_argument("--no-disk", action="store_true", help="skip the scan from disk")
    args = parser.parse_args()
    if not args.bundles.is_dir():
        print(f"no bundles at {args.bundles}: run bench/build_corpora.py first", file=sys.stderr)
        return 2
    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 2
    files = _files(args.bundles)
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "requests.log"
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER,
                str(args.bundles),
                str(log_path),
                _page(files),
                _manifest(files),
            ],
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


def _logged(log_path: Path) -> list[tuple[str, int]]:
    out = []
    for line in log_path.read_text().splitlines():
        path, _, size = line.rpartition(" ")
        out.append((path, int(size)))
    return out


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - started, proc


def _compare(base: str, log_path: Path, tmp: Path, args: argparse.Namespace) -> int:
    command = [
        *_autype_guard(),
        "scan-url",
        f"{base}/",
        "--format",
        "json",
        "--concurrency",
        str(args.concurrency),
        *(["--jobs", str(args.jobs)] if args.jobs is not None else []),
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
    # Warm-up (page cache, imports) and the list of URLs scan-url fetches.
    log_path.write_text("")
    _, proc = _timed(command)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return 2
    fetched = _logged(log_path)
    paths = sorted(path for path, _ in fetched)
    size = sum(n for _, n in fetched)
    found = json.loads(proc.stdout)
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
    subprocess.run(curl, check=False)  # warm-up
    print(
        f"URLs fetched: {len(urls)} ({size / 1e6:.1f} MB), concurrency {args.concurrency},"
        f" --jobs {'default' if args.jobs is None else args.jobs},"
        f" findings {len(found.get('findings', []))}"
    )
    scan_times, curl_times = [], []
    for run in range(args.runs):
        load = os.getloadavg()[0]
        log_path.write_text("")
        scan, proc = _timed(command)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 2
        again = sorted(path for path, _ in _logged(log_path))
        if again != paths:
            print(f"run {run}: scan-url fetched {len(again)} URLs, not {len(paths)}")
            return 2
        fetch, _ = _timed(curl)
        scan_times.append(scan)
        curl_times.append(fetch)
        print(
            f"  pair {run + 1}: scan-url {scan:.3f}s  curl {fetch:.3f}s"
            f"  ratio {scan / fetch:.2f}x  (load {load:.2f})"
        )
    scan, fetch = statistics.median(scan_times), statistics.median(curl_times)
    print(f"scan-url (fetch + scan): median {scan:.3f}s of {args.runs}")
    print(f"curl (fetch only):       median {fetch:.3f}s of {args.runs}")
    print(
        f"ratio scan-url / curl:   {scan / fetch:.2f}x"
        f"  (cores: {os.cpu_count()}, load now {os.getloadavg()[0]:.2f})"
    )
    if not args.no_disk:
        _from_disk(paths, tmp, args)
    return 0


def _from_disk(paths: list[str], tmp: Path, args: argparse.Namespace) -> None:
    """The same files scanned from disk: what scanning alone costs. Hard links (a copy
    across file systems): a scan passes over symbolic links."""
    listed = tmp / "files"
    listed.mkdir()
    for path in paths:
        source = args.bundles / path.lstrip("/")
        if path != "/" and source.is_file():
            target = listed / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
    for jobs in sorted({1, 0 if args.jobs is None else args.jobs}):
        disk = [*_autype_guard(), "scan", str(listed), "--jobs", str(jobs), "--exit-zero"]
        times = [_timed([*disk, "--quiet", "--no-ignore"])[0] for _ in range(args.runs)]
        print(f"scan -j{jobs} of the same files from disk: median {statistics.median(times):.3f}s")


if __name__ == "__main__":
    sys.exit(main())
