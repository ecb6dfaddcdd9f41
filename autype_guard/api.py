"""The library entry points: `scan_paths`, `scan_bytes` and `scan_text`.

What the CLI, the pre-commit hook and the tests call. Never prints, never exits, never raises
for a bad file: problems come back as `FileResult.error` (could not scan) or notes.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .config import Config
from .context import FileContext, ScanSettings
from .discovery import Candidate, DiscoveryStats, Skip, Walker, classify, relative_to_root
from .exposure import place_of
from .keys import KeyMatcher
from .model import (
    VERIFICATION,
    VERIFICATION_DETAIL,
    FileKind,
    FileResult,
    Finding,
    GitSource,
    Severity,
    UnusedSuppression,
)
from .progress import ProgressCallback
from .rules import RULES, Rule, precedence
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
    jobs: int = 1
    key_collector: Optional[KeyCollector] = field(default=None, repr=False, compare=False)

    @property
    def settings(self) -> ScanSettings:
        return ScanSettings(self.show_secrets, self.show_placeholders)


@dataclass
class ScanReport:
    """The outcome of a run: per-file results plus what discovery skipped."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    stats: DiscoveryStats = field(default_factory=DiscoveryStats)
    elapsed: float = 0.0
    # Files scanned clean (or skipped as binary) whose FileResult was not kept, so that a
    # history scan of 100,000 blobs keeps memory flat.
    clean_uncounted: int = 0
    binary_uncounted: int = 0
    git: Optional[GitSource] = None  # set by git-aware scans (--staged, --since, --history)

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


@lru_cache(maxsize=8)
def _matcher(pattern: str) -> KeyMatcher:
    return KeyMatcher(pattern)


def active_rules(config: Config) -> tuple[type[Rule], ...]:
    """The rules enabled by config and `--select`/`--ignore`."""
    return tuple(rule for rule in RULES if config.is_enabled(rule.CODE))


@lru_cache(maxsize=8)
def _markers(rules: tuple[type[Rule], ...]) -> tuple[bytes, ...]:
    return tuple(sorted({m for rule in rules for m in rule.MARKERS}))


