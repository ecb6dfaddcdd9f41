"""`scan-url`: what a browser gets from a deployed site, fetched from real HTTP servers on
127.0.0.1 (started here, serving files the tests write) and scanned as browser code."""

from __future__ import annotations

import gzip
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

import jsonschema
import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from autype_guard.baseline import baseline_path
from autype_guard.config import Config
from autype_guard.engine import ScanOptions, engine_for
from autype_guard.report import FORMATS
from autype_guard.sources.web import (
    UrlTarget,
    _Policy,
    json_links,
    page_links,
    scan_urls,
    script_links,
)

from .conftest import fake_key
from .test_cli import run

DATA = Path(__file__).parent / "data"

# A route answers a request itself: (status, headers, body), or None to serve the file.
Route = Callable[["_Handler"], Optional[tuple[int, dict[str, str], bytes]]]


@dataclass
class Site:
    """A local HTTP server over a directory, with extra routes and a request log."""

    root: Path
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)  # client (host, port)
    url: str = ""

    def write(self, path: str, text: str | bytes) -> None:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.log]


class _Handler(SimpleHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        # Repeated headers joined, as HTTP reads them: a duplicate would show.
        headers = {name: ", ".join(self.headers.get_all(name) or ()) for name in self.headers}
        self.site.log.append((self.path, headers))
        self.site.connections.add(self.client_address)
        route = self.site.routes.get(self.path.split("?", 1)[0])
        answer = route(self) if route is not None else None
        if answer is None:
            super().do_GET()
            return
        status, headers, body = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # a full accept queue drops connections (retried 1 s later)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a trickling response: expected here


@contextmanager
def serve(
    root: Path, *, keep_alive: bool = False, tls: Optional[ssl.SSLContext] = None
) -> Iterator[Site]:
    """A site on 127.0.0.1; `keep_alive`: answers in HTTP/1.1, keeping connections open;
    `tls`: over https with that server context, named `localhost` in its URL."""
    root.mkdir(parents=True, exist_ok=True)
    site = Site(root)
    attributes: dict[str, Any] = {"site": site}
    if keep_alive:
        attributes["protocol_version"] = "HTTP/1.1"
        # Headers and body are separate writes: without this, each answer on a kept
        # connection waits for the client's delayed acknowledgement (40 ms).
        attributes["disable_nagle_algorithm"] = True
    handler = type("Handler", (_Handler,), attributes)
    server = _Server(("127.0.0.1", 0), partial(handler, directory=str(root)))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        site.url = f"https://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with serve(tmp_path / "site") as s:
        yield s


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Site]:
    with serve(tmp_path / "other") as s:
        yield s


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def scan_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run("scan-url", "--format", "json", *args)
    return code, json.loads(out), err


def notes_of(doc: dict[str, Any]) -> list[str]:
    return [note["message"] for note in doc["notes"]]


def errors_of(doc: dict[str, Any]) -> list[str]:
    return [f"{error['path']}: {error['message']}" for error in doc["errors"]]


def findings_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = doc["findings"]
    return found


# --- what is discovered ------------------------------------------------------------------


def test_a_key_in_a_chunk_reachable_only_through_the_next_build_manifest(site: Site) -> None:
    key = fake_key()
    site.write(
        "index.html",
        '<!DOCTYPE html><html><head><script src="/_next/static/chunks/main-aa11.js" defer>'
        '</script><script src="/_next/static/b1d/_buildManifest.js" defer></script></head>'
        '<body><div id="__next"></div></body></html>',
    )
    site.write("_next/static/chunks/main-aa11.js", "console.log('main');\n")
    site.write(
        "_next/static/b1d/_buildManifest.js",
        'self.__BUILD_MANIFEST={__rewrites:{afterFiles:[]},"/":["static/chunks/pages/index-'
        'cc33.js"],"/about":["static/chunks/pages/about-dd44.js"],sortedPages:["/","/about"]};'
        "self.__BUILD_MANIFEST_CB&&self.__BUILD_MANIFEST_CB();",
    )
    site.write("_next/static/chunks/pages/index-cc33.js", "export default 1;\n")
    chunk = f'(self.webpackChunk=self.webpackChunk||[]).push([[1],{{9:e=>{{e.k="{key}"}}}}]);'
    site.write("_next/static/chunks/pages/about-dd44.js", chunk)
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    (hit,) = findings_of(doc)
    assert hit["code"] == "AG102"
    assert hit["path"] == site.url + "/_next/static/chunks/pages/about-dd44.js"
    assert (hit["line"], hit["column"]) == (1, chunk.index(key) + 1)
    assert key not in json.dumps(doc)


