"""Scanning a whole tree with worker processes that walk subtrees themselves.

The parent only looks at the paths it was given (`Walker.plan`): each directory becomes a
DirTask, named files go out in batches. A worker takes a unit from a shared queue, walks
and scans it, and sends back one ScanReport with only the results worth keeping. While a
worker waits for work and the queue is empty, the busy workers give away the directories
they would reach last (and, in a directory of many files, the second half of its files):
those go into the queue as new units. Every unit has a key that sorts in walk order (a
unit's own output comes before what it gave away, and what it gave away later comes
before what it gave away earlier), so the parent merges the reports in key order and the
run's report does not depend on scheduling.

Workers are forked on Linux (cheap: they share the parent's imported modules) unless the
parent runs other threads; a worker that dies or fails makes the caller scan the run again
in its own process. (Batches of named files, as runs with a progress bar send them, and
sources that cut their own work, are `parallel.py`'s.) This module does not import
`concurrent.futures`: a tree scan starts without it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

from .config import Config, ConfigResolver
from .engine import ScanOptions, engine_for
from .model import ScanReport, Skip
from .paths import relative_to_root
from .processes import start_context
from .shard import Shard
from .sources.files import CandidateScanner
from .sources.walk import Candidate, DirTask, DirWalk, Walker

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
        self.counts: Any
        if ctx.get_start_method() == "fork":
            import mmap

            # An anonymous shared mapping, inherited by forked workers: `RawArray` would cost
            # ctypes and a temporary directory for its heap, several milliseconds of start-up.
            self.counts = memoryview(mmap.mmap(-1, 8)).cast("i")
        else:
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
    # The files of the current directory (or batch) still to scan, the next one last.
    pending: list[Candidate] = []
    if isinstance(unit, tuple):
        walk = walker.resume(unit)
    else:
        pending = unit[::-1]
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
            pending.reverse()
        elif not pending:
            break
        # Files one at a time, looking after each whether a worker waits: a directory of
        # large bundles is shared out as soon as another worker runs dry.
        if pending:
            candidate = pending.pop()
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
    directory, then the walk's stack), and the files kept. `pending` holds the next file
    last; a unit of files lists them in walk order."""
    stack = walk.stack if walk is not None else []
    if walk is not None and len(stack) >= 2:
        return [tuple(walk.split(len(stack) // 2))], pending
    if walk is not None and stack and pending:
        return [tuple(walk.split(1))], pending
    if not stack and len(pending) >= 2:
        # The files this worker would reach last go, the half it reaches next stays.
        half = len(pending) // 2
        return [pending[half - 1 :: -1]], pending[half:]
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
