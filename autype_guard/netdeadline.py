"""A deadline for one HTTP exchange that socket timeouts cannot give.

Socket timeouts bound each operation only: a server answering one byte at a time never trips
them. `ConnectionDeadline` shuts the connection's socket down when the time is up, which wakes
whatever read or write is blocked on it. Used by the live check and by `scan-url`.

One watcher thread serves every deadline of the process (starting a thread per request costs
more than a small request over a fast network); it ends a moment after the last deadline,
or at once with `stop_idle_watcher()`, so a process done with its requests has no thread
left behind (and may fork).
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import os
import socket
import threading
import time
from types import TracebackType
from typing import Optional


class ConnectionDeadline:
    """`with ConnectionDeadline(connection, seconds) as deadline:` ... `deadline.expired`.

    Call `hold()` once the request is sent: the connection lets go of its socket when a
    `Connection: close` response has been read to its end (HTTP/1.0), while the response
    still reads from it; a held socket is shut down too."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.expired = threading.Event()
        self._connection = connection
        self._held: list[socket.socket] = []
        self._seconds = seconds
        self._entry: Optional[list[object]] = None

    def hold(self) -> None:
        """Keep the connection's current socket for the deadline to shut down."""
        if self._connection.sock is not None:
            self._held.append(self._connection.sock)

    def _expire(self) -> None:
        self.expired.set()
        for sock in (*self._held, self._connection.sock):
            if sock is not None:
                with contextlib.suppress(OSError):
                    # The plain socket's shutdown, also under TLS: it acts on the descriptor.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> ConnectionDeadline:
        self._entry = _WATCHER.add(time.monotonic() + self._seconds, self)
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._entry is not None:
            _WATCHER.cancel(self._entry)


# Seconds the watcher thread waits for a new deadline before it ends.
LINGER = 1.0


def stop_idle_watcher() -> None:
    """End the watcher thread now when no deadline is pending (before forking)."""
    _WATCHER.stop_if_idle()


class _Watcher:
    """Expires deadlines in time: a heap of [when, order, deadline or None] entries and one
    thread that sleeps until the earliest and ends once the heap has been empty for `LINGER`
    seconds."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[list[object]] = []
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None
        self._stopping = False
        self._wake_at = 0.0  # when the watcher thread wakes up next (monotonic)

    def add(self, when: float, deadline: ConnectionDeadline) -> list[object]:
        entry: list[object] = [when, next(self._order), deadline]
        with self._lock:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
            elif when < self._wake_at:  # earlier than the watcher means to wake up
                self._lock.notify()
        return entry

    def cancel(self, entry: list[object]) -> None:
        with self._lock:
            entry[2] = None
            # Drop cancelled entries from the top, so an idle watcher is soon gone.
            while self._heap and self._heap[0][2] is None:
                heapq.heappop(self._heap)

    def stop_if_idle(self) -> None:
        """End the thread now if no deadline is pending (it would linger a moment)."""
        with self._lock:
            thread = self._thread
            if thread is None or self._heap:
                return
            self._stopping = True
            self._lock.notify()
        thread.join()

    def _run(self) -> None:
        idle_since: Optional[float] = None
        while True:
            due: Optional[ConnectionDeadline] = None
            with self._lock:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    # Lingers a moment for the next request (threads are slow to start).
                    now = time.monotonic()
                    idle_since = idle_since if idle_since is not None else now
                    if self._stopping or now - idle_since >= LINGER:
                        self._thread = None
                        self._stopping = False
                        return
                    self._wake_at = idle_since + LINGER
                    self._lock.wait(self._wake_at - now)
                    continue
                idle_since = None
                when = self._heap[0][0]
                assert isinstance(when, float)
                left = when - time.monotonic()
                if left > 0:
                    self._wake_at = when
                    self._lock.wait(left)
                    continue
                entry = heapq.heappop(self._heap)
                due = entry[2]  # type: ignore[assignment]
                entry[2] = None
            if due is not None:
                due._expire()


_WATCHER = _Watcher()


def _forked() -> None:
    # A forked child has none of the parent's threads: it starts its own watcher when needed.
    global _WATCHER
    _WATCHER = _Watcher()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)

__all__ = ["ConnectionDeadline", "stop_idle_watcher"]