def test_a_key_only_in_a_source_maps_sources_content_names_the_original_file(
    site: Site,
) -> None:
    key = fake_key()
    site.write(
        "index.html",
        '<!doctype html><html><head><script type="module" crossorigin '
        'src="/assets/index-4f2a9c1b.js"></script></head><body><div id="app"></div></body></html>',
    )
    site.write(
        "assets/index-4f2a9c1b.js",
        'const t=()=>fetch("/api/render");t();\n//# sourceMappingURL=index-4f2a9c1b.js.map\n',
    )
    source = f'export const render = () => fetch("/api/render");\nconst key = "{key}";\n'
    site.write(
        "assets/index-4f2a9c1b.js.map",
        json.dumps(
            {
                "version": 3,
                "file": "index-4f2a9c1b.js",
                "sources": ["../../src/main.ts"],
                "sourcesContent": [source],
                "names": [],
                "mappings": "AAAA",
            }
        ),
    )
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    (hit,) = findings_of(doc)
    assert hit["code"] == "AG102"
    assert hit["path"] == site.url + "/assets/index-4f2a9c1b.js.map"
    assert hit["related"][0]["path"] == "src/main.ts"
    assert hit["related"][0]["line"] == 2


def test_a_key_in_inline_next_data(site: Site) -> None:
    key = fake_key()
    data = {"props": {"pageProps": {"autypeKey": key}}, "page": "/", "buildId": "b1d"}
    site.write(
        "index.html",
        '<!DOCTYPE html><html><body><div id="__next"></div><script id="__NEXT_DATA__" '
        f'type="application/json">{json.dumps(data)}</script></body></html>',
    )
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    (hit,) = findings_of(doc)
    assert hit["code"] == "AG102"
    assert hit["path"] == site.url + "/"
    # buildId leads to the build manifest; it is not deployed here: a note, not an error.
    assert site.url + "/_next/static/b1d/_buildManifest.js" in " ".join(notes_of(doc))


def test_a_key_in_a_service_worker_registered_from_an_inline_script(site: Site) -> None:
    key = fake_key()
    site.write(
        "index.html",
        "<html><body><script>if('serviceWorker' in navigator){"
        "navigator.serviceWorker.register('/sw.js',{scope:'/'})}</script></body></html>",
    )
    site.write("sw.js", f"self.addEventListener('fetch',e=>{{const k='{key}';}});\n")
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    (hit,) = findings_of(doc)
    assert hit["path"] == site.url + "/sw.js"
    assert hit["code"] == "AG102"


def test_modulepreload_import_maps_dynamic_imports_and_workers_are_followed(site: Site) -> None:
    keys = [fake_key() for _ in range(5)]
    site.write(
        "index.html",
        '<html><head><link rel="modulepreload" href="/m/pre.js">'
        '<script type="importmap">{"imports": {"lib": "/m/lib.js"}}</script>'
        '<script type="module">import("lib"); import("./m/dyn.js");'
        "new Worker(new URL('./m/work.js', import.meta.url));</script>"
        '<link rel="preload" as="script" href="/m/late.js"></head></html>',
    )
    for name, key in zip(("pre", "lib", "dyn", "work", "late"), keys, strict=True):
        site.write(f"m/{name}.js", f'export const k = "{key}";\n')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert sorted(f["path"] for f in findings_of(doc)) == sorted(
        f"{site.url}/m/{name}.js" for name in ("pre", "lib", "dyn", "work", "late")
    )


