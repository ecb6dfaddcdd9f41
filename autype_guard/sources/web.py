"""A deployed site as a source: what a browser gets from it, fetched and scanned.

`scan_urls` fetches each start page and everything a browser would load from it as code,
and hands each response to the engine as browser-shipped content (`Place.BROWSER`, whatever
its name), located by its URL; line and column are inside the fetched file.

Discovery (nothing fetched is ever executed; URLs are read from the text):
- HTML: `<script src>`, inline scripts (the page itself is scanned as HTML, inline scripts
  included; their text is also searched for the URLs below), `<link rel=modulepreload>`,
  `<link rel=preload|prefetch as=script|worker>`, stylesheets, `<link rel=manifest>`, import
  maps, `<iframe src>` pages (loaded with their page), the chunks the Next.js app router's
  flight data names (`self.__next_f.push(...)`), and with `depth` > 0 `<a href>` pages of
  the start origins (at most
  `MAX_DISCOVERED_PER_FILE` links per file, the first `MAX_PAGE_PARSED` characters).
- Scripts: dynamic `import("...")` and static imports of literal paths (bare specifiers
  through the page's import map), workers and service workers registered with a literal
  URL, `importScripts(...)`, `new URL("...", import.meta.url)`, webpack chunk-name tables of
  the plain `"prefix"+id+"."+{id:"hash"}[id]+".js"` shape, Next.js `_buildManifest.js`
  entries, and `sourceMappingURL` comments (and `SourceMap` response headers). Patterns run
  only in windows around literal needles (found in one SIMD pass each with `ahocorasick_rs`,
  else `bytes.find`): linear, no full decode.
- Stylesheets: `@import` and their source maps.
- Manifests: `asset-manifest.json` (Create React App) and `.vite/manifest.json` are asked
  for at each start origin; a missing one says nothing.
- `__NEXT_DATA__`'s `buildId` leads to the Next.js build manifest.

Policy:
- Only the start URLs' origins are fetched, plus hosts or origins in `allow_origins`; a
  URL elsewhere is listed in a note, never requested. Redirects are followed by hand, at
  most `MAX_REDIRECTS`, and only within allowed origins.
- NOTE: user `headers` and `cookie` are sent only to the start URLs' origins, and only over
  https or to a loopback host. A URL holding a key (`?key=ak_...`) is never requested, so
  no request carries a found key: a start URL, redirect target or `SourceMap` header
  holding one is a finding of its own (the URL masked); one written in a fetched file is
  that file's finding (and a note).
- Bounded: a total `deadline`, a whole-request `timeout` (a timer shuts the socket, so a
  server trickling bytes cannot hold a request open), `concurrency` requests at once, at
  most `max_files` responses and `max_bytes` per run and `max_file_bytes` per response,
  before and after decompression (gzip; brotli when the package is installed; zstd when
  the standard library or `zstandard` has it).
- A start URL that fails, a network error, a server error or a cap reached is a `Skip`
  with `error=True` (the run exits 2 unless `--allow-unreadable`); a 4xx answer for a
  discovered URL is a note only.

Running:
- Connections are kept alive per thread and origin. Once `POOL_AFTER` URLs wait, `jobs`
  worker processes (`fetchpool`) take over: each fetches a URL, scans it and reads it for
  links, and sends back only the result and the links; this process keeps the frontier,
  the policy, the budget and the report, sorted at the end so that it does not depend on
  the network or the number of workers.

Standard library only (`http.client`, threads, processes, `html.parser`; `ahocorasick_rs`
for the needles when installed): like the live check, nothing follows redirects or reads
proxy settings behind our back, and capped streaming reads need nothing more.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import ipaddress
import json
import posixpath
import re
import ssl
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html.parser import HTMLParser
from itertools import count
from typing import Any, Optional, Union
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from ..config import Config
from ..engine import Engine, ScanOptions, engine_for
from ..keys import redact
from ..model import BINARY, CLEAN, FileKind, FileResult, Place, ScanReport, Skip, is_clean
from ..netdeadline import ConnectionDeadline, stop_idle_watcher
from .archives import decompress
from .fetchpool import TaskFailed, ThreadedPool

USER_AGENT = "autype-guard"
MAX_REDIRECTS = 5
# Pages linked from the start pages are followed this deep at most, whatever is asked.
MAX_DEPTH = 5
# The most URLs one response can add (a hostile page listing a million scripts).
MAX_DISCOVERED_PER_FILE = 2000
# Links are looked for in this much of a page (the whole page is scanned for keys).
MAX_PAGE_PARSED = 4 * 1024 * 1024
_READ_SIZE = 1 << 20
_REDIRECTS = frozenset((301, 302, 303, 307, 308))


@dataclass(frozen=True)
class UrlTarget:
    """A `scan-url` run: start URLs, how far to follow, where and what may be fetched."""

    urls: tuple[str, ...]
    depth: int = 0
    allow_origins: tuple[str, ...] = ()  # hosts (`cdn.example.com`) or origins (`https://h:1`)
    headers: tuple[tuple[str, str], ...] = ()  # sent to the start origins only
    cookie: Optional[str] = None  # the Cookie header, likewise
    timeout: float = 10.0  # seconds, one whole request
    deadline: float = 120.0  # seconds, the whole run
    concurrency: int = 8
    max_files: int = 500
    max_bytes: int = 256 * 1024 * 1024
    max_file_bytes: int = 32 * 1024 * 1024


class UrlError(ValueError):
    """A start URL, origin or header that cannot be used; the message is one line."""


# --- URLs --------------------------------------------------------------------------------

Origin = tuple[str, str, int]  # scheme, lower-case host, port


@lru_cache(maxsize=256)
def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8, ::1 (and IPv4-mapped loopback)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@lru_cache(maxsize=4096)
def origin_of(url: str) -> Optional[Origin]:
    """The origin of an http(s) URL; None for anything else or a malformed one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


# Characters left as they are when a URL is cleaned; everything else is percent-encoded
# (spaces, quotes, control characters, non-ASCII), so a URL is always a valid URI.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


def clean_url(url: str) -> str:
    """`url` without its fragment, with unsafe characters percent-encoded."""
    url = url.split("#", 1)[0]
    return quote(url, safe=_URL_SAFE, errors="replace")


def _join(base: str, ref: str) -> str:
    """`ref` resolved against `base`; "" for a malformed one (`http://[::1`), which is then
    never fetched."""
    try:
        return urljoin(base, ref)
    except ValueError:
        return ""


def url_path(url: str) -> str:
    """The decoded path of `url` without the leading `/` (what per-file ignores match)."""
    return unquote(urlsplit(url).path).lstrip("/")


