"""The library entry points: `scan_paths`, `scan_bytes` and `scan_text`.

What the CLI, the pre-commit hook and the tests call. Never prints, never exits, never raises
for a bad file: problems come back as `FileResult.error` (could not scan) or notes.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from .config import Config
from .context import FileContext, ScanSettings
from .discovery import Candidate, DiscoveryStats, Skip, Walker, classify, relative_to_root
from .exposure import place_of
from .keys import DEFAULT_KEY_PATTERN, PREFILTER_MARKERS, KeyMatcher, marker_confirmations
from .model import (
    VERIFICATION,
    VERIFICATION_DETAIL,
    FileKind,
    FileResult,
    Finding,
    GitSource,
    Place,
    Severity,
    UnusedSuppression,
)
from .prefilter import Prefilter
from .progress import ProgressCallback
from .rules import RULES, Rule, one_per_key
from .suppress import (
    SUPPRESSION_MARKER,
    is_config_ignored,
    is_inline_ignored,
    unused_suppressions,
)
from .textio import decode, looks_binary
from .unpack import packing_of

if TYPE_CHECKING:
    from .verify import KeyCollector, VerifyResult


@dataclass(frozen=True)
class ScanOptions:
    """Per-run choices that are not repository configuration.

    `key_collector` is set only when the user asked for the live check (`scan --verify`):
    the scan then hands the raw keys behind its findings to it, in memory. It cannot be
    pickled, so a scan that sets it must run its files in this process.
    """

    show_secrets: bool = False
    show_placeholders: bool = False
    respect_gitignore: bool = True
    inline_ignore: bool = True
    # Worker processes for `scan_paths`: 1 scans in this process, 0 uses every core.
    jobs: int = 1
    # The marker search engine: "auto", "python" or "ahocorasick" (see `prefilter.py`).
    prefilter: str = "auto"
    # Files larger than `chunk_size` bytes are scanned in windows of that size which overlap
    # by `chunk_overlap` bytes on each side (see `chunks.py`), so memory stays bounded.
    chunk_size: int = 8 << 20
    chunk_overlap: int = 256 << 10
    key_collector: Optional[KeyCollector] = field(default=None, repr=False, compare=False)

    @property
    def settings(self) -> ScanSettings:
        return ScanSettings(self.show_secrets, self.show_placeholders)


@dataclass
class ScanReport:
    """The outcome of a run: per-file results plus what discovery skipped.

    `scan_paths` keeps a FileResult only for files with something to say (findings,
    suppressions, notes, errors) and counts the others in `clean_uncounted` and
    `binary_uncounted`, so a run's memory does not grow with the number of files; `scanned`
    and `binary` count both.
    """

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    stats: DiscoveryStats = field(default_factory=DiscoveryStats)
    elapsed: float = 0.0
    # Files scanned clean (or skipped as binary) whose FileResult was not kept, so that a
    # large run (a tree of 100,000 files, a history of 100,000 blobs) keeps memory flat.
    clean_uncounted: int = 0
    binary_uncounted: int = 0
    git: Optional[GitSource] = None  # set by git-aware scans (--staged, --since, --history)

    def add(self, result: Union[FileResult, str]) -> None:
        """Record one file's result (or `scan_candidate`'s CLEAN or BINARY), keeping it only
        when it has something to say."""
        if isinstance(result, str):
            if result == BINARY:
                self.binary_uncounted += 1
            else:
                self.clean_uncounted += 1
        elif is_clean(result):
            if result.skipped == "binary":
                self.binary_uncounted += 1
            else:
                self.clean_uncounted += 1
        else:
            self.files.append(result)

    @property
    def findings(self) -> list[Finding]:
        out = [f for result in self.files for f in result.findings]
        out.sort(key=lambda f: (f.path, f.line, f.column, f.code))
        return out

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(path, reason) for everything that should have been scanned and could not be."""
        out = [(r.path, r.error) for r in self.files if r.error]
        out.extend((s.display, s.reason) for s in self.skipped if s.error)
        return out

    @property
    def scanned(self) -> int:
        kept = sum(1 for r in self.files if r.error is None and r.skipped is None)
        return kept + self.clean_uncounted

    @property
    def binary(self) -> int:
        return sum(1 for r in self.files if r.skipped == "binary") + self.binary_uncounted

    @property
    def suppressed(self) -> int:
        return sum(r.suppressed for r in self.files)

    @property
    def baselined(self) -> int:
        return sum(r.baselined for r in self.files)