def test_vite_and_cra_manifests_and_webpack_chunk_tables(site: Site) -> None:
    keys = [fake_key() for _ in range(3)]
    site.write("index.html", "<html><body><div id=root></div></body></html>")
    site.write(".vite/manifest.json", json.dumps({"src/main.ts": {"file": "assets/a-1a2b3c.js"}}))
    site.write("assets/a-1a2b3c.js", f'const k="{keys[0]}";')
    site.write(
        "asset-manifest.json",
        json.dumps({"files": {"main.js": "/static/js/main.5e6f.js"}, "entrypoints": []}),
    )
    site.write(
        "static/js/main.5e6f.js",
        'r.p="/";r.u=e=>"static/js/"+e+"."+{12:"9a8b7c",34:"1d2e3f"}[e]+".chunk.js";',
    )
    site.write("static/js/12.9a8b7c.chunk.js", f'const k="{keys[1]}";')
    site.write("static/js/34.1d2e3f.chunk.js", f'const k="{keys[2]}";')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert sorted(f["path"] for f in findings_of(doc)) == [
        f"{site.url}/assets/a-1a2b3c.js",
        f"{site.url}/static/js/12.9a8b7c.chunk.js",
        f"{site.url}/static/js/34.1d2e3f.chunk.js",
    ]