def without_query(url: str) -> str:
    """`url` without its query and fragment (how baselines name a fetched file)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def check_start_url(url: str) -> str:
    """A start URL, cleaned; raises UrlError for one that is not absolute http(s)."""
    if origin_of(url) is None:
        # NOTE: the URL is not echoed: it may hold a key.
        raise UrlError("a start URL must be an absolute http:// or https:// URL with a host")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise UrlError("a start URL must not hold a user name or password")
    return clean_url(url)


def parse_allowed(value: str) -> tuple[Optional[str], str, Optional[int]]:
    """`--allow-origin` value: (scheme or None, host, port or None); raises UrlError."""
    value = value.strip().rstrip("/")
    if "://" in value:
        origin = origin_of(value)
        if origin is None or urlsplit(value).path not in ("", "/"):
            raise UrlError(f"--allow-origin {value!r}: expected a host or scheme://host[:port]")
        return origin
    if not value or not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", value):
        raise UrlError(f"--allow-origin {value!r}: expected a host or scheme://host[:port]")
    return None, value.lower().strip("[]"), None


def parse_header(value: str) -> tuple[str, str]:
    """`--header 'Name: value'`; raises UrlError for a malformed one."""
    name, colon, text = value.partition(":")
    name, text = name.strip(), text.strip()
    if not colon or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
        raise UrlError(f"--header {name!r}: expected 'Name: value'")
    if any(ch in text for ch in "\r\n\0"):
        raise UrlError(f"--header {name}: the value holds a line break")
    if name.lower() in _FIXED_HEADERS:
        raise UrlError(f"--header {name}: set by autype-guard itself")
    return name, text


# Headers the client sets itself: how the request is framed and how the answer is read.
_FIXED_HEADERS = frozenset(
    ("host", "connection", "content-length", "transfer-encoding", "accept-encoding", "te")
)


# --- fetching ----------------------------------------------------------------------------


@dataclass
class Fetched:
    """One response (after redirects), or why there is none. Never holds request headers."""

    url: str  # the URL asked for
    final_url: str = ""  # where the content came from, after redirects
    status: Optional[int] = None
    content_type: str = ""
    source_map: Optional[str] = None  # the SourceMap (or X-SourceMap) header
    body: bytes = b""
    error: Optional[str] = None  # a network error, server error or cap
    blocked: Optional[str] = None  # a redirect that was not followed, and why
    key_url: Optional[str] = None  # a redirect target holding a key (never requested)
    capped: Optional[str] = None  # `body` is the first part only, and why
    notes: list[str] = field(default_factory=list)
    wire_bytes: int = 0


def _decoders() -> dict[str, str]:
    """Content-Encoding value -> packing this process can undo."""
    out = {"gzip": "gzip", "x-gzip": "gzip"}
    try:
        import brotli  # noqa: F401

        out["br"] = "brotli"
    except ImportError:
        pass
    if _zstd_module() is not None:
        out["zstd"] = "zstd"
    return out


def _accept_encoding() -> str:
    return ", ".join(e for e in (*_decoders(), "identity") if e != "x-gzip")


def _zstd_module() -> Optional[object]:
    for name in ("compression.zstd", "zstandard"):
        try:
            return __import__(name, fromlist=["_"])
        except ImportError:
            continue
    return None


def _unzstd(data: bytes, cap: int) -> tuple[bytes, bool, Optional[str]]:
    """zstd-decoded `data` up to `cap` bytes: (bytes, capped, failure)."""
    module = _zstd_module()
    try:
        if module is not None and hasattr(module, "ZstdDecompressor"):
            reader = module.ZstdDecompressor()
            if hasattr(reader, "stream_reader"):  # zstandard
                import io

                with reader.stream_reader(io.BytesIO(data)) as stream:
                    out: bytes = stream.read(cap + 1)
            else:  # compression.zstd
                out = reader.decompress(data, max_length=cap + 1)
            return out[:cap], len(out) > cap, None
    except Exception as exc:  # a decoder's own error types differ by package
        return b"", False, f"not valid zstd data ({type(exc).__name__})"
    return b"", False, "zstd-encoded: no zstd decoder here"


_ACCEPT_ENCODING = _accept_encoding()


class _Policy:
    """Which origins may be fetched and which get the user's headers."""

    def __init__(self, target: UrlTarget) -> None:
        self.start: set[Origin] = {o for o in map(origin_of, target.urls) if o is not None}
        # A site's http:// address usually redirects to its https:// one: the same site.
        self.start |= {("https", h, 443) for scheme, h, port in self.start if scheme == "http"}
        self.allowed = [parse_allowed(v) for v in target.allow_origins]
        self.headers = target.headers
        self.cookie = target.cookie

    def may_fetch(self, origin: Optional[Origin]) -> bool:
        if origin is None:
            return False
        if origin in self.start:
            return True
        scheme, host, port = origin
        return any(
            host == a_host and (a_scheme is None or (a_scheme, a_port) == (scheme, port))
            for a_scheme, a_host, a_port in self.allowed
        )

    def credentials_for(self, origin: Origin) -> list[tuple[str, str]]:
        # NOTE: the user's headers and cookie go to the start origins only (never a CDN or
        # a redirect target elsewhere), and never in clear text over the network.
        if origin not in self.start or not (origin[0] == "https" or is_loopback_host(origin[1])):
            return []
        out = list(self.headers)
        if self.cookie:
            out.append(("Cookie", self.cookie))
        return out


# The TLS settings of https requests, or what makes them when the first one is sent.
TlsContext = Union[ssl.SSLContext, Callable[[], ssl.SSLContext], None]


class _Deadline(Exception):
    pass


class _Stale(Exception):
    """A kept-alive connection the server had closed: the request is sent again on a new one."""