def is_clean(result: FileResult) -> bool:
    """True for a file scanned (or skipped as binary) with nothing to report."""
    return (
        not result.findings
        and not result.notes
        and result.error is None
        and not result.suppressed
        and not result.baselined
        and not result.unused_suppressions
        and result.skipped in (None, "binary")
    )


@lru_cache(maxsize=8)
def _matcher(pattern: str) -> KeyMatcher:
    return KeyMatcher(pattern)


@lru_cache(maxsize=8)
def active_rules(config: Config) -> tuple[type[Rule], ...]:
    """The rules enabled by config and `--select`/`--ignore` (cached: asked once per file)."""
    return tuple(rule for rule in RULES if config.is_enabled(rule.CODE))


@lru_cache(maxsize=8)
def _prefilter(
    rules: tuple[type[Rule], ...], engine: str, suppressions: bool, key_pattern: str
) -> Prefilter:
    # One per process, rule set and key pattern.
    markers = [m for rule in rules for m in rule.MARKERS]
    if suppressions:
        markers.append(_SUPPRESSION_BYTES)
    confirm = marker_confirmations(key_pattern)
    for rule in rules:
        confirm.update(rule.CONFIRM)
    return Prefilter(markers, engine, confirm)


def may_have_findings(data: bytes, config: Config) -> bool:
    """The cheap first look of `scan_bytes` for plain (not packed, not binary) content:
    False means no enabled rule can fire on `data` (see `rules_to_run`). UTF-16 with a BOM
    always passes."""
    if data.startswith(_UTF16_BOMS):
        return True
    prefilter = _prefilter(active_rules(config), "auto", False, config.key_pattern)
    if not prefilter(data):
        return False
    return bool(rules_to_run(data, FileKind.TEXT, prefilter.present(data), config))


def scan_bytes(
    data: bytes,
    display: str,
    config: Config,
    options: ScanOptions = ScanOptions(),
    *,
    relpath: Optional[str] = None,
) -> FileResult:
    """Scan one file's content as if it lived at `display`. Never raises.

    Compressed assets and archives are scanned inside (see `unpack`), before any binary check.
    """
    rel = relpath if relpath is not None else display
    packing = packing_of(display, data)
    if packing is not None:
        from .unpack import scan_packed

        return scan_packed(
            packing,
            data,
            display,
            rel,
            lambda blob, name, path, cut: _scan_plain(blob, name, config, options, path, cut),
        )
    return _scan_plain(data, display, config, options, rel)


def _scan_plain(
    data: bytes, display: str, config: Config, options: ScanOptions, rel: str, cut: bool = False
) -> FileResult:
    kind = classify(display, data[:256])
    result = FileResult(display, kind, size=len(data))
    if looks_binary(data):
        result.kind = FileKind.BINARY
        result.skipped = "binary"
        return result
    decoded = None
    if data.startswith(_UTF16_BOMS):
        # The byte prefilter only understands ASCII-compatible encodings.
        decoded = decode(data)
        data = decoded.text.encode("utf-8", "surrogatepass")
    prefilter = prefilter_for(config, options)
    if not prefilter(data):
        return result
    present = prefilter.present(data)
    rules = rules_to_run(data, kind, present, config)
    # A suppression comment is reported when it suppresses nothing: such files are checked.
    if not rules and _SUPPRESSION_BYTES not in present:
        return result
    if decoded is None:
        decoded = decode(data)
    result.notes.extend(decoded.notes)
    place = place_of(display, kind, decoded.text, config)
    checked = check_text(
        decoded.text,
        display,
        kind,
        place,
        config,
        options,
        present=present,
        rules=rules,
        cut_after=cut,
    )
    result.notes.extend(checked.notes)
    used = finish(result, checked.findings, rel, config)
    if options.inline_ignore:
        result.unused_suppressions = _unused(decoded.text, used, config)
    return result


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def prefilter_for(config: Config, options: ScanOptions) -> Prefilter:
    """The marker prefilter of the active rules, plus the suppression comment's marker when
    inline comments count (one per process, rule set and engine)."""
    last = _LAST_PREFILTER[0]
    if last is not None and last[0] is config and last[1] is options:
        return last[2]  # asked once per file: skip hashing the config
    prefilter = _prefilter(
        active_rules(config), options.prefilter, options.inline_ignore, config.key_pattern
    )
    _LAST_PREFILTER[0] = (config, options, prefilter)
    return prefilter


