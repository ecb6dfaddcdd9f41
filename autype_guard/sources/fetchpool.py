"""Worker processes that each run a few threads: for work that is part waiting on the network
and part CPU, such as fetching a file and scanning what arrived (`sources/web`).

`ThreadedPool(jobs, threads, init, init_args, work)` starts `jobs` processes; each calls
`init(*init_args)` once, then runs `work(task)` in `threads` threads, so `jobs * threads`
tasks can wait on the network at once while the CPU-bound part runs in `jobs` processes
(one interpreter lock each). Tasks and results travel through two pipes per process; results
should be small (the point is that what a task fetches never crosses a process boundary).
The parent sends each task to the process with the fewest unfinished ones (the tasks of one
`submit`, one message per process).

Processes are forked on Linux when the parent runs no other thread (cheap: they share the
parent's imported modules), else spawned (`init`, `work` and their arguments must then be
picklable: module-level functions and plain data). A process that dies gives its unfinished
tasks back (`lost`), for the caller to run elsewhere; `work` itself should not raise (an
exception is sent back as a `TaskFailed` with its type name).
"""

from __future__ import annotations

import contextlib
import queue
import selectors
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, Optional

from ..processes import start_context


class TaskFailed(NamedTuple):
    """What `work` raised (its type name only), in place of a result."""

    error: str


class _Worker:
    def __init__(self, process: Any, tasks: Connection, results: Connection) -> None:
        self.process = process
        self.tasks = tasks
        self.results = results
        self.unfinished: set[int] = set()
        self.alive = True


class ThreadedPool:
    """See the module docs. `submit`, `wait` and `close` are called from one thread."""

    def __init__(
        self,
        jobs: int,
        threads: int,
        init: Callable[..., None],
        init_args: tuple[Any, ...],
        work: Callable[[Any], Any],
    ) -> None:
        context = start_context()
        self.workers: list[_Worker] = []
        try:
            for _ in range(max(1, jobs)):
                task_reader, task_writer = context.Pipe(duplex=False)
                result_reader, result_writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_serve,
                    args=(task_reader, result_writer, max(1, threads), init, init_args, work),
                    daemon=True,
                )
                process.start()
                task_reader.close()
                result_writer.close()
                self.workers.append(_Worker(process, task_writer, result_reader))
        except BaseException:
            for worker in self.workers:  # the processes started so far
                worker.process.kill()
                worker.process.join()
            raise
        self._gone: list[int] = []  # tasks of processes found dead while sending
        self._selector = selectors.DefaultSelector()
        for worker in self.workers:
            self._selector.register(worker.results, selectors.EVENT_READ, worker)
            self._selector.register(worker.process.sentinel, selectors.EVENT_READ, worker)

    @property
    def alive(self) -> bool:
        return any(w.alive for w in self.workers)

    def submit(self, tasks: list[tuple[int, Any]]) -> bool:
        """Send each (task id, task) to the least busy live process, one message per
        process. False when no process is left: every task not yet answered is then the
        caller's to run elsewhere."""
        while tasks:
            live = [w for w in self.workers if w.alive]
            if not live:
                return False
            load = {id(w): len(w.unfinished) for w in live}
            shares: dict[int, list[tuple[int, Any]]] = {}
            for task in tasks:
                worker = min(live, key=lambda w: load[id(w)])
                load[id(worker)] += 1
                shares.setdefault(id(worker), []).append(task)
            tasks = []
            for worker in live:
                share = shares.get(id(worker), [])
                if not share:
                    continue
                try:
                    worker.tasks.send(share)
                except (OSError, ValueError):
                    tasks.extend(share)  # to the processes left
                    self._gone.extend(self._lost(worker))
                    continue
                worker.unfinished.update(task_id for task_id, _ in share)
        return True

    def wait(self, timeout: Optional[float]) -> tuple[list[tuple[int, Any]], list[int]]:
        """Results that arrived within `timeout` seconds, as (task id, result), and the ids
        of tasks lost with a process that died."""
        lost, self._gone = self._gone, []
        if not self.alive:
            return [], lost
        ready = {key.data for key, _ in self._selector.select(timeout)}
        done: list[tuple[int, Any]] = []
        for worker in self.workers:
            if worker not in ready:
                continue
            # One message per ready process: `poll` costs a selector of its own, and what
            # is left wakes the next `wait` at once.
            try:
                for task_id, result in worker.results.recv():
                    worker.unfinished.discard(task_id)
                    done.append((task_id, result))
            except (EOFError, OSError):
                pass
            if not worker.process.is_alive():
                lost.extend(self._lost(worker))
        return done, lost

    def _lost(self, worker: _Worker) -> list[int]:
        if worker.alive:
            for handle in (worker.results, worker.process.sentinel):
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(handle)
        worker.alive = False
        ids = sorted(worker.unfinished)
        worker.unfinished.clear()
        with contextlib.suppress(Exception):
            worker.process.kill()
        return ids

    def close(self, *, now: bool = False) -> None:
        """Stop every process: `now` kills them (tasks still running are abandoned), else
        each finishes its tasks first (give it a moment, then kill it)."""
        for worker in self.workers:
            if worker.alive and not now:
                with contextlib.suppress(OSError, ValueError):
                    worker.tasks.send(None)
        for worker in self.workers:
            if not now:
                worker.process.join(timeout=2.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=2.0)
            worker.alive = False
            for end in (worker.tasks, worker.results):
                end.close()
        self._selector.close()


def _serve(
    tasks: Connection,
    results: Connection,
    threads: int,
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    work: Callable[[Any], Any],
) -> None:
    """A worker process: `threads` threads run `work` on what the parent sends."""
    # Ctrl-C is the parent's to handle: it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init(*init_args)
    todo: queue.SimpleQueue[Optional[tuple[int, Any]]] = queue.SimpleQueue()
    sending = threading.Lock()

    def run() -> None:
        while True:
            item = todo.get()
            if item is None:
                return
            task_id, task = item
            try:
                result = work(task)
            except Exception as exc:  # reported to the parent by its type name
                result = TaskFailed(type(exc).__name__)
            try:
                with sending:
                    results.send([(task_id, result)])
            except OSError:
                return  # the parent is gone

    runners = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for runner in runners:
        runner.start()
    try:
        while True:
            batch = tasks.recv()
            if batch is None:
                break
            for item in batch:
                todo.put(item)
    except (EOFError, OSError):
        return  # the parent is gone: nothing to report to
    for _ in runners:
        todo.put(None)
    for runner in runners:
        runner.join()


__all__ = ["TaskFailed", "ThreadedPool"]