class Connections:
    """Open connections kept between requests (HTTP keep-alive), per thread and origin: a
    thread reuses its own, so a connection never serves two requests at once."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pools: list[dict[Origin, http.client.HTTPConnection]] = []

    def _mine(self) -> dict[Origin, http.client.HTTPConnection]:
        pool: Optional[dict[Origin, http.client.HTTPConnection]] = getattr(
            self._local, "pool", None
        )
        if pool is None:
            pool = self._local.pool = {}
            with self._lock:
                self._pools.append(pool)
        return pool

    def take(self, origin: Origin) -> Optional[http.client.HTTPConnection]:
        return self._mine().pop(origin, None)

    def give(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        old = self._mine().pop(origin, None)
        if old is not None:
            old.close()
        self._mine()[origin] = connection

    def close(self) -> None:
        """Close every kept connection (of every thread)."""
        with self._lock:
            pools, self._pools = self._pools, []
        for pool in pools:
            for connection in list(pool.values()):
                connection.close()
            pool.clear()


def _request(
    url: str,
    headers: list[tuple[str, str]],
    deadline: float,
    context: TlsContext,
    max_bytes: int,
    connections: Optional[Connections] = None,
) -> tuple[http.client.HTTPResponse, dict[str, str], bytes, Optional[str], int]:
    """GET `url` once: (response, its headers by lower-case name, body up to `max_bytes`, why
    it was cut, bytes read).
    With `connections`, a connection to the same origin is reused and kept for the next
    request when the server allows it."""
    origin = origin_of(url)
    kept = connections.take(origin) if connections is not None and origin else None
    if kept is not None:
        try:
            return _exchange(kept, url, headers, deadline, max_bytes, connections, reused=True)
        except _Stale:
            pass  # the server closed it while it was idle: send the request again
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Deadline
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        tls = context() if callable(context) else context
        connection = http.client.HTTPSConnection(host, port, timeout=remaining, context=tls)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=remaining)
    connection.response_class = _Response
    return _exchange(connection, url, headers, deadline, max_bytes, connections)


def _exchange(
    connection: http.client.HTTPConnection,
    url: str,
    headers: list[tuple[str, str]],
    deadline: float,
    max_bytes: int,
    connections: Optional[Connections],
    *,
    reused: bool = False,
) -> tuple[http.client.HTTPResponse, dict[str, str], bytes, Optional[str], int]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        connection.close()
        raise _Deadline
    parts = urlsplit(url)
    keep = False
    if connection.sock is not None:
        connection.sock.settimeout(remaining)
    with ConnectionDeadline(connection, remaining) as deadline_guard:
        try:
            target = parts.path or "/"
            if parts.query:
                target += "?" + parts.query
            connection.putrequest("GET", target, skip_accept_encoding=True)
            given = {name.lower() for name, _ in headers}
            defaults = [
                ("User-Agent", USER_AGENT),
                ("Accept", "*/*"),
                ("Accept-Encoding", _ACCEPT_ENCODING),
            ]
            if connections is None:
                defaults.append(("Connection", "close"))
            # The user's own headers replace the defaults of the same name (a User-Agent a bot
            # filter lets through), except what reading the answer relies on.
            own = [(n, v) for n, v in defaults if n.lower() not in given or n == "Connection"]
            extra = [
                (n, v) for n, v in headers if n.lower() not in ("accept-encoding", "connection")
            ]
            for name, value in (*own, *extra):
                connection.putheader(name, value)
            try:
                connection.endheaders()
                deadline_guard.hold()
                response = connection.getresponse()
            except (ConnectionError, http.client.BadStatusLine) as exc:
                # A kept connection the server closed: nothing of an answer was read.
                if reused and not deadline_guard.expired.is_set():
                    raise _Stale from exc
                raise
            fields = _header_map(response)
            if response.status in _REDIRECTS or response.status >= 400:
                return response, fields, b"", None, 0  # the body is not needed
            length = fields.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > max_bytes:
                return response, fields, b"", f"larger than the {max_bytes}-byte limit per file", 0
            body, cut = _read_body(response, max_bytes)
            if deadline_guard.expired.is_set():
                raise _Deadline
            keep = connections is not None and cut is None and not response.will_close
            return response, fields, body, cut, len(body)
        except _Stale:
            raise
        except Exception:
            if deadline_guard.expired.is_set() or time.monotonic() >= deadline:
                raise _Deadline from None
            raise
        finally:
            if keep and connections is not None and not deadline_guard.expired.is_set():
                origin = origin_of(url)
                assert origin is not None
                connections.give(origin, connection)
            else:
                connection.close()


def _header_map(response: http.client.HTTPResponse) -> dict[str, str]:
    """The response's headers by lower-case name (repeated ones joined, as `getheader`
    joins them), read once: `getheader` walks every header for each name asked."""
    headers = response.headers
    if isinstance(headers, _Headers):
        return headers.joined
    out: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


class _Headers:
    """A response's header fields, read without the `email` package (which `http.client`
    parses them with, at a tenth of a millisecond per response): what `HTTPResponse`
    itself asks of them (`get`, `get_all`, `items`)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = fields
        self.joined: dict[str, str] = {}  # lower-case name -> values joined with ", "
        for name, value in fields:
            key = name.lower()
            self.joined[key] = f"{self.joined[key]}, {value}" if key in self.joined else value

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        key = name.lower()
        return next((v for n, v in self.fields if n.lower() == key), default)

    def get_all(self, name: str, default: Optional[list[str]] = None) -> Optional[list[str]]:
        key = name.lower()
        found = [v for n, v in self.fields if n.lower() == key]
        return found or default

    def items(self) -> list[tuple[str, str]]:
        return list(self.fields)

    def keys(self) -> list[str]:
        return [n for n, _ in self.fields]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.joined

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.fields)


# `http.client`'s limits on header lines.
_MAX_LINE = 65536
_MAX_HEADERS = 100


class _Response(http.client.HTTPResponse):
    """`HTTPResponse` whose header fields are read with `_Headers` (`begin` is the standard
    library's, with the header parsing replaced)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:  # skip 1xx interim answers
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _header_fields(self.fp)
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = _Headers(_header_fields(self.fp))
        encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(encoding and encoding.lower() == "chunked")
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or 100 <= status < 200:
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def _header_fields(fp: Any) -> list[tuple[str, str]]:
    """The header fields up to the blank line (a folded line continues the field before)."""
    fields: list[tuple[str, str]] = []
    for _ in range(_MAX_HEADERS + 1):
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return fields
        text = line.decode("iso-8859-1")
        if text[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if colon:
            fields.append((name.strip(), value.strip(" \t\r\n")))
    raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> tuple[bytes, Optional[str]]:
    """The body (at most `max_bytes`) and why it was cut. With a Content-Length, read in one
    call (one buffer, no copies); otherwise in large blocks."""
    length = response.length
    if length is not None and not response.chunked and length <= max_bytes:
        try:
            return response.read(), None
        except http.client.IncompleteRead as exc:
            got = len(exc.partial)
            return exc.partial, f"the connection closed after {got} of {length} bytes"
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = response.read1(_READ_SIZE)
        if not chunk:
            return b"".join(parts), None
        parts.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            return b"".join(parts)[:max_bytes], f"larger than the {max_bytes}-byte limit per file"


def fetch(
    url: str,
    policy: _Policy,
    *,
    timeout: float,
    run_deadline: float,
    max_file_bytes: int,
    find_key: Optional[Callable[[str], bool]] = None,
    context: TlsContext = None,
    connections: Optional[Connections] = None,
) -> Fetched:
    """GET `url`, following redirects within allowed origins. Never raises. `connections`:
    kept-alive connections to reuse (each request closes its own without)."""
    out = Fetched(url)
    deadline = min(time.monotonic() + timeout, run_deadline)
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            origin = origin_of(current)
            assert origin is not None
            response, fields, body, cut, read = _request(
                current,
                policy.credentials_for(origin),
                deadline,
                context,
                max_file_bytes,
                connections,
            )
            out.wire_bytes += read
            if response.status in _REDIRECTS:
                location = fields.get("location")
                if not location:
                    out.error = f"HTTP {response.status} without a Location"
                    return out
                following = clean_url(_join(current, location.strip()))
                if origin_of(following) is None:
                    out.error = f"HTTP {response.status} to a URL that is not http(s)"
                    return out
                if find_key is not None and find_key(following):
                    out.key_url = following
                    out.blocked = "redirect to a URL holding a key: not followed"
                    return out
                if not policy.may_fetch(origin_of(following)):
                    out.blocked = (
                        "redirect to another origin not followed:"
                        f" {_origin_text(following)} (allow it with --allow-origin)"
                    )
                    return out
                current = following
                continue
            out.final_url = current
            out.status = response.status
            out.content_type = (fields.get("content-type") or "").lower()
            out.source_map = fields.get("sourcemap") or fields.get("x-sourcemap")
            if cut:
                out.capped = cut
                if not body:  # its Content-Length was over the limit: nothing was read
                    out.error = cut
                    return out
            encoding = (fields.get("content-encoding") or "identity").strip().lower()
            out.body = _decoded(out, body, encoding, max_file_bytes)
            return out
        out.error = f"more than {MAX_REDIRECTS} redirects"
    except _Deadline:
        over = time.monotonic() >= run_deadline
        out.error = "the run's deadline passed" if over else f"timed out after {timeout:g}s"
    except ssl.SSLCertVerificationError as exc:
        # OpenSSL's words (`unable to get local issuer certificate`, `Hostname mismatch`).
        why = exc.verify_message or type(exc).__name__
        out.error = f"TLS error: the server's certificate could not be verified ({why})"
    except ssl.SSLError as exc:
        out.error = f"TLS error: {exc.reason or type(exc).__name__}"
    except OSError as exc:
        out.error = f"connection failed: {exc.strerror or type(exc).__name__}"
    except http.client.HTTPException as exc:
        out.error = f"bad HTTP response: {type(exc).__name__}"
    except Exception as exc:  # "never raises"; the type name only
        out.error = f"fetch failed: {type(exc).__name__}"
    return out


def _origin_text(url: str) -> str:
    origin = origin_of(url)
    if origin is None:
        return "?"
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def _decoded(out: Fetched, body: bytes, encoding: str, cap: int) -> bytes:
    """Undo the Content-Encoding, up to `cap` bytes; notes and caps go on `out`."""
    if encoding in ("identity", ""):
        return body
    packing = _decoders().get(encoding)
    if packing is None:
        out.error = f"Content-Encoding {encoding!r} cannot be decoded here"
        return b""
    if packing == "zstd":
        data, capped, failure = _unzstd(body, cap)
        if failure:
            out.error = failure
        if capped:
            out.capped = f"decompressed size exceeds the {cap}-byte limit per file"
        return data
    unpacked = decompress(packing, body, cap)
    if unpacked.failure:
        out.error = unpacked.failure
        return b""
    if unpacked.capped:
        out.capped = f"decompressed size exceeds the {cap}-byte limit per file"
    else:
        out.notes.extend(unpacked.notes)
    return unpacked.data


# --- what a file is ----------------------------------------------------------------------

# What a discovered URL is expected to be; the response's type can say otherwise.
PAGE, SCRIPT, STYLE, MAP, JSON_FILE, PROBE = "page", "script", "style", "map", "json", "probe"
# A page in an `<iframe>`: loaded with the page that frames it (fetched as a PAGE).
FRAME = "frame"

_SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")


def _kind_of(expected: str, fetched: Fetched) -> str:
    ctype = fetched.content_type.split(";", 1)[0].strip()
    path = urlsplit(fetched.final_url or fetched.url).path.lower()
    head = fetched.body[:512].lstrip().lower()
    if expected == MAP or path.endswith(".map"):
        return MAP
    if ctype in ("text/html", "application/xhtml+xml") or (
        expected == PAGE and (head.startswith((b"<!doctype", b"<html", b"<")))
    ):
        return PAGE
    if (
        ctype.endswith("javascript")
        or ctype.endswith("ecmascript")
        or path.endswith(_SCRIPT_SUFFIXES)
    ):
        return SCRIPT
    if ctype == "text/css" or path.endswith(".css"):
        return STYLE
    if ctype.endswith("json") or path.endswith((".json", ".webmanifest")):
        return JSON_FILE
    return SCRIPT if expected in (SCRIPT, PAGE) else expected


_DISPLAY_SUFFIX = {
    PAGE: (".html", ".htm"),
    SCRIPT: _SCRIPT_SUFFIXES,
    STYLE: (".css",),
    MAP: (".js.map", ".css.map", ".ts.map", ".mjs.map"),
    JSON_FILE: (".json",),
}
_FILE_KIND = {
    PAGE: FileKind.MARKUP,
    SCRIPT: FileKind.SCRIPT,
    STYLE: FileKind.SOURCE,
    MAP: FileKind.SOURCE_MAP,
    JSON_FILE: FileKind.CONFIG,
}


def display_name(url: str, kind: str) -> str:
    """The name a fetched file is scanned under: its URL's path, with the suffix of what it
    is when the path does not end in one (`/` is `index.html`, a map `.js.map`). Only the
    engine sees it: findings name the URL."""
    path = url_path(url)
    if kind == MAP:
        # Under a build folder, so the map's sources resolve to project paths
        # (`../../src/main.ts` from `dist/assets/x.js.map` is `src/main.ts`).
        path = "dist/" + path
    if kind == PAGE and (not path or path.endswith("/")):
        return path + "index.html"
    if not path.lower().endswith(_DISPLAY_SUFFIX[kind]):
        return path + _DISPLAY_SUFFIX[kind][0]
    return path


# --- discovery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A URL found in a fetched file, what it is expected to be, and whether it is a page
    (followed only within the depth)."""

    url: str
    kind: str