def test_linked_pages_are_followed_only_with_depth(site: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><body><a href="/about.html">About</a></body></html>')
    site.write("about.html", f"<html><body><script>const k = '{key}';</script></body></html>")
    code, _, _ = scan_json(site.url + "/")
    assert code == 0
    assert "/about.html" not in site.paths
    code, doc, _ = scan_json(site.url + "/", "--depth", "1")
    assert code == 1
    assert findings_of(doc)[0]["path"] == site.url + "/about.html"


def test_a_framed_page_is_loaded_with_its_page(site: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><iframe src="/embed/preview.html"></iframe></html>')
    site.write("embed/preview.html", f"<html><script>const k = '{key}';</script></html>")
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert [f["path"] for f in findings_of(doc)] == [site.url + "/embed/preview.html"]


def test_chunks_named_only_in_app_router_flight_data_are_followed(site: Site) -> None:
    key = fake_key()
    flight = r"1:I[8114,[\"static/chunks/app/dashboard/page-33ab.js\"],\"default\"]"
    site.write(
        "index.html",
        '<html><script src="/_next/static/chunks/main-app-1a2b.js" async></script>'
        f'<script>(self.__next_f=self.__next_f||[]).push([1,"{flight}"])</script></html>',
    )
    site.write("_next/static/chunks/main-app-1a2b.js", "console.log(1);\n")
    site.write("_next/static/chunks/app/dashboard/page-33ab.js", f'const k="{key}";\n')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert "/_next/static/chunks/app/dashboard/page-33ab.js" in site.paths
    assert findings_of(doc)[0]["path"].endswith("/app/dashboard/page-33ab.js")


# --- where requests go -------------------------------------------------------------------


def test_a_script_on_another_origin_is_not_fetched_unless_allowed(site: Site, other: Site) -> None:
    key = fake_key()
    site.write("index.html", f'<html><head><script src="{other.url}/cdn.js"></script></head>')
    other.write("cdn.js", f'const k = "{key}";')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 0
    assert other.log == []
    assert any("not an allowed origin" in note for note in notes_of(doc))
    code, doc, _ = scan_json(site.url + "/", "--allow-origin", other.url)
    assert code == 1
    assert other.paths == ["/cdn.js"]
    assert findings_of(doc)[0]["path"] == other.url + "/cdn.js"


def test_a_redirect_to_another_origin_is_not_followed(site: Site, other: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><script src="/go.js"></script></html>')
    site.routes["/go.js"] = lambda _h: (302, {"Location": other.url + "/x.js"}, b"")
    other.write("x.js", f'const k = "{key}";')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 0
    assert other.log == []
    assert any("redirect to another origin not followed" in note for note in notes_of(doc))
    # A start URL redirected elsewhere is an error.
    site.routes["/start"] = lambda _h: (301, {"Location": other.url + "/"}, b"")
    code, doc, _ = scan_json(site.url + "/start")
    assert code == 2
    assert other.log == []
    # Within the origin a redirect is followed.
    site.routes["/here.js"] = lambda _h: (307, {"Location": "/real.js"}, b"")
    site.write("real.js", f'const k = "{key}";')
    site.write("page.html", '<html><script src="/here.js"></script></html>')
    code, doc, _ = scan_json(site.url + "/page.html")
    assert code == 1
    assert findings_of(doc)[0]["path"] == site.url + "/real.js"


def test_headers_and_cookies_go_to_the_start_origin_only(site: Site, other: Site) -> None:
    site.write("index.html", f'<html><script src="{other.url}/a.js"></script></html>')
    other.write("a.js", "let a = 1;")
    code, _, _ = scan_json(
        site.url + "/",
        "--allow-origin",
        other.url,
        "--header",
        "Authorization: Basic dXNlcjpwdw==",
        "--cookie",
        "preview=1",
    )
    assert code == 0
    (start_headers,) = [h for p, h in site.log if p == "/"]
    assert start_headers["Authorization"] == "Basic dXNlcjpwdw=="
    assert start_headers["Cookie"] == "preview=1"
    (cdn_headers,) = [h for _, h in other.log]
    assert "Authorization" not in cdn_headers and "Cookie" not in cdn_headers
    # A User-Agent of the user's own replaces the default (only where headers go).
    run("scan-url", site.url + "/", "--header", "User-Agent: Mozilla/5.0 test")
    assert [h["User-Agent"] for p, h in site.log if p == "/"][-1] == "Mozilla/5.0 test"


@pytest.fixture
def tls_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A site over https whose certificate (for localhost) a test CA issued; the scan trusts
    that CA through SSL_CERT_FILE, as a CI job trusts a corporate one."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    trusted = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(trusted))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    with serve(tmp_path / "tls-site", tls=context) as s:
        yield s


def test_a_site_over_https_is_fetched_verified_and_scanned(tls_site: Site) -> None:
    key = fake_key()
    tls_site.write("index.html", '<html><script src="/assets/app.js"></script></html>')
    tls_site.write("assets/app.js", f'const client = new Autype({{ apiKey: "{key}" }});')
    code, doc, _ = scan_json(tls_site.url + "/", "--header", "Authorization: Bearer preview")
    assert code == 1
    assert [(f["path"], f["code"]) for f in findings_of(doc)] == [
        (tls_site.url + "/assets/app.js", "AG102")
    ]
    (start,) = [h for p, h in tls_site.log if p == "/"]
    assert start["Authorization"] == "Bearer preview"


def test_an_untrusted_certificate_is_a_failed_start_url(
    tls_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))
    tls_site.write("index.html", "<html></html>")
    code, out, err = run("scan-url", tls_site.url + "/")
    assert code == 2
    assert "certificate could not be verified (unable to get local issuer" in out + err
    assert "Traceback" not in out + err
    assert tls_site.log == []  # no request went over the unverified connection


def test_a_url_holding_a_key_is_never_requested_and_is_a_masked_finding(site: Site) -> None:
    key = fake_key()
    site.write("index.html", "<html><body>hi</body></html>")
    code, doc, _ = scan_json(f"{site.url}/?key={key}")
    assert code == 1
    assert site.log == [] or all(key not in path for path in site.paths)
    (hit,) = findings_of(doc)
    assert key not in json.dumps(doc)
    assert hit["path"].endswith(key[-4:])
    # A script URL with a key in a page: the page's finding (one), no request carries it.
    site.write("page.html", f'<html><script src="/x.js?k={key}"></script></html>')
    code, doc, _ = scan_json(f"{site.url}/page.html")
    assert code == 1
    assert [f["path"] for f in findings_of(doc)] == [f"{site.url}/page.html"]
    assert any("a URL holding a key was not requested" in n for n in notes_of(doc))
    assert all(key not in path for path in site.paths)
    assert key not in json.dumps(doc)
    # A SourceMap header naming a URL with a key: that URL is the finding.
    site.write("app.js", "let a = 1;")
    site.routes["/app.js"] = lambda _h: (
        200,
        {"Content-Type": "text/javascript", "SourceMap": f"/app.js.map?token={key}"},
        b"let a = 1;",
    )
    site.write("p2.html", '<html><script src="/app.js"></script></html>')
    code, doc, _ = scan_json(f"{site.url}/p2.html")
    assert code == 1
    (hit,) = findings_of(doc)
    assert hit["path"].startswith(f"{site.url}/app.js.map?token=ak_...")
    assert all(key not in path for path in site.paths)
    assert key not in json.dumps(doc)


# --- bounds ------------------------------------------------------------------------------


def test_a_gzip_bomb_is_capped_and_the_run_exits_2(site: Site) -> None:
    bomb = gzip.compress(b"\0" * (8 << 20), 9)
    site.write("index.html", '<html><script src="/bomb.js"></script></html>')
    site.routes["/bomb.js"] = lambda _h: (
        200,
        {"Content-Type": "text/javascript", "Content-Encoding": "gzip"},
        bomb,
    )
    started = time.monotonic()
    code, doc, _ = scan_json(site.url + "/", "--max-file-bytes", "1M")
    assert time.monotonic() - started < 10
    assert code == 2
    assert any("limit per file" in e for e in errors_of(doc))
    code, _, _ = scan_json(site.url + "/", "--max-file-bytes", "1M", "--allow-unreadable")
    assert code == 0
    # A plain file whose Content-Length is over the limit is not read at all.
    site.write("big.js", "/" * (2 << 20))
    site.write("page.html", '<html><script src="/big.js"></script></html>')
    code, doc, _ = scan_json(site.url + "/page.html", "--max-file-bytes", "1M")
    assert code == 2
    assert errors_of(doc) == [f"{site.url}/big.js: larger than the 1048576-byte limit per file"]


def test_a_slow_server_does_not_hold_the_run_past_its_deadline(site: Site) -> None:
    def trickle(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/javascript")
        handler.end_headers()
        try:
            for _ in range(80):  # one byte every 0.1 s: never idle long enough to time out
                handler.wfile.write(b"/")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up

    site.write("index.html", '<html><script src="/slow.js"></script></html>')
    site.routes["/slow.js"] = lambda h: (trickle(h), None)[1]  # type: ignore[func-returns-value]
    started = time.monotonic()
    code, doc, _ = scan_json(site.url + "/", "--timeout", "5", "--deadline", "0.8")
    assert time.monotonic() - started < 4  # the server trickles for 8 s
    assert code == 2
    assert errors_of(doc) == [f"{site.url}/slow.js: the run's deadline passed"]
    started = time.monotonic()
    code, doc, _ = scan_json(site.url + "/", "--timeout", "0.5")
    assert time.monotonic() - started < 4
    assert code == 2
    assert errors_of(doc) == [f"{site.url}/slow.js: timed out after 0.5s"]


def test_a_failing_start_url_exits_2_and_a_missing_discovered_file_is_a_note(site: Site) -> None:
    code, doc, _ = scan_json(site.url + "/nothing-here.html")
    assert code == 2
    assert errors_of(doc) == [f"{site.url}/nothing-here.html: HTTP 404"]
    site.write("index.html", '<html><script src="/gone.js"></script></html>')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 0
    assert any("/gone.js" in note for note in notes_of(doc))
    key = fake_key()
    code, _, err = run("scan-url", "http://h/", "--header", "Host: evil.example")
    assert code == 2 and "set by autype-guard itself" in err
    code, _, err = run("scan-url", f"ftp://example.com/?k={key}")
    assert code == 2
    assert "absolute http:// or https:// URL" in err
    assert key not in err


def test_max_files_is_a_cap(site: Site) -> None:
    site.write("index.html", '<html><script src="/a.js"></script><script src="/b.js"></script>')
    site.write("a.js", "1")
    site.write("b.js", "2")
    code, doc, _ = scan_json(site.url + "/", "--max-files", "2")
    assert code == 2
    assert any("limit of 2 files" in e for e in errors_of(doc))


# --- output ------------------------------------------------------------------------------


def test_sarif_is_valid_with_the_url_as_uri(site: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><script src="/app.js?v=3"></script></html>')
    site.write(
        "app.js",
        f'fetch("https://api.autype.com/api/v1/dev/images",{{headers:{{"X-API-Key":"{key}"}}}});',
    )
    code, out, _ = run("scan-url", "--format", "sarif", site.url + "/")
    assert code == 1
    doc = json.loads(out)
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    results = doc["runs"][0]["results"]
    assert results
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": site.url + "/app.js?v=3"}
        assert location["region"]["startLine"] == 1
    assert key not in out


def test_github_annotations_carry_no_file(site: Site) -> None:
    key = fake_key()
    site.write("index.html", f"<html><script>var k = '{key}';</script></html>")
    code, out, _ = run("scan-url", "--format", "github", site.url + "/")
    assert code == 1
    (annotation,) = [line for line in out.splitlines() if line.startswith("::error")]
    assert "file=" not in annotation
    assert site.url.replace(":", "%3A") not in annotation  # in the message, not a property
    assert f"{site.url}/:1:" in annotation
    code, out, _ = run("scan-url", site.url + "/")
    assert f"{site.url}/:1:" in out


def test_baselines_store_the_url_without_its_query_and_ignores_match_its_path(
    site: Site, tmp_path: Path
) -> None:
    key = fake_key()
    site.write("index.html", '<html><script src="/js/app.js?v=1"></script></html>')
    site.write("js/app.js", f'const k = "{key}";')
    report = scan_urls(UrlTarget((site.url + "/",)), engine_for(Config(), ScanOptions()))
    (hit,) = report.findings
    assert hit.path == site.url + "/js/app.js?v=1"
    assert baseline_path(hit.path, tmp_path) == site.url + "/js/app.js"
    entry = {"rule": "AG102", "path": site.url + "/js/app.js", "fingerprint": hit.fingerprint}
    (tmp_path / "base.json").write_text(json.dumps({"version": 1, "findings": [entry]}))
    site.write("index.html", '<html><script src="/js/app.js?v=2"></script></html>')
    code, doc, _ = scan_json(site.url + "/", "--baseline", str(tmp_path / "base.json"))
    assert code == 0
    assert doc["summary"]["baselined"] == 1
    (tmp_path / "pyproject.toml").write_text(
        '[tool.autype-guard]\nper-file-ignores = { "js/*.js" = ["AG102"] }\n'
    )
    code, doc, _ = scan_json(site.url + "/")
    assert code == 0


def test_baseline_from_urls_then_scan_url_reports_only_new_keys(site: Site) -> None:
    old, new = fake_key(), fake_key()
    site.write("index.html", '<html><script src="/app.js?v=1"></script></html>')
    site.write("app.js", f'const k = "{old}";')
    code, _, err = run("baseline", site.url + "/", "-o", "base.json", "--max-files", "9")
    assert code == 0, err
    entries = json.loads(Path("base.json").read_text())["findings"]
    assert [e["path"] for e in entries] == [site.url + "/app.js"]
    site.write("index.html", '<html><script src="/app.js?v=2"></script></html>')
    code, doc, _ = scan_json(site.url + "/", "--baseline", "base.json")
    assert code == 0
    site.write("app.js", f'const k = "{old}"; const j = "{new}";')
    code, doc, _ = scan_json(site.url + "/", "--baseline", "base.json")
    assert code == 1
    assert [f["preview"][-4:] for f in findings_of(doc)] == [new[-4:]]
    code, _, err = run("baseline", site.url + "/", ".")
    assert code == 2 and "paths or URLs" in err
    code, _, err = run("baseline", ".", "--depth", "1")
    assert code == 2 and "--depth only works with URLs" in err


def test_gzip_and_brotli_encoded_responses_are_decoded(site: Site) -> None:
    brotli = pytest.importorskip("brotli")
    keys = [fake_key(), fake_key()]
    site.write("index.html", '<html><script src="/g.js"></script><script src="/b.js"></script>')
    site.routes["/g.js"] = lambda _h: (
        200,
        {"Content-Type": "text/javascript", "Content-Encoding": "gzip"},
        gzip.compress(f'const k = "{keys[0]}";'.encode()),
    )
    site.routes["/b.js"] = lambda _h: (
        200,
        {"Content-Type": "text/javascript", "Content-Encoding": "br"},
        brotli.compress(f'\nconst k = "{keys[1]}";'.encode()),
    )
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    got = sorted((f["path"], f["line"]) for f in findings_of(doc))
    assert got == [(site.url + "/b.js", 2), (site.url + "/g.js", 1)]
    assert "br" in site.log[-1][1]["Accept-Encoding"]


def test_two_urls_redirected_to_one_file_scan_it_once(site: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><script src="/a.js"></script><script src="/b.js"></script>')
    site.routes["/a.js"] = lambda _h: (302, {"Location": "/app.js"}, b"")
    site.routes["/b.js"] = lambda _h: (302, {"Location": "/app.js"}, b"")
    site.write("app.js", f'const k = "{key}";')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert [f["path"] for f in findings_of(doc)] == [site.url + "/app.js"]


def test_depth_never_follows_pages_on_other_origins(site: Site, other: Site) -> None:
    site.write("index.html", f'<html><a href="{other.url}/page.html">x</a></html>')
    other.write("page.html", "<html></html>")
    code, _, _ = scan_json(site.url + "/", "--depth", "2", "--allow-origin", other.url)
    assert code == 0
    assert other.log == []


def test_verify_checks_keys_found_on_a_site_against_the_api(site: Site) -> None:
    from .autype_stand_in import AutypeStandIn

    live = fake_key()
    site.write("index.html", f"<html><script>const k = '{live}';</script></html>")
    with AutypeStandIn(live=[live]) as api:
        code, out, err = run("scan-url", "--verify", "--api-url", api.api_url, site.url + "/")
    assert code == 1
    assert "1 key checked" in err and "1 live" in err
    assert "verified: live" in out


def test_the_library_scans_urls_too(site: Site) -> None:
    from autype_guard.api import scan_urls as api_scan_urls

    key = fake_key()
    site.write("index.html", f"<html><script>const k = '{key}';</script></html>")
    report = api_scan_urls((site.url + "/",), depth=0, max_files=5)
    assert [f.code for f in report.findings] == ["AG102"]


_PIECES = [
    *"<>/=\"' ab{}[]():+.,;\n",
    "<script",
    "</script>",
    "src=",
    "import(",
    "from",
    "new Worker(",
    "importScripts(",
    "sourceMappingURL=",
    "+{",
    "}[e]",
    ".js",
    "static/",
    "<link rel=modulepreload href=",
    '"buildId":"',
    "type=importmap",
    '{"imports":{',
    "<base href=",
    "http://",
    "http://[::1",
    "//[x",
    "../",
]
_MARKUP = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(max_examples=200, deadline=None)
@given(_MARKUP)
def test_discovery_never_raises_on_any_text(text: str) -> None:
    bases = ("http://h/", "http://h/_next/static/x/a.js", "http://h/.vite/manifest.json")
    for base in bases:
        links, _ = page_links(text, base)
        links += list(script_links(text, base, {}))
        links += list(script_links(text.encode("utf-8", "surrogatepass"), base, {}))
        links += list(json_links(text, base))
        assert all(isinstance(link.url, str) for link in links)


def test_browser_rules_run_on_fetched_code_and_the_web_app_manifest(site: Site) -> None:
    key = fake_key()
    site.write(
        "index.html",
        '<html><head><link rel="manifest" href="/site.webmanifest">'
        '<script src="/a.js"></script></head></html>',
    )
    site.write("site.webmanifest", json.dumps({"name": "x", "autype_key": key}))
    site.write(
        "a.js",
        'fetch("https://api.autype.com/api/v1/dev/projects",{headers:{Authorization:'
        '"Bearer "+process.env.NEXT_PUBLIC_AUTYPE_API_KEY}});',
    )
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert sorted((f["code"], f["path"].rsplit("/", 1)[1]) for f in findings_of(doc)) == [
        ("AG102", "site.webmanifest"),
        ("AG201", "a.js"),
        ("AG301", "a.js"),
    ]


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_names_the_url_and_never_the_key(site: Site, output_format: str) -> None:
    key = fake_key()
    site.write("index.html", '<html><script src="/app.js"></script></html>')
    site.write("app.js", f'const k = "{key}";')
    code, out, _ = run("scan-url", "--format", output_format, site.url + "/")
    assert code == 1
    assert site.url + "/app.js" in out
    assert key not in out


def test_max_bytes_per_run_is_a_cap(site: Site) -> None:
    site.write("index.html", '<html><script src="/a.js"></script><script src="/b.js"></script>')
    site.write("a.js", "/" * 3000)
    site.write("b.js", "/" * 3000)
    code, doc, _ = scan_json(site.url + "/", "--max-bytes", "2k", "--concurrency", "1")
    assert code == 2
    assert any("bytes per run" in e for e in errors_of(doc))


def test_credentials_go_only_to_start_origins_over_https_or_loopback() -> None:
    policy = _Policy(
        UrlTarget(
            ("http://example.com/", "http://localhost:4173/"),
            allow_origins=("cdn.example.com",),
            headers=(("Authorization", "Basic x"),),
            cookie="a=b",
        )
    )
    assert policy.credentials_for(("http", "example.com", 80)) == []  # clear text
    assert policy.credentials_for(("https", "example.com", 443)) != []  # its https side
    assert policy.credentials_for(("http", "localhost", 4173)) != []
    assert policy.credentials_for(("https", "cdn.example.com", 443)) == []
    assert policy.may_fetch(("https", "cdn.example.com", 443))
    assert not policy.may_fetch(("https", "evil.example", 443))


def test_malformed_urls_in_a_page_or_a_redirect_are_skipped(site: Site) -> None:
    key = fake_key()
    site.write(
        "index.html",
        '<html><script src="http://[::1/a.js"></script><script src="/r.js"></script>'
        '<script src="/ok.js"></script></html>',
    )
    site.routes["/r.js"] = lambda _h: (302, {"Location": "http://a]b/"}, b"")
    site.write("ok.js", f'const k = "{key}";')
    code, doc, _ = scan_json(site.url + "/")
    assert code == 2  # the broken redirect of a discovered script is an error
    assert [f["path"] for f in findings_of(doc)] == [site.url + "/ok.js"]
    assert errors_of(doc) == [f"{site.url}/r.js: HTTP 302 to a URL that is not http(s)"]


def test_stylesheets_and_their_imports_are_scanned(site: Site) -> None:
    key = fake_key()
    site.write("index.html", '<html><link rel="stylesheet" href="/css/a.css"></html>')
    site.write("css/a.css", '@import url("b.css");\nbody{color:red}')
    site.write("css/b.css", f"/* {key} */ body{{color:blue}}")
    code, doc, _ = scan_json(site.url + "/")
    assert code == 1
    assert [f["path"] for f in findings_of(doc)] == [site.url + "/css/b.css"]


def test_the_text_summary_offers_no_inline_comment_for_a_deployed_file(site: Site) -> None:
    site.write("index.html", f"<html><script>const k = '{fake_key()}';</script></html>")
    code, out, _ = run("scan-url", site.url + "/")
    assert code == 1
    assert "list its fingerprint under `allowlist`" in out
    assert "ignore[CODE]" not in out
