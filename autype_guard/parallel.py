"""Scanning batches of files with a pool of worker processes.

Runs with a progress bar list the tree first (for its totals) and send batches of paths
(`scan_in_pool`): each worker reads and scans its batch and sends back only the results
worth keeping (see `ScanReport.add`) and counts of the rest. At most three batches per
worker are in flight, so neither side holds more than a few batches of paths or file
contents however large the tree; batches are taken as they finish but added to the report
in discovery order, so the output does not depend on scheduling. (`api.scan_paths` keeps
runs of fewer than `api.SMALL_RUN` files in the calling process; whole trees without a
progress bar go to `treepool.py`, whose workers walk subtrees themselves.) Sources that cut
their own work into batches (image layers) use `OrderedPool`.

Workers are forked on Linux (cheap: they share the parent's imported modules) unless the
parent runs other threads, where forking is unsafe; elsewhere they are spawned. A worker that
dies (killed, out of memory) does not lose files: its batch is scanned again in the parent.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, Optional

from .config import Config
from .engine import ScanOptions, engine_for
from .model import BINARY_FILE, FileResult, ScanReport
from .processes import start_context
from .sources.files import scan_candidates
from .sources.walk import Candidate

# A batch's outcome: the results worth keeping, the numbers of clean text and binary files,
# the seconds the worker spent on it, and some binary files' names (DiscoveryStats.sample).
_Outcome = tuple[list[FileResult], int, int, float, list[str]]

# Set once in each worker process by `_init`: what every batch is scanned with.
_WORKER: dict[str, Any] = {}


def _init(config: Config, options: ScanOptions) -> None:
    _WORKER["config"] = config
    _WORKER["options"] = options


def _scan_batch(batch: list[Candidate], config: Config, options: ScanOptions) -> _Outcome:
    started = time.perf_counter()
    report = ScanReport()
    for candidate, result in scan_candidates(batch, config, options):
        report.add(result, candidate.display)
    return (
        report.files,
        report.clean_uncounted,
        report.binary_uncounted,
        time.perf_counter() - started,
        report.stats.passed_over.get(BINARY_FILE, []),
    )


def _work(batch: list[Candidate]) -> _Outcome:
    return _scan_batch(batch, _WORKER["config"], _WORKER["options"])


class _BatchSize:
    """How many files to send per batch: as many as a worker scans in about TARGET_SECONDS,
    measured on the batches so far. Small files travel in large batches (less overhead per
    file), large ones (bundles, source maps) in small batches that spread over the workers.
    Sizes are not looked up: that would cost the parent a stat per file."""

    FIRST, SMALLEST, LARGEST = 16, 1, 128
    TARGET_SECONDS = 0.04

    def __init__(self) -> None:
        self.files = self.FIRST

    def measured(self, files: int, seconds: float) -> None:
        if files <= 0:
            return
        wanted = files * self.TARGET_SECONDS / max(seconds, 1e-4)
        # At most double or halve per batch: a run of tiny files must not make the next
        # batch a hundred bundles.
        wanted = max(self.files / 2, min(self.files * 2, wanted))
        self.files = max(self.SMALLEST, min(self.LARGEST, round(wanted)))


def scan_in_pool(
    candidates: Iterator[Candidate],
    config: Config,
    options: ScanOptions,
    jobs: int,
    report: ScanReport,
    done: Optional[Callable[[int], None]] = None,
) -> None:
    """Scan `candidates` with `jobs` worker processes, adding every result to `report`;
    `done(n)` is called after each batch of n files.

    Batches are collected as they finish, whichever finishes first (a batch holding a large
    bundle must not leave the other workers idle behind it), and added to `report` in the
    order they were sent."""
    engine_for(config, options).prefilter.prepare_for_large_run()  # inherited by forked workers
    running: dict[Future[_Outcome], tuple[int, list[Candidate]]] = {}
    finished: dict[int, _Outcome] = {}  # outcomes that wait for an earlier batch
    order = _InOrder(report, finished)
    size = _BatchSize()
    sent = 0
    executor: Optional[ProcessPoolExecutor] = ProcessPoolExecutor(
        max_workers=jobs, mp_context=start_context(), initializer=_init, initargs=(config, options)
    )

    def scan_here(seq: int, batch: list[Candidate]) -> None:
        order.arrived(seq, _scan_batch(batch, config, options))
        if done is not None:
            done(len(batch))

    try:
        while True:
            batch = list(islice(candidates, size.files))
            if not batch:
                break
            seq, sent = sent, sent + 1
            if executor is None:
                scan_here(seq, batch)
                continue
            try:
                running[executor.submit(_work, batch)] = (seq, batch)
            except BrokenProcessPool:
                executor = _broken(executor)
                scan_here(seq, batch)
                continue
            while len(running) >= _IN_FLIGHT * jobs:
                executor = _finish_some(running, executor, config, options, order, size, done)
        while running:
            executor = _finish_some(running, executor, config, options, order, size, done)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


# Batches in flight per worker: enough that a worker never waits for the parent's next batch.
_IN_FLIGHT = 3


class _InOrder:
    """Adds batch outcomes to a report in the order the batches were sent."""

    def __init__(self, report: ScanReport, finished: dict[int, _Outcome]) -> None:
        self.report = report
        self.finished = finished
        self.next = 0

    def arrived(self, seq: int, outcome: _Outcome) -> None:
        self.finished[seq] = outcome
        while self.next in self.finished:
            _collect(self.finished.pop(self.next), self.report)
            self.next += 1


def _finish_some(
    running: dict[Future[_Outcome], tuple[int, list[Candidate]]],
    executor: Optional[ProcessPoolExecutor],
    config: Config,
    options: ScanOptions,
    order: _InOrder,
    size: _BatchSize,
    done: Optional[Callable[[int], None]],
) -> Optional[ProcessPoolExecutor]:
    """Wait for at least one running batch and take every batch that has finished."""
    finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
    for future in finished:
        seq, batch = running.pop(future)
        try:
            outcome = future.result()
        except BrokenProcessPool:
            executor = _broken(executor)
            outcome = _scan_batch(batch, config, options)
        order.arrived(seq, outcome)
        size.measured(len(batch), outcome[3])
        if done is not None:
            done(len(batch))
    return executor


def _broken(executor: Optional[ProcessPoolExecutor]) -> Optional[ProcessPoolExecutor]:
    """Shut a broken pool down; the rest of the run is scanned in this process."""
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
    return None


def _collect(outcome: _Outcome, report: ScanReport) -> None:
    kept, clean, binary, _, binaries = outcome
    report.files.extend(kept)
    report.clean_uncounted += clean
    report.binary_uncounted += binary
    for name in binaries:
        report.stats.sample(BINARY_FILE, name)


class OrderedPool:
    """Worker processes for sources that cut their own work into batches (`--image`
    layers): `map(fn, batches)` runs the module-level `fn` on each batch in a worker and
    yields the outcomes in the batches' order, with at most `_IN_FLIGHT` batches per worker
    in flight (batches are taken from the iterator only as room frees up). Workers start at
    the first batch and serve every `map` until `close`; a pool that breaks runs the rest
    in this process."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.executor: Optional[ProcessPoolExecutor] = None
        self.broken = False

    def map(self, fn: Callable[[Any], Any], batches: Iterator[Any]) -> Iterator[Any]:
        running: deque[tuple[Future[Any], Any]] = deque()
        for batch in batches:
            executor = self._executor()
            if executor is None:
                running.append((_done(fn, batch), batch))
            else:
                try:
                    running.append((executor.submit(fn, batch), batch))
                except BrokenProcessPool:
                    self._broke()
                    running.append((_done(fn, batch), batch))
            while len(running) >= _IN_FLIGHT * self.jobs:
                yield self._result(fn, *running.popleft())
        while running:
            yield self._result(fn, *running.popleft())

    def _executor(self) -> Optional[ProcessPoolExecutor]:
        if self.executor is None and not self.broken:
            self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=start_context())
        return self.executor

    def _result(self, fn: Callable[[Any], Any], future: Future[Any], batch: Any) -> Any:
        try:
            return future.result()
        except BrokenProcessPool:
            self._broke()
            return fn(batch)

    def _broke(self) -> None:
        self.broken = True
        self.executor = _broken(self.executor)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def _done(fn: Callable[[Any], Any], batch: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(fn(batch))
    return future