class _PageParser(HTMLParser):
    """The links of an HTML page a browser would load as code, its inline scripts and its
    import map. Never raises for bad markup (html.parser is lenient)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: Optional[str] = None
        self.links: list[tuple[str, str]] = []  # (href as written, kind)
        self.inline: list[str] = []
        self.import_maps: list[str] = []
        self._script: Optional[list[str]] = None
        self._script_type = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if len(self.links) >= MAX_DISCOVERED_PER_FILE and tag != "script":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        elif tag == "script":
            kind = a.get("type", "").strip().lower()
            self._script_type = kind
            if a.get("src") and _runs_as_script(kind) and len(self.links) < MAX_DISCOVERED_PER_FILE:
                self.links.append((a["src"], SCRIPT))
            self._script = []
        elif tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            as_ = a.get("as", "").lower()
            if "modulepreload" in rels or (
                rels & {"preload", "prefetch"} and as_ in ("script", "worker", "sharedworker")
            ):
                self.links.append((a["href"], SCRIPT))
            elif "stylesheet" in rels or ("preload" in rels and as_ == "style"):
                self.links.append((a["href"], STYLE))
            elif "manifest" in rels:
                self.links.append((a["href"], JSON_FILE))
        elif tag in ("a", "area") and a.get("href"):
            self.links.append((a["href"], PAGE))
        elif tag in ("iframe", "frame") and a.get("src"):
            self.links.append((a["src"], FRAME))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            text = "".join(self._script)
            if self._script_type == "importmap":
                self.import_maps.append(text)
            else:
                self.inline.append(text)
            self._script = None

    def close(self) -> None:
        if self._script is not None:  # a script left open at the end of the page
            self._script.append(self.rawdata)
            self.rawdata = ""
        super().close()
        self.handle_endtag("script")


def _runs_as_script(script_type: str) -> bool:
    return script_type in ("", "module", "text/javascript", "application/javascript") or (
        script_type.endswith("javascript") or script_type.endswith("ecmascript")
    )


# Regexes over script text; each matches a literal URL a browser would load as code.
# `import("./x.js")`, `import('/x.js')`, `` import(`./x.js`) `` without substitutions.
_DYNAMIC_IMPORT = re.compile(r"""\bimport\s*\(\s*(["'`])([^"'`\s${}]+)\1\s*[,)]""")
# Static imports: `import "./a.js"` and `... from "./a.js"` (`import {a} from`, `export *
# from`; a string literal after `from` is nothing else in JavaScript).
_SIDE_EFFECT_IMPORT = re.compile(r"""\bimport\s*(["'])([^"'\s]+)\1""")
_FROM = re.compile(r"""\bfrom\s*(["'])([^"'\s]+)\1""")
# Workers, shared workers, worklets and service workers registered with a literal URL.
_WORKER = re.compile(
    r"""(?:\bnew\s+(?:Shared)?Worker|\bserviceWorker\s*\.\s*register|\baddModule)"""
    r"""\s*\(\s*(["'`])([^"'`\s${}]+)\1"""
)
# `new URL("./worker.js", import.meta.url)`: an asset next to the module.
_URL_META = re.compile(r"""\bnew\s+URL\s*\(\s*(["'`])([^"'`\s${}]+)\1\s*,\s*import\.meta\.url""")
# `importScripts("a.js", "b.js")` in workers: the literals among its arguments.
_IMPORT_SCRIPTS = re.compile(r"""\bimportScripts\s*\(([^()]{0,2000})\)""")
_LITERAL = re.compile(r"""(["'])([^"'\s]+)\1""")
# `//# sourceMappingURL=x.js.map` (also `//@`, and `/*# ... */` in CSS) near the end.
_SOURCE_MAP = re.compile(r"""[/][/*][#@]\s*sourceMappingURL=([^\s'"*]+)""")
# webpack's public path: `r.p="/_next/"`, `__webpack_require__.p = "/static/"`.
_PUBLIC_PATH = re.compile(r"""\.p\s*=\s*(["'])([^"'\s]*)\1""")
# webpack's chunk file names, the plain shape: "static/chunks/"+e+"."+{12:"ab12",...}[e]+".js".
_CHUNK_TABLE = re.compile(
    r"""(["'])([^"'\s]*)\1\s*\+\s*(?:\(\s*)?[\w$]+\s*(?:\)\s*)?\+\s*(["'])([^"'\s]*)\3\s*\+\s*"""
    r"""\{([^{}]{1,200000})\}\s*\[\s*[\w$]+\s*\]\s*\+\s*(["'])([\w.-]*\.m?js)\6"""
)
_TABLE_ENTRY = re.compile(r"""(?:"?([\w$-]+)"?)\s*:\s*"([\w.-]+)\"""")
# Next.js: asset paths relative to `/_next/` (`static/chunks/pages/about-ab12.js`).
# Also inside a JSON string held in a JS string (`\"static/chunks/...js\"`: the app router's
# `self.__next_f.push(...)` flight data names the chunks of client components so).
_NEXT_ASSET = re.compile(r"""(\\?["'])(static/[\w./@~+%\[\]()-]+\.(?:m?js|css))\\?["']""")
# `"buildId":"Xy12"` in `__NEXT_DATA__`.
_BUILD_ID = re.compile(r""""buildId"\s*:\s*"([\w.-]{1,100})\"""")


def _resolvable(ref: str) -> bool:
    return ref.startswith(("./", "../", "/")) or ref.lower().startswith(("http://", "https://"))


# What discovery reads: a script's raw bytes (found without decoding the whole file), or
# the text of an inline script.
Source = Union[str, bytes]


def _find_all(text: Source, needle: str) -> Iterator[int]:
    """Every offset of `needle` in `text` (no decoding)."""
    for start, _ in _occurrences(text, (needle,)):
        yield start


def _occurrences(text: Source, needles: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """(start, end) of every occurrence of each of `needles` in `text`. In bytes, one pass
    of `ahocorasick_rs` (SIMD) where it is installed, else `bytes.find` (memchr) per needle."""
    if isinstance(text, bytes):
        finder = _finder(needles)
        if finder is not None:
            for _, start, end in finder.find_matches_as_indexes(text, overlapping=True):
                yield start, end
            return
        raw_needles: tuple[Source, ...] = tuple(n.encode("ascii") for n in needles)
    else:
        raw_needles = needles
    for raw in raw_needles:
        i = text.find(raw)  # type: ignore[arg-type]
        while i >= 0:
            yield i, i + len(raw)
            i = text.find(raw, i + 1)  # type: ignore[arg-type]


@lru_cache(maxsize=32)
def _finder(needles: tuple[str, ...]) -> Any:
    """An `ahocorasick_rs` automaton for `needles` (a few with rare bytes each: its SIMD
    search is several times as fast as `bytes.find`), or None without the package."""
    try:
        import ahocorasick_rs
    except ImportError:
        return None
    return ahocorasick_rs.BytesAhoCorasick([n.encode("ascii") for n in needles])


def _windows(
    text: Source, needles: tuple[str, ...], before: int, after: int, follow: bytes = b""
) -> Iterator[str]:
    """The text of merged windows around every occurrence of `needles` in `text`: patterns
    are matched only there (a regex over a whole bundle costs far more than `find`).
    `before` is at least 1, so a window never starts at a needle (`\\b` stays right).
    `follow`: in bytes, only occurrences followed (after whitespace) by one of these bytes or
    by a non-ASCII byte count (`from` only where a quote comes next)."""
    size = len(text)
    found = _occurrences(text, needles)
    if follow and isinstance(text, bytes):
        found = _followed(text, found, follow)
    spans = ((max(0, start - before), min(size, end + after)) for start, end in found)
    for start, end in _merged(spans):
        yield _text_of(text[start:end])


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# What `\s` matches in ASCII (a non-ASCII byte may start a space character: it is kept).
_SPACES = re.compile(rb"[\t\n\x0b\x0c\r\x1c-\x1f ]*")


def _followed(
    text: bytes, found: Iterator[tuple[int, int]], follow: bytes
) -> Iterator[tuple[int, int]]:
    for start, end in found:
        nxt = text[end : end + 1]
        if nxt.isspace() or b"\x1c" <= nxt <= b"\x1f":
            after = _SPACES.match(text, end)
            at = after.end() if after is not None else end
            nxt = text[at : at + 1]
        if nxt and (nxt in follow or nxt[0] >= 0x80):
            yield start, end


def _text_of(part: Source) -> str:
    return part.decode("utf-8", "replace") if isinstance(part, bytes) else part


def _near(
    patterns: tuple[re.Pattern[str], ...],
    text: Source,
    needles: tuple[str, ...],
    before: int,
    after: int,
    follow: bytes = b"",
) -> Iterator[re.Match[str]]:
    for window in _windows(text, needles, max(1, before), after, follow):
        for pattern in patterns:
            yield from pattern.finditer(window)


def script_links(text: Source, base: str, import_map: dict[str, str]) -> Iterator[Link]:
    """URLs a script (its bytes or text) loads as code, resolved against `base` (its URL)."""
    imports = (
        _near((_DYNAMIC_IMPORT, _SIDE_EFFECT_IMPORT), text, ("import",), 1, 700, b"(\"'"),
        _near((_FROM,), text, ("from",), 1, 700, b"\"'"),
    )
    for found in imports:
        for m in found:
            ref = m.group(2)
            if ref in import_map:
                yield Link(import_map[ref], SCRIPT)
            elif _resolvable(ref):
                yield Link(_join(base, ref), SCRIPT)
    # `serviceWorker.register(` holds `Worker`: one needle finds all three kinds of worker.
    for m in _near((_WORKER,), text, ("Worker",), 40, 700, b"(."):
        yield Link(_join(base, m.group(2)), SCRIPT)
    for m in _near((_WORKER,), text, ("addModule",), 1, 600, b"("):
        yield Link(_join(base, m.group(2)), SCRIPT)
    for m in _near((_URL_META,), text, ("import.meta.url",), 700, 0):
        if m.group(2).lower().endswith(_SCRIPT_SUFFIXES):
            yield Link(_join(base, m.group(2)), SCRIPT)
    for m in _near((_IMPORT_SCRIPTS,), text, ("importScripts",), 1, 2100, b"("):
        for lit in _LITERAL.finditer(m.group(1)):
            yield Link(_join(base, lit.group(2)), SCRIPT)
    yield from _chunk_links(text, base)
    if "/_next/" in base:
        root = base[: base.index("/_next/") + len("/_next/")]
        for m in _near((_NEXT_ASSET,), text, ("static/",), 1, 300):
            asset = m.group(2)
            yield Link(_join(root, asset), STYLE if asset.endswith(".css") else SCRIPT)
    yield from _source_map_links(text, base)


def _source_map_links(text: Source, base: str) -> Iterator[Link]:
    tail = _text_of(text[-4096:] if len(text) > 4096 else text)
    for m in _SOURCE_MAP.finditer(tail):
        ref = m.group(1)
        if not ref.lower().startswith("data:"):  # an inline map is in the file already
            yield Link(_join(base, ref), MAP)


def _chunk_links(text: Source, base: str) -> Iterator[Link]:
    root: Optional[str] = None
    for m in _chunk_tables(text):
        if root is None:  # the public path is looked for only in a script with a table
            public = next(_near((_PUBLIC_PATH,), text, (".p=", ".p ="), 1, 300), None)
            root = _join(base, public.group(2)) if public else _join(base, "/")
        prefix, middle, table, suffix = m.group(2), m.group(4), m.group(5), m.group(7)
        for entry in _TABLE_ENTRY.finditer(table):
            name = f"{prefix}{entry.group(1)}{middle}{entry.group(2)}{suffix}"
            yield Link(_join(root, name), SCRIPT)


def _chunk_tables(text: Source) -> Iterator[re.Match[str]]:
    """`_CHUNK_TABLE` matched in windows from 300 characters before each `+{` to a little
    after the `}` closing it (a table holds no braces, and is at most 200,000 long)."""
    close: Source = b"}" if isinstance(text, bytes) else "}"
    spans = []
    for start, end in _occurrences(text, ("+{", "+ {")):
        closing = text.find(close, end, end + 200_001)  # type: ignore[arg-type]
        if closing >= 0:
            spans.append((max(0, start - 300), min(len(text), closing + 300)))
    for start, end in _merged(spans):
        yield from _CHUNK_TABLE.finditer(_text_of(text[start:end]))


def page_links(text: str, base: str) -> tuple[list[Link], list[str]]:
    """URLs an HTML page loads (and links to), and its inline scripts' texts."""
    parser = _PageParser()
    with contextlib.suppress(Exception):  # html.parser is lenient; AssertionError on odd input
        parser.feed(text)
        parser.close()
    if parser.base:
        base = _join(base, parser.base)
    import_map: dict[str, str] = {}
    links: list[Link] = []
    for raw in parser.import_maps:
        for name, ref in _import_map_entries(raw):
            if not ref.endswith("/"):
                import_map[name] = _join(base, ref)
                links.append(Link(import_map[name], SCRIPT))
    for href, kind in parser.links:
        links.append(Link(_join(base, href.strip()), kind))
    next_root = next((link.url for link in links if "/_next/" in link.url), None)
    next_root = (
        next_root[: next_root.index("/_next/") + len("/_next/")]
        if next_root
        else _join(base, "/_next/")
    )
    for script in parser.inline:
        links.extend(script_links(script, base, import_map))
        if "__next_f" in script:
            # The app router's flight data: chunks of client components, by their path
            # below the build's `_next/` (never written as script tags for later pages).
            for m in _near((_NEXT_ASSET,), script, ("static/",), 2, 300):
                asset = m.group(2)
                kind = STYLE if asset.endswith(".css") else SCRIPT
                links.append(Link(_join(next_root, asset), kind))
        for m in _BUILD_ID.finditer(script):
            links.append(Link(_join(base, f"/_next/static/{m.group(1)}/_buildManifest.js"), SCRIPT))
    return links, parser.inline


def _import_map_entries(raw: str) -> Iterator[tuple[str, str]]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return
    if not isinstance(doc, dict):
        return
    tables = [doc.get("imports")]
    scopes = doc.get("scopes")
    if isinstance(scopes, dict):
        tables.extend(scopes.values())
    for table in tables:
        if isinstance(table, dict):
            for name, ref in table.items():
                if isinstance(name, str) and isinstance(ref, str):
                    yield name, ref


def json_links(text: str, url: str) -> Iterator[Link]:
    """Files named by a build manifest: `asset-manifest.json` (paths from the site root) and
    `.vite/manifest.json` (`file` and `css` entries, relative to the folder holding `.vite`)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return
    path = urlsplit(url).path
    vite_shaped = isinstance(doc, dict) and all(
        isinstance(v, dict) and "file" in v for v in doc.values()
    )
    if path.endswith("/.vite/manifest.json") or (path.endswith("/manifest.json") and vite_shaped):
        root = _join(url, "../" if "/.vite/" in path else "./")
        if isinstance(doc, dict):
            for entry in doc.values():
                if not isinstance(entry, dict):
                    continue
                if isinstance(entry.get("file"), str):
                    yield Link(_join(root, entry["file"]), _by_suffix(entry["file"]))
                for css in entry.get("css") or ():
                    if isinstance(css, str):
                        yield Link(_join(root, css), STYLE)
        return
    if path.endswith("asset-manifest.json") and isinstance(doc, dict):
        values: list[object] = []
        if isinstance(doc.get("files"), dict):
            values.extend(doc["files"].values())
        if isinstance(doc.get("entrypoints"), list):
            values.extend(doc["entrypoints"])
        for value in values:
            if isinstance(value, str) and value.lower().endswith((".js", ".css", ".map")):
                yield Link(_join(_join(url, "/"), value), _by_suffix(value))


def _by_suffix(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".map"):
        return MAP
    if lower.endswith(".css"):
        return STYLE
    return SCRIPT


# `@import "a.css";`, `@import url(a.css) screen;`: stylesheets a stylesheet loads.
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"'()\s;]+)\1""")


def style_links(text: Source, base: str) -> Iterator[Link]:
    """Stylesheets a stylesheet imports, and its source map."""
    for m in _near((_CSS_IMPORT,), text, ("@import",), 1, 300):
        yield Link(_join(base, m.group(2)), STYLE)
    yield from _source_map_links(text, base)


# Well-known build manifests asked for at each start origin (a 404 says nothing).
PROBES = ("/asset-manifest.json", "/.vite/manifest.json")


# --- the run -----------------------------------------------------------------------------

# A run that has this many URLs waiting to be fetched is large enough for worker processes
# (`--jobs`); a smaller site is fetched and scanned in this process.
POOL_AFTER = 32


@dataclass
class _Todo:
    url: str
    kind: str
    depth: int
    start: bool = False


@dataclass
class _Done:
    """What fetching one URL gave, without its body: everything the run needs to go on.
    Built where the URL was fetched (a thread of this process or of a worker process)."""

    got: Fetched  # its body emptied
    kind: str = ""  # what the content is; "" when it was not scanned
    size: int = 0  # bytes of content (after decompression)
    result: Union[FileResult, str, None] = None  # CLEAN or BINARY: nothing to report
    links: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the run's notes


class _Fetcher:
    """Fetches a URL, scans what came and reads the URLs it names: the same in this process
    and in each worker process (`fetchpool`), so bodies never cross a process boundary."""

    def __init__(self, target: UrlTarget, engine: Engine, deadline: float) -> None:
        self.target = target
        self.engine = engine
        self.policy = _Policy(target)
        self.deadline = deadline  # the run's, on the `time.monotonic()` clock
        self.connections = Connections()
        self._tls: Optional[ssl.SSLContext] = None
        self._tls_lock = threading.Lock()
        self._scan_lock = threading.Lock()  # one scan at a time: the engine keeps caches

    def tls(self) -> ssl.SSLContext:
        """The TLS settings, made for the first https request (loading the system's
        certificates takes tens of milliseconds: a plain-http run never pays it)."""
        with self._tls_lock:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            return self._tls

    def __call__(self, todo: _Todo) -> _Done:
        got = fetch(
            todo.url,
            self.policy,
            timeout=self.target.timeout,
            run_deadline=self.deadline,
            max_file_bytes=self.target.max_file_bytes,
            find_key=lambda url: _holds_key(self.engine, url),
            context=self.tls,
            connections=self.connections,
        )
        done = _Done(got)
        ok = got.blocked is None and got.error is None and 200 <= (got.status or 0) < 300
        # A single-page app answers every path with its index page: not a manifest.
        if ok and (todo.kind != PROBE or got.body.lstrip().startswith(b"{")):
            url = got.final_url or todo.url
            expected = JSON_FILE if todo.kind == PROBE else todo.kind
            done.kind = _kind_of(expected, got)
            done.size = len(got.body)
            with self._scan_lock:
                result = _scan(self.engine, url, done.kind, got)
            # A clean file travels as a word (the run counts it), not as a FileResult.
            done.result = result if not is_clean(result) else BINARY if result.skipped else CLEAN
            done.links, done.notes = _discover(url, done.kind, got)
        got.body = b""
        return done


# The fetcher of a worker process (set once by `_worker_init`).
_WORKER_FETCHER: list[_Fetcher] = []


def _worker_init(target: UrlTarget, config: Config, options: ScanOptions, deadline: float) -> None:
    _WORKER_FETCHER.append(_Fetcher(target, engine_for(config, options), deadline))
    # What the worker was started with lives as long as it does: out of the collector's way.
    gc.freeze()
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """glibc hands a freed block of more than a few MB back to the system at once, so each
    large response body costs fresh pages again (a fault per 4 KiB): a worker process, which
    lives for one run, keeps freed memory for the next body instead."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD, at the most glibc allows
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        pass


def _worker_fetch(todo: _Todo) -> _Done:
    return _WORKER_FETCHER[0](todo)


def _holds_key(engine: Engine, url: str) -> bool:
    plain = unquote(url)
    return any(True for _ in engine.matcher.find(plain)) or (
        plain != url and any(True for _ in engine.matcher.find(url))
    )


def _scan(engine: Engine, url: str, kind: str, got: Fetched) -> FileResult:
    result = engine.scan_plain(
        got.body,
        display_name(url, kind),
        url_path(url),
        got.capped is not None,
        kind=_FILE_KIND[kind],
        place=Place.BROWSER,
    )
    result.path = url
    result.findings = [replace(f, path=url) for f in result.findings]
    result.notes.extend(got.notes)
    if got.capped is not None:
        result.unscanned.append((url, f"{got.capped}: only the first part scanned"))
    return result


def _discover(url: str, kind: str, got: Fetched) -> tuple[list[Link], list[str]]:
    """The URLs a fetched file names (at most `MAX_DISCOVERED_PER_FILE`), and run notes."""
    links: list[Link] = []
    notes: list[str] = []
    if kind == PAGE:
        text = got.body.decode("utf-8", "replace")
        if len(text) > MAX_PAGE_PARSED:
            # html.parser takes about a second per MB of hostile markup.
            notes.append(f"{url}: links looked for in the first {MAX_PAGE_PARSED} characters only")
        found, _inline = page_links(text[:MAX_PAGE_PARSED], url)
        links.extend(found)
    elif kind == SCRIPT:
        links.extend(script_links(got.body, url, {}))
    elif kind == STYLE:
        links.extend(style_links(got.body, url))
    elif kind == JSON_FILE:
        links.extend(json_links(got.body.decode("utf-8", "replace"), url))
    return links[:MAX_DISCOVERED_PER_FILE], notes


class _Threads:
    """Fetching and scanning in this process: one thread per request in flight."""

    def __init__(self, fetcher: _Fetcher, concurrency: int) -> None:
        self.fetcher = fetcher
        self.pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
        self.running: dict[Future[_Done], int] = {}

    def submit(self, tasks: list[tuple[int, _Todo]]) -> bool:
        for task_id, todo in tasks:
            self.running[self.pool.submit(self.fetcher, todo)] = task_id
        return True

    def wait(self, timeout: float) -> tuple[list[tuple[int, object]], list[int]]:
        done, _ = wait(list(self.running), timeout=timeout, return_when=FIRST_COMPLETED)
        out: list[tuple[int, object]] = []
        for future in done:
            task_id = self.running.pop(future)
            try:
                out.append((task_id, future.result()))
            except Exception as exc:  # the run goes on; the type name only
                out.append((task_id, TaskFailed(type(exc).__name__)))
        return out, []

    def close(self, *, now: bool = False) -> None:
        self.pool.shutdown(wait=not now, cancel_futures=True)
        if not now:
            self.fetcher.connections.close()


class _Processes:
    """Fetching and scanning in `jobs` worker processes, `concurrency` requests in all."""

    def __init__(self, target: UrlTarget, engine: Engine, deadline: float, jobs: int) -> None:
        threads = -(-max(1, target.concurrency) // jobs)
        self.pool = ThreadedPool(
            jobs,
            threads,
            _worker_init,
            (target, engine.config, engine.options, deadline),
            _worker_fetch,
        )

    def submit(self, tasks: list[tuple[int, _Todo]]) -> bool:
        return self.pool.submit(list(tasks))

    def wait(self, timeout: float) -> tuple[list[tuple[int, object]], list[int]]:
        return self.pool.wait(timeout)

    def close(self, *, now: bool = False) -> None:
        self.pool.close(now=now)


_Backend = Union[_Threads, _Processes]


class _Run:
    """One scan of URLs: the frontier, the budget and the report."""

    def __init__(self, target: UrlTarget, engine: Engine, jobs: int = 1) -> None:
        self.target = target
        self.engine = engine
        self.jobs = min(max(1, jobs), max(1, target.concurrency))
        self.policy = _Policy(target)
        self.report = ScanReport()
        self.seen: set[str] = set()
        self.queue: deque[_Todo] = deque()
        self.started = time.monotonic()
        self.deadline = self.started + target.deadline
        self.files = 0
        self.bytes = 0
        self.elsewhere: dict[str, int] = {}  # origin -> URLs not fetched there
        self.missing: list[str] = []  # discovered URLs answered with 4xx
        self.key_urls: set[str] = set()
        self.scanned: set[str] = set()  # URLs whose content was scanned (after redirects)

    def has_key(self, url: str) -> bool:
        return _holds_key(self.engine, url)

    def add(
        self, url: str, kind: str, depth: int, *, start: bool = False, found_in: str = ""
    ) -> None:
        """Queue `url` if it may be fetched. `found_in`: the fetched file whose text named
        it (its own scan reports a key in the URL, or the suppression of one)."""
        url = clean_url(url)
        if url in self.seen:
            return
        self.seen.add(url)
        if self.has_key(url):
            if found_in:
                self.report.stats.notes.append(
                    f"{found_in}: a URL holding a key was not requested:"
                    f" {_masked_url(url, self.engine)}"
                )
            else:
                self.key_finding(url)
            return
        origin = origin_of(url)
        if origin is None:
            return  # data:, blob:, javascript:, mailto: ... nothing to fetch
        if not self.policy.may_fetch(origin):
            if kind != PAGE:
                text = _origin_text(url)
                self.elsewhere[text] = self.elsewhere.get(text, 0) + 1
            return
        if (
            kind == PAGE
            and not start
            and (
                depth > min(self.target.depth, MAX_DEPTH)
                or not _may_be_page(url)
                or origin not in self.policy.start  # pages of the site only, never a CDN's
            )
        ):
            return
        self.queue.append(_Todo(url, kind, depth, start))

    def key_finding(self, url: str) -> None:
        """A URL holding a key: scanned as text, never requested; the report names it
        with the key masked."""
        if url in self.key_urls:
            return
        self.key_urls.add(url)
        shown = _masked_url(url, self.engine)
        result = self.engine.scan_plain(
            unquote(url).encode("utf-8", "surrogateescape"),
            "url.txt",
            url_path(shown),
            kind=FileKind.TEXT,
            place=Place.BROWSER,
        )
        result.path = shown
        result.findings = [replace(f, path=shown) for f in result.findings]
        result.notes.append("this URL holds a key: it was not requested")
        self.report.files.append(result)

    def run(self) -> ScanReport:
        for url in self.target.urls:
            self.add(url, PAGE, 0, start=True)
        origins = []
        for url in self.target.urls:
            text = _origin_text(url)
            if origin_of(url) is not None and text not in origins:
                origins.append(text)
        for text in origins:
            for probe in PROBES:
                self.add(text + probe, PROBE, 0)
        fetcher = _Fetcher(self.target, self.engine, self.deadline)
        backend: _Backend = _Threads(fetcher, self.target.concurrency)
        running: dict[int, _Todo] = {}
        task_ids = count()
        moving = False  # to worker processes, once what is running has come back
        finished = False
        try:
            while self.queue or running:
                if moving and not running:
                    backend.close()
                    backend = self.processes() or _Threads(fetcher, self.target.concurrency)
                    moving = False
                batch = []
                # Worker processes get a second round of URLs to start on while this process
                # takes their answers (their threads fetch `concurrency` at once in all).
                limit = self.target.concurrency * (2 if isinstance(backend, _Processes) else 1)
                while not moving and self.queue and len(running) < limit:
                    todo = self.queue.popleft()
                    if not self.within_budget(todo):
                        continue
                    self.files += 1
                    task_id = next(task_ids)
                    running[task_id] = todo
                    batch.append((task_id, todo))
                if batch and not backend.submit(batch):
                    # Every worker process died: what they did not answer is fetched here.
                    backend.close(now=True)
                    backend = _Threads(fetcher, self.target.concurrency)
                    backend.submit(list(running.items()))
                if not running:
                    break
                left = self.deadline - time.monotonic()
                done, lost = backend.wait(max(0.0, left) + 1.0)
                if not done and not lost and time.monotonic() >= self.deadline:
                    for todo in running.values():
                        self.skip(todo.url, "the run's deadline passed before it was fetched")
                    running.clear()
                    break
                for task_id in lost:  # with a worker process that died: fetched again here
                    self.files -= 1
                    self.queue.appendleft(running.pop(task_id))
                for task_id, outcome in done:
                    todo = running.pop(task_id)
                    try:
                        if isinstance(outcome, TaskFailed):
                            raise _Failed(outcome.error)
                        assert isinstance(outcome, _Done)
                        self.handle(todo, outcome)
                    except _Failed as exc:
                        self.skip(todo.url, f"could not be handled: {exc}")
                    except Exception as exc:  # the run goes on; the type name only
                        self.skip(todo.url, f"could not be handled: {type(exc).__name__}")
                if (
                    isinstance(backend, _Threads)
                    and self.jobs > 1
                    and self.engine.options.key_collector is None
                    and len(self.queue) >= POOL_AFTER
                ):
                    moving = True
            finished = True
        finally:
            backend.close(now=not finished)
            fetcher.connections.close()
        self.notes()
        self.report.elapsed = time.monotonic() - self.started
        return self.report

    def processes(self) -> Optional[_Processes]:
        """Worker processes for the rest of the run, or None when they cannot be started.
        This process's threads have finished: wait for them to be gone, so the workers can
        be forked."""
        stop_idle_watcher()
        waited = time.monotonic() + 0.2
        while threading.active_count() > 1 and time.monotonic() < waited:
            time.sleep(0.001)
        try:
            return _Processes(self.target, self.engine, self.deadline, self.jobs)
        except (OSError, ValueError, RuntimeError):
            return None

    def within_budget(self, todo: _Todo) -> bool:
        if time.monotonic() >= self.deadline:
            self.skip(todo.url, f"not fetched: the {self.target.deadline:g}s deadline passed")
            return False
        if self.files >= self.target.max_files:
            self.skip(todo.url, f"not fetched: the limit of {self.target.max_files} files")
            return False
        if self.bytes >= self.target.max_bytes:
            self.skip(todo.url, f"not fetched: the limit of {self.target.max_bytes} bytes per run")
            return False
        return True

    def skip(self, url: str, reason: str, *, error: bool = True) -> None:
        self.report.skipped.append(Skip(url, reason, error=error))

    def handle(self, todo: _Todo, done: _Done) -> None:
        got = done.got
        if got.key_url is not None:
            self.key_finding(got.key_url)
        if got.blocked is not None:
            if todo.start:
                self.skip(todo.url, got.blocked)
            elif todo.kind != PROBE:
                self.report.stats.notes.append(f"{todo.url}: {got.blocked}")
            return
        if got.error is not None:
            if todo.kind == PROBE:
                return
            self.skip(todo.url, got.error)
            return
        assert got.status is not None
        if got.status >= 400 or not 200 <= got.status < 300:
            if todo.kind == PROBE:
                return
            if todo.start or got.status >= 500 or got.status < 200:
                self.skip(todo.url, f"HTTP {got.status}")
            else:
                self.missing.append(f"{todo.url} (HTTP {got.status})")
            return
        if done.result is None:
            return  # a probe answered with a page, not a manifest
        self.bytes += done.size
        if self.bytes > self.target.max_bytes:
            self.skip(todo.url, f"the limit of {self.target.max_bytes} bytes per run")
            return
        url = got.final_url or todo.url
        if url != todo.url:
            if url in self.scanned:
                return  # reached before through another URL
            self.seen.add(url)
        self.scanned.add(url)
        self.report.add(done.result, url)
        self.report.stats.notes.extend(done.notes)
        for link in done.links:
            if link.kind == FRAME:
                # A frame is loaded with its page, as its scripts are: the same depth.
                self.add(link.url, PAGE, todo.depth, found_in=url)
                continue
            depth = todo.depth + 1 if link.kind == PAGE else todo.depth
            self.add(link.url, link.kind, depth, found_in=url)
        if got.source_map and done.kind in (SCRIPT, STYLE):
            # A response header: not in the text, so a key in it is reported here.
            self.add(_join(url, got.source_map.strip()), MAP, todo.depth)

    def notes(self) -> None:
        for origin, count_ in sorted(self.elsewhere.items()):
            noun = "URL" if count_ == 1 else "URLs"
            self.report.stats.notes.append(
                f"{count_} {noun} on {origin} not fetched: not an allowed origin"
                " (add it with --allow-origin)"
            )
        for item in sorted(self.missing):
            self.report.stats.notes.append(f"not found: {item}")
        # The order files came back in depends on the network: sorted, so that two runs
        # over the same site give the same report.
        self.report.files.sort(key=lambda r: r.path)
        self.report.skipped.sort(key=lambda s: (s.display, s.reason))


class _Failed(Exception):
    pass


def _may_be_page(url: str) -> bool:
    """A linked URL that may be an HTML page (not an image, archive or document)."""
    name = posixpath.basename(urlsplit(url).path).lower()
    if "." not in name:
        return True
    return name.endswith((".html", ".htm", ".xhtml", ".php", ".asp", ".aspx", ".jsp"))


def _masked_url(url: str, engine: Engine) -> str:
    """`url` with every key in it shown masked (`ak_…` and the last four characters)."""
    text = unquote(url)
    out, last = [], 0
    for hit in engine.matcher.find(text):
        if hit.start < last:
            continue
        out.append(text[last : hit.start])
        out.append(redact(hit.key).replace("…", "..."))  # ASCII: URLs stay readable
        last = hit.end
    out.append(text[last:])
    return clean_url("".join(out))


def scan_urls(target: UrlTarget, engine: Engine, jobs: int = 1) -> ScanReport:
    """Fetch and scan what a browser gets from `target.urls` (see the module docs).
    Never raises for network trouble: failures are `Skip`s, notes or unscanned parts.
    `jobs` > 1: once `POOL_AFTER` files or more wait to be fetched, that many worker
    processes fetch and scan the rest (never with a live check's key collector)."""
    return _Run(target, engine, jobs).run()
