"""A real local HTTP server that answers like the Autype API, for live-check tests.

``AutypeStandIn`` is a context manager. It serves ``/api/v1/dev/images`` on
127.0.0.1 (port chosen by the OS) and runs a second "thief" server, on 127.0.0.2
when the platform allows it, that redirected clients would land on. Both record
every request so tests can count them and inspect paths and headers.
"""

from __future__ import annotations

import http.server
import json
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

API_PREFIX = "/api/v1/dev"
IMAGES_PATH = API_PREFIX + "/images"

Responder = Callable[["_Handler"], None]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    received_at: float

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def api_key(self) -> str | None:
        return self.header("X-API-Key")


class _RecordingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, responder: Responder) -> None:
        self.responder = responder
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.recorded: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        super().__init__((host, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _RecordingServer
    _counted = False

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        server = self.server
        record = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=tuple(self.headers.items()),
            received_at=time.monotonic(),
        )
        with server.lock:
            server.recorded.append(record)
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        self._counted = True
        try:
            server.responder(self)
        except ConnectionError:
            pass  # the client gave up (e.g. it timed out); nothing to answer
        finally:
            self._stop_counting()

    def _stop_counting(self) -> None:
        # "In flight" ends before the response is written: once the client has an
        # answer it may send its next request, which must not overlap this one.
        if self._counted:
            self._counted = False
            with self.server.lock:
                self.server.in_flight -= 1

    def send_json(
        self, status: int, body: dict[str, Any], headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        payload = json.dumps(body).encode()
        self._stop_counting()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet (and keys out of logs)


def _start(server: _RecordingServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return thread


def _stop(server: _RecordingServer, thread: threading.Thread) -> None:
    server.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class AutypeStandIn:
    """Local Autype look-alike. Keys not configured in any behaviour get a 401.

    Behaviours (per key): ``live`` -> 200; ``forbidden`` -> 403 (valid key, no
    permission); ``slow`` -> waits ``slow_seconds`` then 200; ``rate_limited_once``
    -> 429 with ``Retry-After: 1`` on the first request, then 200;
    ``rate_limited_long`` -> always 429 with ``Retry-After: 3600``; ``server_error``
    -> 500; ``redirect`` -> 302 to the thief server on another host; ``trickle`` ->
    a 200 whose status line and headers come one every ``trickle_seconds``
    (``trickle_headers`` headers, so it never idles long enough for a per-read timeout). No
    ``X-API-Key`` header -> 401 "API key is required".
    """

    def __init__(
        self,
        *,
        live: Iterable[str] = (),
        forbidden: Iterable[str] = (),
        slow: Iterable[str] = (),
        rate_limited_once: Iterable[str] = (),
        rate_limited_long: Iterable[str] = (),
        server_error: Iterable[str] = (),
        redirect: Iterable[str] = (),
        trickle: Iterable[str] = (),
        slow_seconds: float = 3.0,
        trickle_seconds: float = 0.5,
        trickle_headers: int = 60,
    ) -> None:
        self.live = frozenset(live)
        self.forbidden = frozenset(forbidden)
        self.slow = frozenset(slow)
        self.rate_limited_once = frozenset(rate_limited_once)
        self.rate_limited_long = frozenset(rate_limited_long)
        self.server_error = frozenset(server_error)
        self.redirect = frozenset(redirect)
        self.trickle = frozenset(trickle)
        self.slow_seconds = slow_seconds
        self.trickle_seconds = trickle_seconds
        self.trickle_headers = trickle_headers
        self._seen_rate_limited: set[str] = set()
        self._api: _RecordingServer | None = None
        self._thief: _RecordingServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> AutypeStandIn:
        self._thief = self._bind_thief()
        self._api = _RecordingServer("127.0.0.1", self._respond)
        self._threads = [_start(self._thief), _start(self._api)]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server, thread in zip((self._thief, self._api), self._threads, strict=True):
            if server is not None:
                _stop(server, thread)

    @staticmethod
    def _bind_thief() -> _RecordingServer:
        def steal(handler: _Handler) -> None:
            handler.send_json(200, {"images": [], "stolen": True})

        try:
            return _RecordingServer("127.0.0.2", steal)
        except OSError:  # e.g. macOS only configures 127.0.0.1 by default
            return _RecordingServer("127.0.0.1", steal)

    # -- what tests look at ----------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://{self._server.server_name}:{self._server.server_port}{API_PREFIX}"

    @property
    def thief_host(self) -> str:
        return self._thief_server.server_name

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.lock:
            return list(self._server.recorded)

    @property
    def thief_requests(self) -> list[RecordedRequest]:
        with self._thief_server.lock:
            return list(self._thief_server.recorded)

    @property
    def max_in_flight(self) -> int:
        with self._server.lock:
            return self._server.max_in_flight

    def requests_with_key(self, key: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.api_key == key]

    @property
    def _server(self) -> _RecordingServer:
        if self._api is None:
            raise RuntimeError("AutypeStandIn is not running; use it as a context manager")
        return self._api

    @property
    def _thief_server(self) -> _RecordingServer:
        if self._thief is None:
            raise RuntimeError("AutypeStandIn is not running; use it as a context manager")
        return self._thief

    # -- the fake API ----------------------------------------------------------------

    def _respond(self, handler: _Handler) -> None:
        path = handler.path.split("?", 1)[0]
        if path != IMAGES_PATH:
            handler.send_json(404, {"message": "Not found"})
            return
        key = handler.headers.get("X-API-Key")
        if not key:
            handler.send_json(401, {"message": "API key is required"})
        elif key in self.live:
            handler.send_json(200, {"images": []})
        elif key in self.forbidden:
            handler.send_json(403, {"message": "Forbidden"})
        elif key in self.slow:
            if not handler.server.stopping.wait(self.slow_seconds):
                handler.send_json(200, {"images": []})
        elif key in self.rate_limited_once:
            with handler.server.lock:
                first = key not in self._seen_rate_limited
                self._seen_rate_limited.add(key)
            if first:
                handler.send_json(429, {"message": "Too many requests"}, [("Retry-After", "1")])
            else:
                handler.send_json(200, {"images": []})
        elif key in self.rate_limited_long:
            handler.send_json(429, {"message": "Too many requests"}, [("Retry-After", "3600")])
        elif key in self.server_error:
            handler.send_json(500, {"message": "Internal server error"})
        elif key in self.redirect:
            location = f"http://{self.thief_host}:{self._thief_server.server_port}/steal"
            handler.send_json(302, {"message": "Moved"}, [("Location", location)])
        elif key in self.trickle:
            self._trickle(handler)
        else:
            handler.send_json(401, {"message": "Invalid or expired API key"})

    def _trickle(self, handler: _Handler) -> None:
        lines = [b"HTTP/1.1 200 OK\r\n"]
        lines += [b"X-Trickle-%d: 1\r\n" % n for n in range(self.trickle_headers)]
        lines += [b"Content-Length: 0\r\n\r\n"]
        for line in lines:
            handler.wfile.write(line)
            handler.wfile.flush()
            if handler.server.stopping.wait(self.trickle_seconds):
                return
