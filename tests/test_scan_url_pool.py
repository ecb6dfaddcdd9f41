"""`scan-url` on sites large enough for worker processes (`--jobs`), kept-alive connections,
and the worker pool itself (`sources/fetchpool`)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autype_guard.sources import web
from autype_guard.sources.fetchpool import TaskFailed, ThreadedPool

from .conftest import fake_key
from .test_scan_url import Site, _Handler, errors_of, findings_of, notes_of, scan_json, serve

# More files than `web.POOL_AFTER`: the run moves to worker processes.
SCRIPTS = web.POOL_AFTER + 8


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with serve(tmp_path / "site") as s:
        yield s


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def big_site(tmp_path: Path) -> Iterator[tuple[Site, list[str]]]:
    """A site of SCRIPTS scripts with source maps (some named only by the build manifest),
    keys in three of them and in one map, a missing script and a gzip-encoded one."""
    with serve(tmp_path / "big", keep_alive=True) as site:
        keys = [fake_key() for _ in range(4)]
        tags = []
        for i in range(SCRIPTS):
            body = f"var a{i}=function(e){{return e+{i}}};" * 50
            if i in (3, 17, 29):
                body += f'var k="{keys[(3, 17, 29).index(i)]}";'
            if i % 2 == 0:
                body += f"\n//# sourceMappingURL=s{i}.js.map\n"
            site.write(f"js/s{i}.js", body)
            source = f"export const v{i} = {i};\n"
            if i == 8:
                source += f'const key = "{keys[3]}";\n'
            site.write(
                f"js/s{i}.js.map",
                json.dumps(
                    {
                        "version": 3,
                        "sources": [f"../src/s{i}.ts"],
                        "sourcesContent": [source],
                        "names": [],
                        "mappings": "AAAA",
                    }
                ),
            )
            tags.append(f'<script src="/js/s{i}.js"></script>')
        tags.append('<script src="/js/gone.js"></script><script src="/js/packed.js"></script>')
        packed = gzip.compress(f'const packed="{fake_key()}";'.encode())
        site.routes["/js/packed.js"] = lambda _h: (
            200,
            {"Content-Type": "text/javascript", "Content-Encoding": "gzip"},
            packed,
        )
        site.write("index.html", "<!doctype html><html><head>" + "".join(tags) + "</head></html>")
        # The odd maps are named by the build manifest only.
        files = {f"s{i}.js.map": f"/js/s{i}.js.map" for i in range(1, SCRIPTS, 2)}
        site.write("asset-manifest.json", json.dumps({"files": files, "entrypoints": []}))
        yield site, keys


def _cli(*args: str) -> tuple[int, dict[str, Any]]:
    """The command in a process of its own (the workers are then forked, as in real use)."""
    proc = subprocess.run(
        [sys.executable, "-m", "autype_guard", "scan-url", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stderr == "" or proc.returncode in (0, 1, 2), proc.stderr
    doc = json.loads(proc.stdout)
    doc["summary"].pop("elapsed_seconds")
    return proc.returncode, doc


def test_worker_processes_find_what_one_process_finds_in_the_same_order(
    big_site: tuple[Site, list[str]],
) -> None:
    site, _keys = big_site
    code1, one = _cli(site.url + "/", "--jobs", "1")
    count1 = len(site.log)
    code2, two = _cli(site.url + "/", "--jobs", "2")
    code3, again = _cli(site.url + "/", "--jobs", "2", "--concurrency", "3")
    assert code1 == code2 == code3 == 1
    assert one == two == again
    # Every script and map, the manifest and the page (and the missing script) were fetched.
    assert one["summary"]["files_scanned"] == 2 * SCRIPTS + 3
    assert len(site.log) == 3 * count1
    paths = [f["path"] for f in findings_of(one)]
    assert paths == sorted(paths)
    assert {p.rsplit("/", 1)[1] for p in paths} == {
        "s3.js",
        "s17.js",
        "s29.js",
        "s8.js.map",
        "packed.js",
    }
    assert any(f"{site.url}/js/gone.js (HTTP 404)" in note for note in notes_of(one))


def test_the_library_scans_a_large_site_with_worker_processes_too(
    big_site: tuple[Site, list[str]],
) -> None:
    from autype_guard.api import scan_urls
    from autype_guard.engine import ScanOptions

    site, _keys = big_site
    one = scan_urls((site.url + "/",), options=ScanOptions(jobs=1))
    two = scan_urls((site.url + "/",), options=ScanOptions(jobs=2))
    assert [(f.path, f.line, f.column, f.code) for f in one.findings] == [
        (f.path, f.line, f.column, f.code) for f in two.findings
    ]
    assert len(one.findings) == 5
    assert [r.path for r in one.files] == [r.path for r in two.files]


def test_connections_are_kept_alive_between_requests(big_site: tuple[Site, list[str]]) -> None:
    site, _keys = big_site
    code, _ = _cli(site.url + "/", "--jobs", "1", "--concurrency", "2")
    assert code == 1
    requests = len(site.log)
    assert requests == 2 * SCRIPTS + 5  # + the page, the 404, both manifests probed
    # Two threads, a few connections each at most (a 404 answer is not read: closed).
    assert len(site.connections) <= 8 < requests


def test_the_deadline_holds_with_worker_processes(tmp_path: Path) -> None:
    def trickle(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/javascript")
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        try:
            for _ in range(50):
                handler.wfile.write(b"/")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    with serve(tmp_path / "slow", keep_alive=True) as site:
        tags = "".join(f'<script src="/s{i}.js"></script>' for i in range(SCRIPTS))
        site.write("index.html", f"<html>{tags}</html>")
        for i in range(SCRIPTS):
            site.routes[f"/s{i}.js"] = lambda h: (trickle(h), None)[1]  # type: ignore[func-returns-value]
        started = time.monotonic()
        code, doc = _cli(site.url + "/", "--jobs", "2", "--deadline", "1.5", "--timeout", "9")
        assert time.monotonic() - started < 6
        assert code == 2
        errors = errors_of(doc)
        assert len(errors) == SCRIPTS
        assert all(e.endswith("deadline passed") for e in errors)


def test_a_response_cut_short_is_an_error(site: Site) -> None:
    def short(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/javascript")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"var a=1;")
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)  # closed 992 bytes early

    site.write("index.html", '<html><script src="/cut.js"></script></html>')
    site.routes["/cut.js"] = lambda h: (short(h), None)[1]  # type: ignore[func-returns-value]
    code, doc, _ = scan_json(site.url + "/")
    assert code == 2
    assert errors_of(doc) == [
        f"{site.url}/cut.js: the connection closed after 8 of 1000 bytes: only the first part"
        " scanned"
    ]


def test_imports_and_workers_written_across_lines_are_followed() -> None:
    script = (
        b'import {a} from\n  "./a.js";\nimport\t"./b.js";\nconst w = new Worker (\n"./w.js");\n'
        b'navigator.serviceWorker\n  .register("/sw.js");\nArray.from(x);import("./d.js")'
    )
    links = {link.url for link in web.script_links(script, "http://h/app/main.js", {})}
    assert links == {
        "http://h/app/a.js",
        "http://h/app/b.js",
        "http://h/app/w.js",
        "http://h/sw.js",
        "http://h/app/d.js",
    }


# --- the pool ------------------------------------------------------------------------------


def _square(n: int) -> int:
    if n == 13:
        os._exit(3)  # the process dies with its tasks
    if n == 7:
        raise ValueError("seven")
    return n * n


def _nothing() -> None:
    pass


def test_the_pool_returns_results_failures_and_the_tasks_of_a_process_that_died() -> None:
    pool = ThreadedPool(2, 2, _nothing, (), _square)
    try:
        assert pool.submit([(n, n) for n in range(10)])
        results: dict[int, Any] = {}
        deadline = time.monotonic() + 20
        while len(results) < 10 and time.monotonic() < deadline:
            done, lost = pool.wait(1.0)
            assert lost == []
            results.update(done)
        assert results == {n: TaskFailed("ValueError") if n == 7 else n * n for n in range(10)}
        assert pool.submit([(13, 13), (14, 14)])
        lost_ids: list[int] = []
        answered: dict[int, Any] = {}
        while len(lost_ids) + len(answered) < 2 and time.monotonic() < deadline:
            done, lost = pool.wait(1.0)
            answered.update(done)
            lost_ids.extend(lost)
        assert 13 in lost_ids
        assert set(lost_ids) | set(answered) == {13, 14}
        assert answered in ({}, {14: 196})  # 14 is lost too when it went to the same process
    finally:
        pool.close()
    assert not pool.alive