_LAST_PREFILTER: list[Optional[tuple[Config, ScanOptions, Prefilter]]] = [None]


def rules_to_run(
    data: bytes, kind: FileKind, present: frozenset[bytes], config: Config
) -> tuple[type[Rule], ...]:
    """The active rules that may fire on `data`, whose prefilter markers are `present`:
    those with a marker present, less the rules that only report keys (`Rule.NEEDS_KEY`)
    when no key can be there. That is checked on the bytes read as Latin-1, much cheaper
    than decoding UTF-8, which finds a key exactly where the UTF-8 text has one (the default
    key pattern, escapes, base64 and the joiners' heads are ASCII; any other byte is a
    non-key character either way); with a custom key pattern key rules always stay.
    """
    rules = tuple(rule for rule in active_rules(config) if not present.isdisjoint(rule.MARKERS))
    if any(rule.NEEDS_KEY for rule in rules) and not _may_hold_key(
        data, kind, present & _KEY_MARKERS, config
    ):
        rules = tuple(rule for rule in rules if not rule.NEEDS_KEY)
    return rules


def nothing_to_find(data: bytes, kind: FileKind, present: frozenset[bytes], config: Config) -> bool:
    """True when no active rule can fire on `data` (see `rules_to_run`)."""
    return not rules_to_run(data, kind, present, config)


_KEY_MARKERS = frozenset(PREFILTER_MARKERS)


def _may_hold_key(data: bytes, kind: FileKind, present: frozenset[bytes], config: Config) -> bool:
    if config.key_pattern != DEFAULT_KEY_PATTERN:
        return True
    if present <= _JOIN_MARKERS:
        # Only literals closing on "ak" that may start a joined key (the prefilter dropped
        # those glued to an identifier, `"break"`): one bytes pass, without decoding, says
        # whether one does in this kind of file.
        heads = _MAP_JOIN_HEAD_BYTES if kind is FileKind.SOURCE_MAP else _JOIN_HEAD_BYTES
        if heads.search(data) is None:
            return False
    text = data.decode("latin-1")
    if kind is FileKind.SOURCE_MAP and _map_may_hide_key(text, present):
        return True
    matcher = _matcher(config.key_pattern)
    if next(matcher.find(text, present), None) is not None:
        return True
    if kind is FileKind.PYTHON:
        return matcher.has_open_key_start(text)
    from .scanners.script import may_join

    return may_join(text)


# A source map's scanner reads the JSON strings of `sourcesContent` decoded. On its raw
# text the key matcher finds at least what it finds there (\uXXXX and a backslash before a
# character are escapes it knows; an escaped quote or backslash before a key leaves it
# standing apart), with two exceptions, checked here so that such maps are read in full:
# - a prefix character written as a JSON \u escape, and a base64 run holding "\/";
# - a literal that closes on "ak" or "ak_..." (a joined key), its quote written `\"` or
#   \u00XX and "ak" maybe following a JSON escape such as `\n`.
_MAP_UNICODE_PREFIX = frozenset(m for m in PREFILTER_MARKERS if m.startswith(b"\\u"))
_MAP_BASE64 = frozenset((b"YWtf", b"FrX", b"ha18", b"ha19"))
_MAP_JOIN_HEAD = re.compile(
    r"ak(?:(?<![A-Za-z0-9_$-]ak)|(?<=\\[nrtbf]ak)|(?<=\\u[0-9a-fA-F]{4}ak))"
    r"(?:_(?:[A-Za-z0-9_-]|\\u00[0-7][0-9a-fA-F])*)?"
    r"""(?:['"`$]|\\["u])"""
)


# The markers of literals closing on "ak" (see `keys.PREFILTER_MARKERS`), and where such a
# literal may start a joined key (`scanners.script._HEAD`, then its quote or hole): in a
# script, and in a source map's raw JSON text.
_JOIN_MARKERS = frozenset(m for m in PREFILTER_MARKERS if m.startswith(b"ak") and m != b"ak_")
_JOIN_HEAD_BYTES = re.compile(rb"""ak(?<![A-Za-z0-9_$-]ak)(?:['"`]|\$\{)""")
_MAP_JOIN_HEAD_BYTES = re.compile(_MAP_JOIN_HEAD.pattern.encode("ascii"))


