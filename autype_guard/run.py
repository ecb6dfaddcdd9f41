"""A run: what a `RunRequest` names (paths, standard input, or a git repository's index,
changes or history) scanned serially or in a pool of worker processes, with progress, the
baseline applied and the opt-in live check of what is left. Produces a `ScanReport`.

The CLI builds a RunRequest from its options; library users can build one too and get the
same baseline and live-check handling (`execute`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .baseline import Baseline
from .baseline import apply as apply_baseline
from .config import Config, ConfigResolver
from .engine import ScanOptions, engine_for
from .model import EXCLUDED, VERIFICATION, VERIFICATION_DETAIL, ScanReport, Severity, Skip
from .paths import relative_to_root
from .processes import can_fork
from .progress import ProgressCallback
from .shard import WHOLE, Shard
from .sources.blobs import scan_bytes
from .sources.files import scan_candidates
from .sources.walk import Candidate, Walker, is_excluded

if TYPE_CHECKING:
    from .parallel import OrderedPool
    from .sources.git import Repository
    from .sources.web import UrlTarget
    from .verify import KeyCollector, VerifyResult

# Per-request timeout of the live check, in seconds, and how many requests run at once.
VERIFY_TIMEOUT = 5.0
VERIFY_CONCURRENCY = 4


@dataclass(frozen=True)
class GitTarget:
    """A git-aware scan: `mode` is "staged", "since" (with `since`), "history" (`since`
    optional) or "push" (with `pushed`); `pathspecs` limit it (empty: the whole repository).

    `pushed`: (remote's old revision, local revision) per ref a push updates, all zeros for
    none; `remote`: the remote pushed to (its remote-tracking refs count as pushed).
    History only: `cache` is the file of an incremental audit (see
    `sources/history_cache.py`)."""

    mode: str
    since: Optional[str] = None
    pathspecs: tuple[str, ...] = ()
    pushed: tuple[tuple[str, str], ...] = ()
    remote: Optional[str] = None
    cache: Optional[Path] = None


@dataclass
class RunRequest:
    """Everything one run does. Exactly one target: `paths`, `stdin`, `git`, `web` or
    `images`."""

    config: Config
    options: ScanOptions = field(default_factory=ScanOptions)
    paths: Sequence[Path] = ()
    stdin: Optional[bytes] = None  # content read from standard input...
    stdin_name: str = "<stdin>"  # ...scanned as if it were this file
    git: Optional[GitTarget] = None
    web: Optional[UrlTarget] = None  # a deployed site: what a browser gets from these URLs
    # Container images: archives (`docker save`), OCI layouts, `docker://NAME`.
    images: Sequence[str] = ()
    baseline: Optional[Baseline] = None  # accepted findings, dropped from the report
    baseline_dir: Path = Path(".")  # where the baseline file is (its paths are relative)
    verify_url: Optional[str] = None  # run the live check against this API (opt-in)
    verify_timeout: float = VERIFY_TIMEOUT
    verify_concurrency: int = VERIFY_CONCURRENCY
    progress: Optional[ProgressCallback] = None
    # Scan only this share of the files (paths: by path relative to the config root) or of
    # the blobs (history: by object id); see `shard.py`.
    shard: Shard = WHOLE


@dataclass
class RunOutcome:
    """A run's report and, when the live check ran, its result per key fingerprint."""

    report: ScanReport
    verified: dict[str, VerifyResult] = field(default_factory=dict)


def execute(request: RunRequest) -> RunOutcome:
    """Scan what `request` names, drop what its baseline accepts (before the live check, so
    accepted keys are never sent) and run the live check if asked. Never raises for a bad
    file; raises `sources.git.GitError` for trouble with git, `sources.image.ImageError` for
    a `docker://` image that cannot be saved and `verify.ApiUrlError` for
    an unacceptable API URL (before any request)."""
    targets = [
        request.git is not None,
        request.stdin is not None,
        bool(request.paths),
        request.web is not None,
        bool(request.images),
    ]
    if sum(targets) > 1:
        raise ValueError("a RunRequest names one target: paths, stdin, git, web or images")
    config, options = request.config, request.options
    collector = None
    if request.verify_url is not None:
        from .verify import KeyCollector

        collector = KeyCollector()
        options = replace(options, key_collector=collector)
    if request.web is not None:
        from .sources.web import scan_urls  # start-up time: only URL scans need it

        report = scan_urls(request.web, engine_for(config, options), effective_jobs(options.jobs))
    elif request.images:
        from .sources.image import scan_images  # start-up time: only image scans need it

        # The live check's key collector stays in this process (it must not be pickled).
        jobs = 1 if options.key_collector is not None else effective_jobs(options.jobs)
        report = scan_images(
            request.images, config, options, request.shard, _image_pool(jobs) if jobs > 1 else None
        )
    elif request.git is not None:
        report = _scan_git(request.git, config, options, request.progress, request.shard)
    elif request.stdin is not None:
        report = ScanReport()
        if request.stdin_name != "<stdin>" and is_excluded(Path(request.stdin_name), config):
            report.stats.excluded += 1
            report.stats.sample(EXCLUDED, request.stdin_name)
        else:
            report.files.append(scan_bytes(request.stdin, request.stdin_name, config, options))
    else:
        report = scan_paths(
            request.paths, config, options, progress=request.progress, shard=request.shard
        )
    if request.baseline is not None:
        apply_baseline(report.files, request.baseline, request.baseline_dir)
    verified: dict[str, VerifyResult] = {}
    if collector is not None and request.verify_url is not None:
        try:
            verified = verify_findings(
                report,
                collector,
                request.verify_url,
                timeout=request.verify_timeout,
                max_workers=request.verify_concurrency,
            )
        finally:
            collector.clear()
    return RunOutcome(report, verified)


def _scan_git(
    target: GitTarget,
    config: Config,
    options: ScanOptions,
    progress: Optional[ProgressCallback],
    shard: Shard = WHOLE,
) -> ScanReport:
    from .sources import git  # start-up time: only git-aware runs need it

    repo = git.open_repository(Path(target.pathspecs[0] if target.pathspecs else "."))
    specs = git.pathspecs(repo, target.pathspecs)
    if target.mode == "staged":
        return git.scan_staged(repo, config, options, specs)
    if target.mode == "push":
        return _scan_push(repo, target, config, options, specs, progress)
    if target.mode == "history":
        return git.scan_history(
            repo,
            config,
            options,
            since=target.since,
            specs=specs,
            progress=progress,
            shard=shard,
            cache=target.cache,
        )
    assert target.since is not None
    return git.scan_changed(repo, target.since, config, options, specs, progress=progress)


def _scan_push(
    repo: Repository,
    target: GitTarget,
    config: Config,
    options: ScanOptions,
    specs: Sequence[str],
    progress: Optional[ProgressCallback],
) -> ScanReport:
    """The commits a push brings, as `scan --pre-push` sees them (see GitTarget.pushed)."""
    from .sources import git, push

    updates = []
    for old, new in target.pushed:
        if push.is_zero(new):
            continue  # a deletion brings nothing
        new = git.resolve_commit(repo, new)
        if not push.is_zero(old):
            try:
                old = git.resolve_commit(repo, old)
            except git.GitError:  # not in this clone: only remote-tracking refs exclude
                old = "0" * len(new)
        updates.append(push.RefUpdate(old, new, ""))
    commits = push.pre_push_range(repo, updates, target.remote)
    return push.scan_pushed(
        repo, commits, config, options, mode="push", specs=specs, progress=progress
    )


def _image_pool(jobs: int) -> Callable[[], OrderedPool]:
    def start() -> OrderedPool:
        from .parallel import OrderedPool  # start-up time: only large layers need it

        return OrderedPool(jobs)

    return start


# Runs of fewer files stay in the calling process: starting workers costs more than it saves.
SMALL_RUN = 64


def effective_jobs(jobs: int) -> int:
    """The number of worker processes `jobs` asks for: 0 (or less) means every usable core."""
    if jobs > 0:
        return jobs
    affinity = getattr(os, "sched_getaffinity", None)  # Linux: the cores this process may use
    if affinity is not None:
        try:
            return max(1, len(affinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


def scan_paths(
    paths: Sequence[Path],
    config: Config,
    options: Optional[ScanOptions] = None,
    *,
    progress: Optional[ProgressCallback] = None,
    shard: Shard = WHOLE,
) -> ScanReport:
    """Discover and scan everything under `paths`. Never raises for file-system trouble.

    With `shard`, only the files it takes (by their path relative to the config root) are
    scanned; the others are not counted anywhere.

    With `options.jobs` other than 1, files are scanned by a pool of worker processes fed
    while discovery goes on; small runs stay in this process (a pool is not worth starting).
    `progress`, when given, is called as files are done with the files and bytes done so far
    (and the totals: with a progress bar the tree is listed first, to know them).
    """
    started = time.perf_counter()
    options = options or ScanOptions()
    from .rules import rule_codes

    resolver = ConfigResolver(config, rule_codes())
    walker = Walker(config, respect_gitignore=options.respect_gitignore, resolver=resolver)
    report = ScanReport(stats=walker.stats)

    def candidates(report: ScanReport) -> Iterator[Candidate]:
        for item in walker.walk(paths):
            if isinstance(item, Skip):
                if shard.takes(item.display):
                    report.skipped.append(item)
            elif shard.whole or shard.takes(
                item.relpath or relative_to_root(Path(item.path), config.root)
            ):
                yield item

    # The live check's key collector stays in this process (it must not be pickled).
    jobs = 1 if options.key_collector is not None else effective_jobs(options.jobs)
    todo: Iterator[Candidate] = candidates(report)
    tracker = None
    if progress is not None:
        listed = list(todo)
        tracker = _Progress(progress, listed)
        todo = iter(listed)
    if jobs > 1:
        head = list(islice(todo, SMALL_RUN))
        if len(head) < SMALL_RUN:
            todo = iter(head)  # a small run: scan it here
        elif tracker is not None or not can_fork():
            # start-up time: a pre-commit run over a few files never loads multiprocessing
            from .parallel import scan_in_pool

            # The tree is listed already (for the progress bar's totals), or workers cannot
            # be forked (the tree pool's way): send the files.
            done = tracker.done if tracker is not None else None
            scan_in_pool(chain(head, todo), config, options, jobs, report, done)
            todo = iter(())
        else:
            from .treepool import scan_tree_in_pool

            # Workers walk the tree themselves: start over (what was read stays cached).
            walker.restart()
            pooled = scan_tree_in_pool(walker, paths, config, options, jobs, shard)
            if pooled is not None:
                pooled.elapsed = time.perf_counter() - started
                return pooled
            walker.restart()  # a worker died: scan the run here
            report = ScanReport(stats=walker.stats)
            todo = candidates(report)
    for candidate, result in scan_candidates(todo, config, options):
        report.add(result, candidate.display)
        if tracker is not None:
            tracker.done(1)
    report.elapsed = time.perf_counter() - started
    return report


class _Progress:
    """Tells a progress callback how far a run over `candidates` (in order) has got."""

    def __init__(self, callback: ProgressCallback, candidates: list[Candidate]) -> None:
        self.callback = callback
        self.sizes = []
        for candidate in candidates:
            try:
                self.sizes.append(os.lstat(candidate.path).st_size)
            except OSError:
                self.sizes.append(0)
        self.total = sum(self.sizes)
        self.files = self.bytes = 0

    def done(self, files: int) -> None:
        self.bytes += sum(self.sizes[self.files : self.files + files])
        self.files += files
        self.callback(self.files, self.bytes, len(self.sizes), self.total)


def verify_findings(
    report: ScanReport,
    collector: KeyCollector,
    api_url: str,
    *,
    timeout: float = 5.0,
    max_workers: int = 4,
) -> dict[str, VerifyResult]:
    """Run the live check for a scan made with `ScanOptions(key_collector=collector)`.

    Sends each distinct real key behind `report`'s findings once (see `verify.verify_keys`):
    keys of suppressed findings and placeholders are never sent. Annotates the findings in
    place with the `VERIFICATION` and `VERIFICATION_DETAIL` properties; a live key's
    findings become critical. Returns fingerprint -> result. Never raises for network
    trouble; raises `verify.ApiUrlError` for an unacceptable `api_url` before any request.
    """
    from .verify import Outcome, verify_keys

    wanted = [f.fingerprint for f in report.findings if not f.placeholder]
    keys = collector.keys_for(wanted)
    checked = verify_keys(keys.values(), api_url, timeout=timeout, max_workers=max_workers)
    by_fingerprint = {fp: checked[key] for fp, key in keys.items()}
    for result in report.files:
        annotated = []
        for finding in result.findings:
            outcome = by_fingerprint.get(finding.fingerprint)
            if outcome is not None and not finding.placeholder:
                finding = replace(
                    finding,
                    severity=Severity.CRITICAL
                    if outcome.outcome is Outcome.LIVE
                    else finding.severity,
                    properties=(
                        *(p for p in finding.properties if p[0] not in _VERIFY_PROPERTIES),
                        (VERIFICATION, outcome.outcome.value),
                        (VERIFICATION_DETAIL, outcome.detail),
                    ),
                )
            annotated.append(finding)
        result.findings = annotated
    return by_fingerprint


_VERIFY_PROPERTIES = frozenset((VERIFICATION, VERIFICATION_DETAIL))