def may_have_findings(data: bytes, config: Config) -> bool:
    """The cheap bytes prefilter of `scan_bytes` for plain (not packed, not binary) content:
    False means no enabled rule can fire on `data`. UTF-16 with a BOM always passes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return any(marker in data for marker in _markers(active_rules(config)))


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
            lambda blob, name, path: _scan_plain(blob, name, config, options, path),
        )
    return _scan_plain(data, display, config, options, rel)


def _scan_plain(
    data: bytes, display: str, config: Config, options: ScanOptions, rel: str
) -> FileResult:
    kind = classify(display, data[:256])
    result = FileResult(display, kind, size=len(data))
    if looks_binary(data):
        result.kind = FileKind.BINARY
        result.skipped = "binary"
        return result
    enabled = active_rules(config)
    decoded = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # The byte prefilter only understands ASCII-compatible encodings.
        decoded = decode(data)
        data = decoded.text.encode("utf-8", "surrogatepass")
    # Cheap prefilter: a rule runs only on files holding one of its markers, so a file that
    # merely mentions Autype is not parsed for keys, and one without any marker is not decoded.
    present = {marker for marker in _markers(enabled) if marker in data}
    rules = tuple(rule for rule in enabled if any(m in present for m in rule.MARKERS))
    if not rules:
        if options.inline_ignore and _SUPPRESSION_BYTES in data:
            text = (decoded or decode(data)).text
            result.unused_suppressions = _unused(text, {}, config)
        return result
    if decoded is None:
        decoded = decode(data)
    result.notes.extend(decoded.notes)
    ctx = FileContext(
        path=display,
        kind=kind,
        place=place_of(display, kind, decoded.text, config),
        text=decoded.text,
        config=config,
        matcher=_matcher(config.key_pattern),
        settings=options.settings,
        key_collector=options.key_collector,
    )
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.check(ctx))
    result.notes.extend(ctx.notes)
    kept = []
    used: dict[int, frozenset[str]] = {}
    for finding in _one_per_line(findings):
        line_start, line_end = ctx.lines.line_bounds(
            ctx.lines.offset_of(finding.line, finding.column) or 0
        )
        inline = options.inline_ignore and is_inline_ignored(
            decoded.text[line_start:line_end], finding.code
        )
        if inline:
            used[finding.line] = used.get(finding.line, frozenset()) | {finding.code}
        if inline or is_config_ignored(finding, rel, config):
            result.suppressed += 1
        else:
            kept.append(finding)
    result.findings = kept
    if options.inline_ignore:
        result.unused_suppressions = _unused(decoded.text, used, config)
    return result


_SUPPRESSION_BYTES = SUPPRESSION_MARKER.encode("ascii")


def _unused(text: str, used: dict[int, frozenset[str]], config: Config) -> list[UnusedSuppression]:
    known = frozenset(rule.CODE for rule in RULES)
    return unused_suppressions(text, used, config.is_enabled, known)


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    """Keep the most specific finding on each line (see `rules.precedence`)."""
    best: dict[int, Finding] = {}
    for finding in findings:
        env_file = finding.kind is FileKind.ENV
        old = best.get(finding.line)
        if (
            old is None
            or precedence(finding.code, env_file) < precedence(old.code, env_file)
            or (old.placeholder and not finding.placeholder)
        ):
            best[finding.line] = finding
    return [best[line] for line in sorted(best)]


def scan_text(
    text: str,
    path: str = "<stdin>",
    config: Optional[Config] = None,
    options: ScanOptions = ScanOptions(),
) -> FileResult:
    """Scan a string as if it were the file `path`. Never raises."""
    return scan_bytes(text.encode("utf-8"), path, config or Config(), options)


def read_file(path: Path) -> bytes:
    """Read a regular file without blocking on FIFOs or devices swapped in after discovery."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def scan_file(candidate: Candidate, config: Config, options: ScanOptions) -> FileResult:
    """Read and scan one discovered file. Never raises; read errors become `error`."""
    try:
        data = read_file(candidate.path)
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return FileResult(candidate.display, classify(candidate.display), error=reason)
    try:
        return scan_bytes(
            data,
            candidate.display,
            config,
            options,
            relpath=relative_to_root(candidate.path, config.root),
        )
    except Exception as exc:
        return FileResult(
            candidate.display,
            classify(candidate.display),
            error=f"internal error while scanning: {type(exc).__name__}: {exc}",
        )


def scan_paths(
    paths: Sequence[Path],
    config: Config,
    options: ScanOptions = ScanOptions(),
    *,
    progress: Optional[ProgressCallback] = None,
) -> ScanReport:
    """Discover and scan everything under `paths`. Never raises for file-system trouble.

    `progress`, when given, is called after each file with the files and bytes done so far.
    """
    started = time.perf_counter()
    walker = Walker(config, respect_gitignore=options.respect_gitignore)
    report = ScanReport(stats=walker.stats)
    candidates: list[Candidate] = []
    for item in walker.walk(paths):
        if isinstance(item, Skip):
            report.skipped.append(item)
        else:
            candidates.append(item)
    results = _scan_all(candidates, config, options)
    if progress is not None:
        results = _reporting(results, candidates, progress)
    report.files.extend(results)
    report.elapsed = time.perf_counter() - started
    return report


def _scan_all(
    candidates: list[Candidate], config: Config, options: ScanOptions
) -> Iterable[FileResult]:
    return (scan_file(c, config, options) for c in candidates)


def _reporting(
    results: Iterable[FileResult], candidates: list[Candidate], progress: ProgressCallback
) -> Iterator[FileResult]:
    """Pass `results` through, telling `progress` how far the run has got."""
    total_bytes = 0
    for candidate in candidates:
        with contextlib.suppress(OSError):
            total_bytes += candidate.path.stat().st_size
    nbytes = 0
    for files, result in enumerate(results, 1):
        nbytes += result.size
        progress(files, nbytes, len(candidates), total_bytes)
        yield result


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