def _map_may_hide_key(text: str, present: frozenset[bytes]) -> bool:
    if not present.isdisjoint(_MAP_UNICODE_PREFIX):
        return True
    if not present.isdisjoint(_MAP_BASE64) and "\\/" in text:
        return True
    return "ak" in text and _MAP_JOIN_HEAD.search(text) is not None


@dataclass
class Checked:
    """What the rules found in one text: findings, each with whether an inline comment on
    its line suppresses it, and the scanners' notes."""

    findings: list[tuple[Finding, bool]]
    notes: list[str]


def check_text(
    text: str,
    display: str,
    kind: FileKind,
    place: Place,
    config: Config,
    options: ScanOptions,
    *,
    whole_file: bool = True,
    present: Optional[frozenset[bytes]] = None,
    rules: Optional[tuple[type[Rule], ...]] = None,
    cut_before: bool = False,
    cut_after: bool = False,
) -> Checked:
    """Run the active rules over `text`, a whole file or (not `whole_file`) a window of it.

    `present`: the prefilter markers that occur in `text`, if known; the key matcher then
    skips the spellings that cannot be there. `rules`: the rules to run (see `rules_to_run`;
    default: the active rules with a marker present). `cut_before`, `cut_after`: the text
    goes on unseen before its start or after its end (see `FileContext`).
    """
    matcher = _matcher(config.key_pattern)
    # A rule runs only on text holding one of its markers (all of them when not known), so
    # a file that merely mentions Autype is not searched for keys, and the other way round.
    if rules is None:
        rules = active_rules(config)
        if present is not None:
            rules = tuple(rule for rule in rules if not present.isdisjoint(rule.MARKERS))
    ctx = FileContext(
        path=display,
        kind=kind,
        place=place,
        text=text,
        config=config,
        matcher=matcher if present is None else matcher.restricted_to(text, present),
        settings=options.settings,
        whole_file=whole_file,
        key_collector=options.key_collector,
        cut_before=cut_before,
        cut_after=cut_after,
    )
    findings: list[tuple[Finding, bool]] = []
    for rule in rules:
        for finding in rule.check(ctx):
            ignored = False
            if options.inline_ignore:
                line_start, line_end = ctx.lines.line_bounds(
                    ctx.lines.offset_of(finding.line, finding.column) or 0
                )
                ignored = is_inline_ignored(text[line_start:line_end], finding.code)
            findings.append((finding, ignored))
    return Checked(findings, ctx.notes)


def finish(
    result: FileResult, findings: list[tuple[Finding, bool]], relpath: str, config: Config
) -> dict[int, frozenset[str]]:
    """Keep one finding per key occurrence (see `rules.one_per_key`), then drop (and
    count) the suppressed ones into `result`: each finding on its own, so a suppression
    never removes a finding about another key.

    Returns the codes each line's inline comment suppressed (line -> codes).
    """
    ignored = {id(f): flag for f, flag in findings}
    used: dict[int, frozenset[str]] = {}
    for finding in one_per_key(f for f, _ in findings):
        inline = ignored[id(finding)]
        if inline:
            used[finding.line] = used.get(finding.line, frozenset()) | {finding.code}
        if inline or is_config_ignored(finding, relpath, config):
            result.suppressed += 1
        else:
            result.findings.append(finding)
    return used


_SUPPRESSION_BYTES = SUPPRESSION_MARKER.encode("ascii")


def _unused(text: str, used: dict[int, frozenset[str]], config: Config) -> list[UnusedSuppression]:
    known = frozenset(rule.CODE for rule in RULES)
    return unused_suppressions(text, used, config.is_enabled, known)


def scan_text(
    text: str,
    path: str = "<stdin>",
    config: Optional[Config] = None,
    options: ScanOptions = ScanOptions(),
) -> FileResult:
    """Scan a string as if it were the file `path`. Never raises."""
    return scan_bytes(text.encode("utf-8"), path, config or Config(), options)


def open_regular(path: Union[str, Path]) -> tuple[int, int]:
    """Open a regular file for reading without blocking on FIFOs or devices swapped in after
    discovery; returns (fd, size). Raises OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_fd(fd: int, size: int) -> bytes:
    """Read an open file to its end; `size` (from fstat) lets a file be read in one call."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    chunks = [data]  # a short read, or the file grew since fstat: read on to the end
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_file(path: Union[str, Path]) -> bytes:
    """Read a regular file without blocking on FIFOs or devices swapped in after discovery."""
    fd, size = open_regular(path)
    try:
        return read_fd(fd, size)
    finally:
        os.close(fd)


