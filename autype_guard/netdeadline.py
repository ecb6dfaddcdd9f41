"""A deadline for one HTTP exchange that socket timeouts cannot give.

Socket timeouts bound each operation only: a server answering one byte at a time never trips
them. `ConnectionDeadline` shuts the connection's socket down when the time is up, which wakes
whatever read or write is blocked on it. Used by the live check and by `scan-url`.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
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
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

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
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self._timer.cancel()


__all__ = ["ConnectionDeadline"]
