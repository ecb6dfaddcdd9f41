"""Scanning a whole tree with forked worker processes that walk subtrees themselves.

The parent only looks at the paths it was given (`Walker.plan`): each directory becomes a
DirTask, named files go out in batches. The parent hands each waiting worker a unit; the
worker walks and scans it and sends back one ScanReport with only the results worth
keeping. While a worker waits and the parent holds no unit for it, the busy workers give
away the directories they would reach last (and, in a directory of many files, the second
half of its files): those go to the parent as new units. Every unit has a key that sorts in
walk order (a unit's own output comes before what it gave away, and what it gave away later
comes before what it gave away earlier), so the parent merges the reports in key order and
the run's report does not depend on scheduling.

Only where forking is safe (`processes.can_fork`; elsewhere `run` sends batches of files to
`parallel.py`'s pool). The workers talk to the parent over pipes (`forked.py`): no
multiprocessing, no concurrent.futures, so a tree scan starts without importing them. A
worker that dies or fails makes the caller scan the run again in its own process.
"""

from __future__ import annotations

import mmap
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, Optional, Union

from .config import Config, ConfigResolver
from .engine import ScanOptions, engine_for
from .forked import Channel, Workers
from .model import ScanReport, Skip
from .paths import relative_to_root
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
    """Counters the parent writes and every worker reads: workers waiting for a unit, units
    the parent holds for them, and a generation that changes with each update. A worker
    gives work away while more workers wait than units are held, once per generation (what
    it gave reaches the parent before the counters say so)."""

    def __init__(self) -> None:
        # An anonymous shared mapping, inherited by the forked workers.
        self.counts = memoryview(mmap.mmap(-1, 12)).cast("i")
        self._gave_at = -1

    def set(self, waiting: int, held: int) -> None:
        counts = self.counts
        counts[0], counts[1] = waiting, held
        counts[2] += 1

    def hungry(self) -> bool:
        counts = self.counts
        return bool(counts[0] > counts[1]) and counts[2] != self._gave_at

    def gave(self) -> None:
        self._gave_at = self.counts[2]


def scan_tree_in_pool(
    walker: Walker,
    paths: Sequence[Path],
    config: Config,
    options: ScanOptions,
    jobs: int,
    shard: Shard,
) -> Optional[ScanReport]:
    """Walk and scan `paths` with `jobs` forked worker processes that walk subtrees
    themselves (only where `processes.can_fork`); the same report as `walker.walk` scanned
    in order. None when a worker died or failed: the caller scans the run again in this
    process."""
    engine_for(config, options).prefilter.prepare_for_large_run()  # inherited by the workers
    outcomes: dict[_Key, ScanReport] = {}
    units: list[tuple[_Key, _Unit]] = []
    for unit in _plan(walker, paths, shard, config):
        key: _Key = (len(outcomes) + len(units),)
        if isinstance(unit, ScanReport):
            outcomes[key] = unit
        else:
            units.append((key, unit))
    if units:
        shared = _Shared()
        setup = _Setup(
            config, options, shard, walker.respect_gitignore, walker.resolver, walker.visible
        )
        try:
            workers = Workers(
                jobs, lambda inbox, outbox: _tree_worker(setup, inbox, outbox, shared)
            )
        except OSError:
            return None  # no pipes or processes to be had: the caller scans here
        with workers:
            if not _hand_out(workers, shared, deque(units), outcomes):
                workers.abandon()
                return None
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


def _hand_out(
    workers: Workers,
    shared: _Shared,
    held: deque[tuple[_Key, _Unit]],
    outcomes: dict[_Key, ScanReport],
) -> bool:
    """Send units to waiting workers and take their reports into `outcomes` until every
    unit, given away ones too, is done. False when a worker died or failed."""
    waiting = list(range(len(workers.pids)))
    expected = {key for key, _ in held}
    done: set[_Key] = set()
    while True:
        while waiting and held:
            try:
                workers.send(waiting.pop(), held.popleft())
            except OSError:
                return False  # its pipe broke: it died after its last report
        shared.set(len(waiting), len(held))
        if expected <= done:
            return True
        for worker, message in workers.receive():
            if message is None or message[0] == "failed":
                return False  # it died, or a bug (the message says which)
            if message[0] == "gave":
                held.extend(message[1])
                expected.update(key for key, _ in message[1])
            else:  # ("done", key, report)
                outcomes[message[1]] = message[2]
                done.add(message[1])
                waiting.append(worker)


def _tree_worker(setup: _Setup, inbox: Channel, outbox: Channel, shared: _Shared) -> None:
    walker = Walker(
        setup.config, respect_gitignore=setup.respect_gitignore, resolver=setup.resolver
    )
    walker.visible = setup.visible

    def give(units: list[tuple[_Key, _Unit]]) -> None:
        shared.gave()
        outbox.send(("gave", units))

    while True:
        try:
            key, unit = inbox.recv()
        except EOFError:
            return  # the parent is done
        try:
            report = _scan_unit(walker, setup, key, unit, shared.hungry, give)
        except Exception as exc:  # a bug: the parent scans the run again itself
            outbox.send(("failed", key, f"{type(exc).__name__}: {exc}"))
            return
        outbox.send(("done", key, report))


def _scan_unit(
    walker: Walker,
    setup: _Setup,
    key: _Key,
    unit: _Unit,
    hungry: Callable[[], bool],
    give: Callable[[list[tuple[_Key, _Unit]]], None],
) -> ScanReport:
    """Walk and scan one unit; while `hungry()` says other workers wait, `give` them work
    (as keyed units)."""
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
    rounds = 0  # of giving work away
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
        if hungry():
            away: list[_Unit]
            away, pending = _give_away(walk, pending)
            if away:
                # Later rounds take work from nearer the front: their keys sort first.
                rounds += 1
                give([((*key, -rounds, i), part) for i, part in enumerate(away)])
    return report


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