def scan_file(candidate: Candidate, config: Config, options: ScanOptions) -> FileResult:
    """Read and scan one discovered file. Never raises; read errors become `error`.

    A file larger than `options.chunk_size` is read and scanned in overlapping windows.
    """
    outcome = _scan_candidate(candidate, config, options, quick=False)
    assert isinstance(outcome, FileResult)
    return outcome


# What `scan_candidate` returns for a file with nothing to report (no FileResult is built).
CLEAN = "clean"
BINARY = "binary"


def scan_candidate(
    candidate: Candidate, config: Config, options: ScanOptions
) -> Union[FileResult, str]:
    """`scan_file` for large runs: a file with nothing to report comes back as CLEAN or
    BINARY, decided with as little work as possible. Never raises."""
    return _scan_candidate(candidate, config, options, quick=True)


def _scan_candidate(
    candidate: Candidate, config: Config, options: ScanOptions, *, quick: bool
) -> Union[FileResult, str]:
    try:
        fd, size = open_regular(candidate.path)
    except OSError as exc:
        return _read_error(candidate, exc)
    relpath = candidate.relpath
    try:
        if relpath is None:
            relpath = relative_to_root(Path(candidate.path), config.root)
        # Compressed files and archives are read whole (`unpack` bounds what they expand to).
        if size > options.chunk_size and packing_of(candidate.display, _pread2(fd)) is None:
            from .chunks import scan_chunked

            result = scan_chunked(fd, size, candidate.display, relpath, config, options)
            if quick and is_clean(result):
                return BINARY if result.skipped == "binary" else CLEAN
            return result
        data = read_fd(fd, size)
        if quick and packing_of(candidate.display, data) is None:
            # The common case, without building a FileResult or classifying the file.
            if looks_binary(data):
                return BINARY
            if not data.startswith(_UTF16_BOMS) and not prefilter_for(config, options)(data):
                return CLEAN
        result = scan_bytes(data, candidate.display, config, options, relpath=relpath)
        return BINARY if quick and is_clean(result) and result.skipped == "binary" else result
    except OSError as exc:
        return _read_error(candidate, exc)
    except Exception as exc:
        return FileResult(
            candidate.display,
            classify(candidate.display),
            error=f"internal error while scanning: {type(exc).__name__}: {exc}",
        )
    finally:
        os.close(fd)


def _pread2(fd: int) -> bytes:
    """The first two bytes of an open file (gzip's magic number), leaving its offset at 0."""
    head = os.read(fd, 2)
    os.lseek(fd, 0, os.SEEK_SET)
    return head


def _read_error(candidate: Candidate, exc: OSError) -> FileResult:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return FileResult(candidate.display, classify(candidate.display), error=reason)


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
    options: ScanOptions = ScanOptions(),
    *,
    progress: Optional[ProgressCallback] = None,
) -> ScanReport:
    """Discover and scan everything under `paths`. Never raises for file-system trouble.

    With `options.jobs` other than 1, files are scanned by a pool of worker processes fed
    while discovery goes on; small runs stay in this process (a pool is not worth starting).
    `progress`, when given, is called as files are done with the files and bytes done so far
    (and the totals: with a progress bar the tree is listed first, to know them).
    """
    started = time.perf_counter()
    walker = Walker(config, respect_gitignore=options.respect_gitignore)
    report = ScanReport(stats=walker.stats)

    def candidates() -> Iterator[Candidate]:
        for item in walker.walk(paths):
            if isinstance(item, Skip):
                report.skipped.append(item)
            else:
                yield item

    # The live check's key collector stays in this process (it must not be pickled).
    jobs = 1 if options.key_collector is not None else effective_jobs(options.jobs)
    todo: Iterator[Candidate] = candidates()
    tracker = None
    if progress is not None:
        listed = list(todo)
        tracker = _Progress(progress, listed)
        todo = iter(listed)
    if jobs > 1:
        head = list(islice(todo, SMALL_RUN))
        if len(head) == SMALL_RUN:
            from .parallel import scan_in_pool

            done = tracker.done if tracker is not None else None
            scan_in_pool(chain(head, todo), config, options, jobs, report, done)
            todo = iter(())
        else:
            todo = iter(head)  # a small run: scan it here
    for candidate in todo:
        report.add(scan_candidate(candidate, config, options))
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
