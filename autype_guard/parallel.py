"""Scanning with a pool of worker processes.

Trees (`scan_tree_in_pool`): the parent only looks at the paths it was given; workers walk
and scan the directories themselves and hand work over to a worker that runs out of it
(see the section below). Runs with a progress bar list the tree first (for its totals) and
send batches of paths (`scan_in_pool`): each worker reads and scans its batch and sends
back only the results worth keeping (see `ScanReport.add`) and counts of the rest. At most
three batches per worker are in flight, so neither side holds more than a few batches of
paths or file contents however large the tree; batches are taken as they finish but added
to the report in discovery order, so the output does not depend on scheduling.
(`api.scan_paths` keeps runs of fewer than `api.SMALL_RUN` files in the calling process.)
Sources that cut their own work into batches (image layers) use `OrderedPool`.

Workers are forked on Linux (cheap: they share the parent's imported modules) unless the
parent runs other threads, where forking is unsafe; elsewhere they are spawned. A worker that
dies (killed, out of memory) does not lose files: its batch is scanned again in the parent
(a tree pool's run is scanned again in the parent).
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

from .config import Config, ConfigResolver
from .engine import ScanOptions, engine_for
from .model import BINARY_FILE, FileResult, ScanReport, Skip
from .paths import relative_to_root
from .processes import start_context
from .shard import Shard
from .sources.files import CandidateScanner, scan_candidates
from .sources.walk import Candidate, DirTask, DirWalk, Walker

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


# --- whole trees: workers walk subtrees themselves ----------------------------------------
#
# The parent only looks at the paths it was given (`Walker.plan`): each directory becomes a
# DirTask, named files go out in batches. A worker takes a unit from a shared queue, walks
# and scans it, and sends back one ScanReport with only the results worth keeping. While a
# worker waits for work and the queue is empty, the busy workers give away the directories
# they would reach last (and, in a directory of many files, the second half of its files):
# those go into the queue as new units. Every unit has a key that sorts in walk order (a
# unit's own output comes before what it gave away, and what it gave away later comes
# before what it gave away earlier), so the parent merges the reports in key order and the
# run's report does not depend on scheduling.

# Files scanned between two looks at whether a worker waits for work.
_STEP = 64
# Named files per unit.
_NAMED_BATCH = 128

_Key = tuple[int, ...]
# A unit: directories to walk (in walk order, below one top directory), or files to scan.
_Unit = Union[tuple[DirTask, ...], list[Candidate]]


class _Setup(NamedTuple):
    """What every worker of a tree pool starts from (inherited when forked)."""

    config: Config
    options: ScanOptions
    shard: Shard
    respect_gitignore: bool
    resolver: ConfigResolver
    visible: dict[str, Optional[frozenset[str]]]


class _Shared:
    """Counters every process of a tree pool sees: workers waiting for a unit and units in
    the queue. A worker gives work away while more workers wait than units are queued."""

    def __init__(self, ctx: Any) -> None:
        self.counts = ctx.RawArray("i", 2)
        self.lock = ctx.Lock()

    def add(self, waiting: int, queued: int) -> None:
        with self.lock:
            self.counts[0] += waiting
            self.counts[1] += queued

    def hungry(self) -> bool:
        counts = self.counts
        return bool(counts[0] > counts[1])


def scan_tree_in_pool(
    walker: Walker,
    paths: Sequence[Path],
    config: Config,
    options: ScanOptions,
    jobs: int,
    shard: Shard,
) -> Optional[ScanReport]:
    """Walk and scan `paths` with `jobs` worker processes that walk subtrees themselves;
    the same report as `walker.walk` scanned in order. None when a worker died or failed:
    the caller scans the run again in this process."""
    engine_for(config, options).prefilter.prepare_for_large_run()  # inherited by forked workers
    outcomes: dict[_Key, ScanReport] = {}
    units: list[tuple[_Key, _Unit]] = []
    for unit in _plan(walker, paths, shard, config):
        key: _Key = (len(outcomes) + len(units),)
        if isinstance(unit, ScanReport):
            outcomes[key] = unit
        else:
            units.append((key, unit))
    if units:
        ctx = start_context()
        shared = _Shared(ctx)
        tasks = ctx.Queue()
        results = ctx.Queue()
        setup = _Setup(
            config, options, shard, walker.respect_gitignore, walker.resolver, walker.visible
        )
        workers = [
            ctx.Process(target=_tree_worker, args=(setup, tasks, results, shared), daemon=True)
            for _ in range(jobs)
        ]
        try:
            if ctx.get_start_method() == "fork":
                # Forked workers share this process's objects until they write to them; the
                # cycle collector would write to every one (and copy every page).
                gc.freeze()
            try:
                for worker in workers:
                    worker.start()
            finally:
                gc.unfreeze()
            shared.add(0, len(units))
            for item in units:
                tasks.put(item)
            if not _gather(results, workers, {key for key, _ in units}, outcomes):
                return None
            for _ in workers:
                tasks.put(None)
            for worker in workers:
                worker.join(timeout=10)
        finally:
            for worker in workers:
                if worker.is_alive() and worker.exitcode is None and worker.pid is not None:
                    worker.terminate()
            for q in (tasks, results):
                q.close()
                q.cancel_join_thread()
    report = ScanReport()
    seen: set[Skip] = set()
    for key in sorted(outcomes):
        _merge(report, outcomes[key], seen)
    walker.stats = report.stats
    return report


def _plan(
    walker: Walker, paths: Sequence[Path], shard: Shard, config: Config
) -> Iterator[_Unit | ScanReport]:
    """The run as units in walk order: a ScanReport for what this process found at the
    paths themselves (skips, excluded paths), a batch of named files, a directory."""
    local = ScanReport(stats=walker.stats)
    batch: list[Candidate] = []

    def flush() -> Iterator[_Unit | ScanReport]:
        nonlocal local, batch
        yield local
        if batch:
            yield batch
        local, batch = ScanReport(), []
        walker.stats = local.stats

    for item in walker.plan(paths):
        if isinstance(item, Skip):
            if shard.takes(item.display):
                local.skipped.append(item)
        elif isinstance(item, DirTask):
            yield from flush()
            yield (item,)
        elif _takes(shard, item, config):
            batch.append(item)
            if len(batch) >= _NAMED_BATCH:
                yield from flush()
    yield from flush()


def _takes(shard: Shard, candidate: Candidate, config: Config) -> bool:
    """Whether `shard` takes the file (by its path relative to the config root)."""
    return shard.whole or shard.takes(
        candidate.relpath or relative_to_root(Path(candidate.path), config.root)
    )


def _gather(
    results: Any, workers: list[Any], expected: set[_Key], outcomes: dict[_Key, ScanReport]
) -> bool:
    """Take workers' reports into `outcomes` until every unit, given away ones too, is done.
    False when a worker died or failed."""
    import queue

    done: set[_Key] = set()
    while not expected <= done:
        try:
            key, outcome, given = results.get(timeout=0.2)
        except queue.Empty:
            if any(not worker.is_alive() for worker in workers):
                return False
            continue
        if outcome is None:
            return False  # a worker failed: `given` is its error
        outcomes[key] = outcome
        done.add(key)
        expected.update(given)
    return True


def _tree_worker(setup: _Setup, tasks: Any, results: Any, shared: _Shared) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    walker = Walker(
        setup.config, respect_gitignore=setup.respect_gitignore, resolver=setup.resolver
    )
    walker.visible = setup.visible
    while True:
        shared.add(1, 0)
        item = tasks.get()
        if item is None:
            return
        shared.add(-1, -1)
        key, unit = item
        try:
            report, given = _scan_unit(walker, setup, key, unit, tasks, shared)
        except Exception as exc:  # a bug: the parent scans the run again itself
            results.put((key, None, f"{type(exc).__name__}: {exc}"))
            return
        results.put((key, report, given))


def _scan_unit(
    walker: Walker, setup: _Setup, key: _Key, unit: _Unit, tasks: Any, shared: _Shared
) -> tuple[ScanReport, list[_Key]]:
    """Walk and scan one unit; give work away while other workers wait. Returns the report
    and the keys of the units given away."""
    shard, config = setup.shard, setup.config
    scan = CandidateScanner(setup.config, setup.options)
    walker.restart()
    report = ScanReport(stats=walker.stats)
    walk: Optional[DirWalk] = None
    pending: list[Candidate] = []
    if isinstance(unit, tuple):
        walk = walker.resume(unit)
    else:
        pending = unit
    given: list[_Key] = []
    while True:
        if not pending and walk is not None:
            items = walk.next_dir()
            if items is None:
                break
            for item in items:
                if isinstance(item, Skip):
                    if shard.takes(item.display):
                        report.skipped.append(item)
                elif _takes(shard, item, config):
                    pending.append(item)
        elif not pending:
            break
        step, pending = pending[:_STEP], pending[_STEP:]
        for candidate in step:
            report.add(scan(candidate), candidate.display)
        if shared.hungry():
            away: list[_Unit]
            away, pending = _give_away(walk, pending)
            if away:
                round_ = -1 - len({k[len(key)] for k in given})
                keys = [(*key, round_, i) for i in range(len(away))]
                shared.add(0, len(away))
                for unit_key, part in zip(keys, away, strict=True):
                    tasks.put((unit_key, part))
                given.extend(keys)
    return report, given


def _give_away(
    walk: Optional[DirWalk], pending: list[Candidate]
) -> tuple[list[_Unit], list[Candidate]]:
    """Units taken from the end of what is left to do (files pending in the current
    directory, then the walk's stack), and the files kept."""
    stack = walk.stack if walk is not None else []
    if walk is not None and len(stack) >= 2:
        return [tuple(walk.split(len(stack) // 2))], pending
    if walk is not None and stack and pending:
        return [tuple(walk.split(1))], pending
    if not stack and len(pending) >= 2 * _STEP:
        half = len(pending) // 2
        return [pending[half:]], pending[:half]
    return [], pending


def _merge(report: ScanReport, part: ScanReport, seen: set[Skip]) -> None:
    """Add a unit's report to the run's. A broken config is reported by the first unit
    below it in walk order (units below it that come later report it again)."""
    report.files.extend(part.files)
    report.clean_uncounted += part.clean_uncounted
    report.binary_uncounted += part.binary_uncounted
    for skip in part.skipped:
        if skip.error and skip.reason.startswith("invalid config: "):
            if skip in seen:
                continue
            seen.add(skip)
        report.skipped.append(skip)
    stats, more = report.stats, part.stats
    stats.excluded += more.excluded
    stats.git_ignored += more.git_ignored
    stats.symlinks += more.symlinks
    stats.special += more.special
    for note in more.notes:
        if note not in stats.notes:
            stats.notes.append(note)
    for reason, names in more.passed_over.items():
        for name in names:
            stats.sample(reason, name)
