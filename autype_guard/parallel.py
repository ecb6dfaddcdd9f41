"""Scanning with a pool of worker processes, fed while discovery goes on.

The parent walks the tree and sends batches of paths; each worker reads and scans its batch
and sends back only the results worth keeping (see `ScanReport.add`) and counts of the rest.
At most two batches per worker are in flight, so neither side holds more than a few batches
of paths or file contents however large the tree; results come back in discovery order, so
the output does not depend on scheduling. (`api.scan_paths` keeps runs of fewer than
`api.SMALL_RUN` files in the calling process.)

Workers are forked on Linux (cheap: they share the parent's imported modules) unless the
parent runs other threads, where forking is unsafe; elsewhere they are spawned. A worker that
dies (killed, out of memory) does not lose files: its batch is scanned again in the parent.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Optional

from .api import ScanOptions, ScanReport, is_clean, scan_file
from .config import Config
from .discovery import Candidate
from .model import FileResult

BATCH_FILES = 64
BATCH_BYTES = 4 << 20

# A batch's outcome: the results worth keeping, then the numbers of clean text and binary files.
_Outcome = tuple[list[FileResult], int, int]

# Set once in each worker process by `_init`: what every batch is scanned with.
_WORKER: dict[str, Any] = {}


def _init(config: Config, options: ScanOptions) -> None:
    _WORKER["config"] = config
    _WORKER["options"] = options


def _scan_batch(batch: list[Candidate], config: Config, options: ScanOptions) -> _Outcome:
    kept: list[FileResult] = []
    clean = binary = 0
    for candidate in batch:
        result = scan_file(candidate, config, options)
        if not is_clean(result):
            kept.append(result)
        elif result.skipped == "binary":
            binary += 1
        else:
            clean += 1
    return kept, clean, binary


def _work(batch: list[Candidate]) -> _Outcome:
    return _scan_batch(batch, _WORKER["config"], _WORKER["options"])


def _batches(candidates: Iterable[Candidate]) -> Iterator[list[Candidate]]:
    """Batches of at most BATCH_FILES files and (about) BATCH_BYTES bytes, so that a few
    large files (bundles, source maps) spread over the workers instead of queueing behind
    one another in a single batch."""
    batch: list[Candidate] = []
    size = 0
    for candidate in candidates:
        with contextlib.suppress(OSError):  # an unreadable file: the worker reports it
            size += os.lstat(candidate.path).st_size
        batch.append(candidate)
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def scan_in_pool(
    candidates: Iterator[Candidate],
    config: Config,
    options: ScanOptions,
    jobs: int,
    report: ScanReport,
) -> None:
    """Scan `candidates` with `jobs` worker processes, adding every result to `report`."""
    pending: deque[tuple[list[Candidate], Future[_Outcome]]] = deque()
    executor: Optional[ProcessPoolExecutor] = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_context(), initializer=_init, initargs=(config, options)
    )
    try:
        for batch in _batches(candidates):
            if executor is None:
                _collect(_scan_batch(batch, config, options), report)
                continue
            try:
                pending.append((batch, executor.submit(_work, batch)))
            except BrokenProcessPool:
                executor = _broken(executor)
                _collect(_scan_batch(batch, config, options), report)
                continue
            while len(pending) >= 2 * jobs:
                executor = _finish_one(pending, executor, config, options, report)
        while pending:
            executor = _finish_one(pending, executor, config, options, report)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def _finish_one(
    pending: deque[tuple[list[Candidate], Future[_Outcome]]],
    executor: Optional[ProcessPoolExecutor],
    config: Config,
    options: ScanOptions,
    report: ScanReport,
) -> Optional[ProcessPoolExecutor]:
    batch, future = pending.popleft()
    try:
        outcome = future.result()
    except BrokenProcessPool:
        executor = _broken(executor)
        outcome = _scan_batch(batch, config, options)
    _collect(outcome, report)
    return executor


def _broken(executor: Optional[ProcessPoolExecutor]) -> Optional[ProcessPoolExecutor]:
    """Shut a broken pool down; the rest of the run is scanned in this process."""
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
    return None


def _collect(outcome: _Outcome, report: ScanReport) -> None:
    kept, clean, binary = outcome
    report.files.extend(kept)
    report.clean += clean
    report.clean_binary += binary
