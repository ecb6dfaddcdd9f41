"""Worker processes forked with `os.fork`, each with a pipe from the parent and one back.

A pool whose parent hands out every piece of work needs no shared queue and no lock: each
worker reads what its own pipe brings and writes to its own pipe back. Messages are pickles
with their length in front. multiprocessing's queues and locks would cost a tree scan about
12 ms of imports (tempfile, socket and more) before the first worker starts.

Only where forking is safe (`processes.can_fork`). A worker that dies shows as the end of
its pipe back (`Workers.receive` yields None for it); workers ignore Ctrl-C (the parent
stops them) and never return into the parent's code: they leave with `os._exit`.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, Optional

_LENGTH = struct.Struct(">I")


class Channel:
    """One direction of a pipe: whole messages in, whole messages out (blocking)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_LENGTH.pack(len(data)) + data)
        while view:
            view = view[os.write(self.fd, view) :]

    def recv(self) -> Any:
        """The next message. Raises EOFError when the other end is closed."""
        (size,) = _LENGTH.unpack(_read_exactly(self.fd, _LENGTH.size))
        return pickle.loads(_read_exactly(self.fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            raise EOFError("the other end of the pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# What a worker runs: its messages from the parent (`inbox`) and its channel back.
Target = Callable[[Channel, Channel], None]


class Workers:
    """`count` forked workers running `target(inbox, outbox)`; the parent sends to one
    (`send`) and takes what they send back (`receive`). Use as a context manager: leaving
    it stops and reaps every worker."""

    def __init__(self, count: int, target: Target) -> None:
        self.pids: list[int] = []
        self._abandoned = False
        self._to: list[Channel] = []
        self._from: dict[int, int] = {}  # read end of a worker's pipe back -> worker
        pipes = [(os.pipe(), os.pipe()) for _ in range(count)]
        # The pipe ends this process holds: a worker closes all but its own two, so that a
        # worker's end shows (as EOF) when that worker is gone.
        held = {fd for pair in pipes for ends in pair for fd in ends}
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered here is written twice
        # Forked workers share this process's objects until they write to them; the cycle
        # collector would write to every one (and copy every page).
        gc.freeze()
        try:
            for index, ((to_read, to_write), (back_read, back_write)) in enumerate(pipes):
                pid = os.fork()
                if pid == 0:
                    _run_worker(target, to_read, back_write, held - {to_read, back_write})
                self.pids.append(pid)
                for fd in (to_read, back_write):
                    os.close(fd)
                    held.discard(fd)
                self._to.append(Channel(to_write))
                self._from[back_read] = index
        except BaseException:
            for fd in held:
                os.close(fd)
            for pid in self.pids:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            raise
        finally:
            gc.unfreeze()
        self._ends: dict[int, Channel] = {fd: Channel(fd) for fd in self._from}

    def send(self, worker: int, message: Any) -> None:
        self._to[worker].send(message)

    def receive(self) -> Iterator[tuple[int, Optional[Any]]]:
        """Wait for messages; yields (worker, message) for each one ready, and (worker, None)
        for a worker whose pipe back ended (it exited or died)."""
        poll = select.poll()  # (no descriptor limit, unlike select.select)
        for fd in self._ends:
            poll.register(fd, select.POLLIN)
        for fd, _ in poll.poll():
            worker = self._from[fd]
            try:
                yield worker, self._ends[fd].recv()
            except EOFError:
                os.close(fd)
                del self._ends[fd]
                yield worker, None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], *rest: object) -> None:
        """Tell every worker to stop (its pipe from here closes) and reap it. One that has not
        ended after a second is killed; after an exception, or `abandon`, all are at once."""
        for channel in self._to:
            os.close(channel.fd)
        for fd in self._ends:
            os.close(fd)
        patience = 0.0 if exc_type is not None or self._abandoned else 1.0
        for pid in self.pids:
            if not _reaped(pid, patience):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    def abandon(self) -> None:
        """The work is given up (a worker failed): leaving kills the workers at once."""
        self._abandoned = True


def _run_worker(target: Target, inbox: int, outbox: int, others: set[int]) -> None:
    """In a forked worker: run `target`, then leave the process (never return)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
        for fd in others:
            os.close(fd)
        target(Channel(inbox), Channel(outbox))
        code = 0
    finally:
        os._exit(code)


def _reaped(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for `pid` to exit; True when it did (and is reaped)."""
    deadline = time.monotonic() + timeout
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


__all__ = ["Channel", "Target", "Workers"]
