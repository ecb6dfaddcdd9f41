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
  only in windows around literal needles found with `bytes.find`: linear, no full decode.
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

Standard library only (`http.client`, threads, `html.parser`): like the live check, nothing
follows redirects or reads proxy settings behind our back, and capped streaming reads need
nothing more.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import posixpath
import re
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Callable, Optional, Union
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from ..engine import Engine
from ..keys import redact
from ..model import FileKind, FileResult, Place, ScanReport, Skip
from ..netdeadline import ConnectionDeadline
from .archives import decompress

USER_AGENT = "autype-guard"
MAX_REDIRECTS = 5
# Pages linked from the start pages are followed this deep at most, whatever is asked.
MAX_DEPTH = 5
# The most URLs one response can add (a hostile page listing a million scripts).
MAX_DISCOVERED_PER_FILE = 2000
# Links are looked for in this much of a page (the whole page is scanned for keys).
MAX_PAGE_PARSED = 4 * 1024 * 1024
_READ_SIZE = 64 * 1024
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


class _Deadline(Exception):
    pass


def _request(
    url: str,
    headers: list[tuple[str, str]],
    deadline: float,
    context: Optional[ssl.SSLContext],
    max_bytes: int,
) -> tuple[http.client.HTTPResponse, bytes, Optional[str], int]:
    """GET `url` once: (response, body up to `max_bytes`, why it was cut, bytes read)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Deadline
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=remaining, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=remaining)
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
                ("Connection", "close"),
            ]
            # The user's own headers replace the defaults of the same name (a User-Agent a bot
            # filter lets through), except what reading the answer relies on.
            kept = [(n, v) for n, v in defaults if n.lower() not in given or n == "Connection"]
            extra = [
                (n, v) for n, v in headers if n.lower() not in ("accept-encoding", "connection")
            ]
            for name, value in (*kept, *extra):
                connection.putheader(name, value)
            connection.endheaders()
            deadline_guard.hold()
            response = connection.getresponse()
            if response.status in _REDIRECTS or response.status >= 400:
                return response, b"", None, 0  # the body is not needed
            length = response.getheader("Content-Length")
            if length is not None and length.strip().isdigit() and int(length) > max_bytes:
                return response, b"", f"larger than the {max_bytes}-byte limit per file", 0
            body = bytearray()
            cut = None
            while True:
                chunk = response.read1(_READ_SIZE)
                if not chunk:
                    break
                body += chunk
                if len(body) > max_bytes:
                    cut = f"larger than the {max_bytes}-byte limit per file"
                    del body[max_bytes:]
                    break
            if deadline_guard.expired.is_set():
                raise _Deadline
            return response, bytes(body), cut, len(body)
        except Exception:
            if deadline_guard.expired.is_set() or time.monotonic() >= deadline:
                raise _Deadline from None
            raise
        finally:
            connection.close()


def fetch(
    url: str,
    policy: _Policy,
    *,
    timeout: float,
    run_deadline: float,
    max_file_bytes: int,
    find_key: Optional[Callable[[str], bool]] = None,
    context: Optional[ssl.SSLContext] = None,
) -> Fetched:
    """GET `url`, following redirects within allowed origins. Never raises."""
    out = Fetched(url)
    deadline = min(time.monotonic() + timeout, run_deadline)
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            origin = origin_of(current)
            assert origin is not None
            response, body, cut, read = _request(
                current, policy.credentials_for(origin), deadline, context, max_file_bytes
            )
            out.wire_bytes += read
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
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
            out.content_type = (response.getheader("Content-Type") or "").lower()
            out.source_map = response.getheader("SourceMap") or response.getheader("X-SourceMap")
            if cut:
                out.capped = cut
                if not body:  # its Content-Length was over the limit: nothing was read
                    out.error = cut
                    return out
            encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
            out.body = _decoded(out, body, encoding, max_file_bytes)
            return out
        out.error = f"more than {MAX_REDIRECTS} redirects"
    except _Deadline:
        over = time.monotonic() >= run_deadline
        out.error = "the run's deadline passed" if over else f"timed out after {timeout:g}s"
    except ssl.SSLError as exc:
        out.error = f"TLS error: {type(exc).__name__}"
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
    """Every offset of `needle` in `text` (`bytes.find` is memchr-fast; no decoding)."""
    if isinstance(text, bytes):
        raw = needle.encode("ascii")
        i = text.find(raw)
        while i >= 0:
            yield i
            i = text.find(raw, i + 1)
    else:
        i = text.find(needle)
        while i >= 0:
            yield i
            i = text.find(needle, i + 1)


def _windows(text: Source, needles: tuple[str, ...], before: int, after: int) -> Iterator[str]:
    """The text of merged windows around every occurrence of `needles` in `text`: patterns
    are matched only there (a regex over a whole bundle costs far more than `find`).
    `before` is at least 1, so a window never starts at a needle (`\\b` stays right)."""
    spans = []
    for needle in needles:
        for i in _find_all(text, needle):
            spans.append((max(0, i - before), min(len(text), i + len(needle) + after)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    for start, end in merged:
        yield _text_of(text[start:end])


def _text_of(part: Source) -> str:
    return part.decode("utf-8", "replace") if isinstance(part, bytes) else part


def _near(
    patterns: tuple[re.Pattern[str], ...],
    text: Source,
    needles: tuple[str, ...],
    before: int,
    after: int,
) -> Iterator[re.Match[str]]:
    for window in _windows(text, needles, max(1, before), after):
        for pattern in patterns:
            yield from pattern.finditer(window)


def script_links(text: Source, base: str, import_map: dict[str, str]) -> Iterator[Link]:
    """URLs a script (its bytes or text) loads as code, resolved against `base` (its URL)."""
    imports = (
        _near((_DYNAMIC_IMPORT, _SIDE_EFFECT_IMPORT), text, ("import",), 1, 700),
        _near((_FROM,), text, ("from",), 1, 700),
    )
    for found in imports:
        for m in found:
            ref = m.group(2)
            if ref in import_map:
                yield Link(import_map[ref], SCRIPT)
            elif _resolvable(ref):
                yield Link(_join(base, ref), SCRIPT)
    for m in _near((_WORKER,), text, ("Worker", "register", "addModule"), 40, 600):
        yield Link(_join(base, m.group(2)), SCRIPT)
    for m in _near((_URL_META,), text, ("import.meta.url",), 700, 0):
        if m.group(2).lower().endswith(_SCRIPT_SUFFIXES):
            yield Link(_join(base, m.group(2)), SCRIPT)
    for m in _near((_IMPORT_SCRIPTS,), text, ("importScripts",), 1, 2100):
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
    if next(_find_all(text, "}["), None) is None:
        return
    public = next(_near((_PUBLIC_PATH,), text, (".p=", ".p ="), 1, 300), None)
    root = _join(base, public.group(2)) if public else _join(base, "/")
    for m in _near((_CHUNK_TABLE,), text, ("+{", "+ {"), 300, 200_000):
        prefix, middle, table, suffix = m.group(2), m.group(4), m.group(5), m.group(7)
        for entry in _TABLE_ENTRY.finditer(table):
            name = f"{prefix}{entry.group(1)}{middle}{entry.group(2)}{suffix}"
            yield Link(_join(root, name), SCRIPT)


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


@dataclass
class _Todo:
    url: str
    kind: str
    depth: int
    start: bool = False


class _Run:
    """One scan of URLs: the frontier, the budget and the report."""

    def __init__(self, target: UrlTarget, engine: Engine) -> None:
        self.target = target
        self.engine = engine
        self.policy = _Policy(target)
        self.report = ScanReport()
        self.seen: set[str] = set()
        self.queue: list[_Todo] = []
        self.started = time.monotonic()
        self.deadline = self.started + target.deadline
        self.files = 0
        self.bytes = 0
        self.elsewhere: dict[str, int] = {}  # origin -> URLs not fetched there
        self.missing: list[str] = []  # discovered URLs answered with 4xx
        self.key_urls: set[str] = set()
        self.scanned: set[str] = set()  # URLs whose content was scanned (after redirects)

    def has_key(self, url: str) -> bool:
        return any(True for _ in self.engine.matcher.find(unquote(url))) or any(
            True for _ in self.engine.matcher.find(url)
        )

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
        context = ssl.create_default_context()
        pool = ThreadPoolExecutor(max_workers=max(1, self.target.concurrency))
        running: dict[Future[Fetched], _Todo] = {}
        try:
            while self.queue or running:
                while self.queue and len(running) < self.target.concurrency:
                    todo = self.queue.pop(0)
                    if not self.within_budget(todo):
                        continue
                    self.files += 1
                    future = pool.submit(
                        fetch,
                        todo.url,
                        self.policy,
                        timeout=self.target.timeout,
                        run_deadline=self.deadline,
                        max_file_bytes=self.target.max_file_bytes,
                        find_key=self.has_key,
                        context=context,
                    )
                    running[future] = todo
                if not running:
                    break
                left = self.deadline - time.monotonic()
                done, _ = wait(
                    list(running), timeout=max(0.0, left) + 1.0, return_when=FIRST_COMPLETED
                )
                if not done and time.monotonic() >= self.deadline:
                    for todo in running.values():
                        self.skip(todo.url, "the run's deadline passed before it was fetched")
                    running.clear()
                    break
                for future in done:
                    todo = running.pop(future)
                    try:
                        self.handle(todo, future.result())
                    except Exception as exc:  # the run goes on; the type name only
                        self.skip(todo.url, f"could not be handled: {type(exc).__name__}")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        self.notes()
        self.report.elapsed = time.monotonic() - self.started
        return self.report

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

    def handle(self, todo: _Todo, got: Fetched) -> None:
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
        if todo.kind == PROBE and not got.body.lstrip().startswith(b"{"):
            return  # a single-page app answers every path with its index page
        self.bytes += len(got.body)
        if self.bytes > self.target.max_bytes:
            self.skip(todo.url, f"the limit of {self.target.max_bytes} bytes per run")
            return
        url = got.final_url or todo.url
        if url != todo.url:
            if url in self.scanned:
                return  # reached before through another URL
            self.seen.add(url)
        self.scanned.add(url)
        expected = JSON_FILE if todo.kind == PROBE else todo.kind
        kind = _kind_of(expected, got)
        result = self.scan(url, kind, got)
        if result is not None:
            self.report.add(result)
        self.discover(url, kind, got, todo)

    def scan(self, url: str, kind: str, got: Fetched) -> Optional[FileResult]:
        display = display_name(url, kind)
        data = got.body
        result = self.engine.scan_plain(
            data,
            display,
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

    def discover(self, url: str, kind: str, got: Fetched, todo: _Todo) -> None:
        links: list[Link] = []
        if kind == PAGE:
            text = got.body.decode("utf-8", "replace")
            if len(text) > MAX_PAGE_PARSED:
                # html.parser takes about a second per MB of hostile markup.
                self.report.stats.notes.append(
                    f"{url}: links looked for in the first {MAX_PAGE_PARSED} characters only"
                )
            found, _inline = page_links(text[:MAX_PAGE_PARSED], url)
            links.extend(found)
        elif kind == SCRIPT:
            links.extend(script_links(got.body, url, {}))
        elif kind == STYLE:
            links.extend(style_links(got.body, url))
        elif kind == JSON_FILE:
            links.extend(json_links(got.body.decode("utf-8", "replace"), url))
        for link in links[:MAX_DISCOVERED_PER_FILE]:
            if link.kind == FRAME:
                # A frame is loaded with its page, as its scripts are: the same depth.
                self.add(link.url, PAGE, todo.depth, found_in=url)
                continue
            depth = todo.depth + 1 if link.kind == PAGE else todo.depth
            self.add(link.url, link.kind, depth, found_in=url)
        if got.source_map and kind in (SCRIPT, STYLE):
            # A response header: not in the text, so a key in it is reported here.
            self.add(_join(url, got.source_map.strip()), MAP, todo.depth)

    def notes(self) -> None:
        for origin, count in sorted(self.elsewhere.items()):
            noun = "URL" if count == 1 else "URLs"
            self.report.stats.notes.append(
                f"{count} {noun} on {origin} not fetched: not an allowed origin"
                " (add it with --allow-origin)"
            )
        for item in self.missing:
            self.report.stats.notes.append(f"not found: {item}")


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


def scan_urls(target: UrlTarget, engine: Engine) -> ScanReport:
    """Fetch and scan what a browser gets from `target.urls` (see the module docs).
    Never raises for network trouble: failures are `Skip`s, notes or unscanned parts."""
    return _Run(target, engine).run()
