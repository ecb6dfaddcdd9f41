"""Reading reports back: the JSON and SARIF reports of several runs (the shards of one scan,
`scan --shard K/N`) merged into one `ScanReport`, which any reporter then renders.

Findings are deduplicated by rule, fingerprint, path, line and column. History shards mark
each finding with `properties.walk_order` (its commit's position in the walk): of the
findings of one key at one path, the earliest is kept, as one history run would, and the
mark is dropped. Counts are recomputed: files scanned and binary files add up across
shards (each scanned its own share); what discovery passed over (excluded, git-ignored,
symlinks) is the same walk in every shard, so the largest count is kept. Errors, notes and
unused suppressions are listed once.

What a format does not hold cannot come back: a SARIF report has no file kinds (they are
guessed from the path), no scan counts and no fix edits; neither format holds fix edits.
Raises `ReportFormatError` for a file that is not a report of this tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from ..classify import classify
from ..model import (
    Applicability,
    DiscoveryStats,
    FileKind,
    FileResult,
    Finding,
    Fix,
    GitSource,
    RelatedLocation,
    ScanReport,
    Severity,
    Skip,
    Span,
    UnusedSuppression,
)

WALK_ORDER = "walk_order"  # Finding.properties key a history shard sets (sources/git.py)
# SARIF result properties the SARIF reporter writes from Finding fields, not from properties.
_SARIF_OWN = frozenset(
    ("severity", "security-severity", "fingerprint", "encoding", "placeholder", "fix")
)
_SCAN_ERROR = "could not be scanned: "


class ReportFormatError(ValueError):
    """A file that is not an autype-guard JSON or SARIF report; one-line message."""


@dataclass
class _Part:
    """What one report says."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[Optional[str], str]] = field(default_factory=list)
    unused: list[tuple[str, UnusedSuppression]] = field(default_factory=list)
    scanned: int = 0
    binary: int = 0
    stats: DiscoveryStats = field(default_factory=DiscoveryStats)
    suppressed: int = 0
    baselined: int = 0
    elapsed: float = 0.0
    git: Optional[GitSource] = None


def read_report(text: str, name: str = "report") -> _Part:
    """One JSON or SARIF report (told apart by their content)."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ReportFormatError(f"{name}: not JSON ({exc})") from None
    try:
        if isinstance(doc, dict) and "runs" in doc:
            return _from_sarif(doc)
        if isinstance(doc, dict) and "findings" in doc and "summary" in doc:
            return _from_json(doc)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ReportFormatError(f"{name}: not a readable autype-guard report ({exc!r})") from None
    raise ReportFormatError(f"{name}: neither an autype-guard JSON nor a SARIF report")


def merge(parts: Iterable[_Part]) -> ScanReport:
    """One report of everything `parts` found, as if one run had made it."""
    parts = list(parts)
    findings = _dedupe(f for part in parts for f in part.findings)
    files: dict[str, FileResult] = {}

    def file(path: str, kind: Optional[FileKind] = None) -> FileResult:
        result = files.get(path)
        if result is None:
            result = files[path] = FileResult(path, kind or classify(path))
        return result

    for finding in findings:
        file(finding.path, finding.kind).findings.append(finding)
    seen_notes: set[tuple[Optional[str], str]] = set()
    report = ScanReport()
    for part in parts:
        for path, note in part.notes:
            if (path, note) in seen_notes:
                continue
            seen_notes.add((path, note))
            if path is None:
                report.stats.notes.append(note)
            else:
                file(path).notes.append(note)
    seen_unused: set[tuple[str, int, int]] = set()
    for part in parts:
        for path, unused in part.unused:
            if (path, unused.line, unused.column) not in seen_unused:
                seen_unused.add((path, unused.line, unused.column))
                file(path).unused_suppressions.append(unused)
    seen_errors: set[tuple[str, str]] = set()
    for part in parts:
        for path, reason in part.errors:
            if (path, reason) not in seen_errors:
                seen_errors.add((path, reason))
                report.skipped.append(Skip(path, reason, error=True))
    suppressed = sum(p.suppressed for p in parts)
    baselined = sum(p.baselined for p in parts)
    if (suppressed or baselined) and not files:
        file("")  # carries the counts (reports show only totals)
    if files:
        first = min(files.values(), key=lambda r: r.path)
        first.suppressed, first.baselined = suppressed, baselined
    report.files = sorted(files.values(), key=lambda r: r.path)
    report.clean_uncounted = max(0, sum(p.scanned for p in parts) - len(files))
    report.binary_uncounted = sum(p.binary for p in parts)
    for name in ("excluded", "git_ignored", "symlinks", "special"):
        setattr(report.stats, name, max((getattr(p.stats, name) for p in parts), default=0))
    report.elapsed = max((p.elapsed for p in parts), default=0.0)
    gits = [p.git for p in parts if p.git is not None]
    if gits:
        report.git = replace(gits[0], commits=max(g.commits for g in gits))
    return report


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (rule, fingerprint, path, line, column); of a history shard's
    findings, one per key and path: the one its earliest commit introduced."""
    plain: dict[tuple[str, str, str, int, int], Finding] = {}
    earliest: dict[tuple[str, str], tuple[int, Finding]] = {}
    for finding in findings:
        props = dict(finding.properties)
        order = props.get(WALK_ORDER)
        if order is not None and order.isdigit():
            stripped = replace(
                finding, properties=tuple(p for p in finding.properties if p[0] != WALK_ORDER)
            )
            ident = (finding.path, finding.fingerprint)
            old = earliest.get(ident)
            if old is None or int(order) < old[0]:
                earliest[ident] = (int(order), stripped)
            continue
        key = (finding.code, finding.fingerprint, finding.path, finding.line, finding.column)
        plain.setdefault(key, finding)
    out = list(plain.values())
    for _, finding in earliest.values():
        key = (finding.code, finding.fingerprint, finding.path, finding.line, finding.column)
        if key not in plain:
            out.append(finding)
    return out


# --- JSON ------------------------------------------------------------------------------------


def _from_json(doc: dict[str, Any]) -> _Part:
    part = _Part()
    for item in doc["findings"]:
        fix = item.get("fix")
        part.findings.append(
            Finding(
                code=str(item["code"]),
                name=str(item["name"]),
                message=str(item["message"]),
                path=str(item["path"]),
                kind=FileKind(item["kind"]),
                span=Span.of(
                    (int(item["line"]), int(item["column"])),
                    (int(item["end_line"]), int(item["end_column"])),
                ),
                severity=Severity(item["severity"]),
                fingerprint=str(item["fingerprint"]),
                preview=str(item.get("preview") or ""),
                suggestion=str(item.get("suggestion") or ""),
                snippet=str(item.get("snippet") or ""),
                fix=None
                if not fix
                else Fix(str(fix["title"]), Applicability(fix["applicability"])),
                encoding=str(item.get("encoding") or ""),
                placeholder=bool(item.get("placeholder")),
                related=tuple(
                    RelatedLocation(str(r["path"]), int(r["line"]), str(r["message"]))
                    for r in item.get("related") or ()
                ),
                properties=tuple(
                    (str(k), str(v)) for k, v in (item.get("properties") or {}).items()
                ),
                byte_offset=item.get("byte_offset"),
                byte_length=int(item.get("byte_length") or 0),
            )
        )
    part.errors = [(str(e["path"]), str(e["message"])) for e in doc.get("errors") or ()]
    part.notes = [
        (None if n.get("path") is None else str(n["path"]), str(n["message"]))
        for n in doc.get("notes") or ()
    ]
    part.unused = [
        (
            str(u["path"]),
            UnusedSuppression(
                int(u["line"]),
                int(u["column"]),
                tuple(u.get("codes") or ()),
                tuple(u.get("unknown_codes") or ()),
            ),
        )
        for u in doc.get("unused_suppressions") or ()
    ]
    summary = doc["summary"]
    part.scanned = int(summary.get("files_scanned") or 0)
    part.binary = int(summary.get("binary_skipped") or 0)
    part.stats = DiscoveryStats(
        excluded=int(summary.get("excluded") or 0),
        git_ignored=int(summary.get("git_ignored") or 0),
        symlinks=int(summary.get("symlinks_skipped") or 0),
    )
    part.suppressed = int(summary.get("suppressed") or 0)
    part.baselined = int(summary.get("baselined") or 0)
    part.elapsed = float(summary.get("elapsed_seconds") or 0.0)
    git = doc.get("git")
    if isinstance(git, dict):
        part.git = GitSource(
            mode=str(git["mode"]),
            root=str(git["root"]),
            head=git.get("head"),
            branch=git.get("branch"),
            remote=git.get("remote"),
            since=git.get("since"),
            commits=int(git.get("commits") or 0),
            shallow=tuple(git.get("shallow_boundary") or ()),
        )
    return part


# --- SARIF -----------------------------------------------------------------------------------


def _sarif_path(location: dict[str, Any]) -> str:
    uri = str(location["artifactLocation"]["uri"])
    if uri.startswith("file:"):
        return unquote(urlsplit(uri).path)
    return unquote(uri, errors="surrogateescape")


def _sarif_message(text: str, related: int) -> str:
    """The finding's message without the links to related locations the reporter adds."""
    for i in range(related, 0, -1):
        cut = text.rfind(f"({i}).")
        start = text.rfind(" See [", 0, cut)
        if cut < 0 or start < 0:
            break
        text = text[:start] + text[cut + len(f"({i}).") :]
    return text


def _from_sarif(doc: dict[str, Any]) -> _Part:
    part = _Part()
    for run in doc["runs"]:
        rules = run["tool"]["driver"].get("rules") or []
        names = {str(r["id"]): str(r.get("name") or r["id"]) for r in rules}
        for result in run.get("results") or ():
            physical = result["locations"][0]["physicalLocation"]
            path = _sarif_path(physical)
            region = physical.get("region") or {}
            props = dict(result.get("properties") or {})
            byte_offset = region.get("byteOffset")
            if byte_offset is not None:
                span = Span.of((1, int(byte_offset) + 1), (1, int(byte_offset) + 1))
            else:
                span = Span.of(
                    (int(region["startLine"]), int(region.get("startColumn", 1))),
                    (
                        int(region.get("endLine", region["startLine"])),
                        int(region.get("endColumn", region.get("startColumn", 1))),
                    ),
                )
            related = tuple(
                RelatedLocation(
                    _sarif_path(r["physicalLocation"]),
                    int(r["physicalLocation"].get("region", {}).get("startLine", 1)),
                    str(r.get("message", {}).get("text", "")),
                )
                for r in result.get("relatedLocations") or ()
            )
            code = str(result["ruleId"])
            fix_title = props.get("fix")
            part.findings.append(
                Finding(
                    code=code,
                    name=names.get(code, code),
                    message=_sarif_message(str(result["message"]["text"]), len(related)),
                    path=path,
                    kind=classify(path),
                    span=span,
                    severity=Severity(props.get("severity", "high")),
                    fingerprint=str(props.get("fingerprint", "")),
                    snippet=str(region.get("snippet", {}).get("text", "")),
                    fix=None
                    if fix_title is None
                    else Fix(str(fix_title), Applicability.DISPLAY_ONLY),
                    encoding=str(props.get("encoding") or ""),
                    placeholder=bool(props.get("placeholder")),
                    related=related,
                    properties=tuple(
                        (str(k), str(v)) for k, v in props.items() if k not in _SARIF_OWN
                    ),
                    byte_offset=None if byte_offset is None else int(byte_offset),
                    byte_length=int(region.get("byteLength") or 0),
                )
            )
        for invocation in run.get("invocations") or ():
            for note in invocation.get("toolExecutionNotifications") or ():
                text = str(note["message"]["text"])
                locations = note.get("locations") or []
                where = _sarif_path(locations[0]["physicalLocation"]) if locations else None
                if note.get("level") == "error" and text.startswith(_SCAN_ERROR) and where:
                    part.errors.append((where, text[len(_SCAN_ERROR) :]))
                elif note.get("level") == "note":
                    part.notes.append((where, text))
        for provenance in run.get("versionControlProvenance") or ():
            part.git = GitSource(
                mode="unknown",  # SARIF does not say which kind of git-aware scan it was
                root="",
                head=provenance.get("revisionId"),
                branch=provenance.get("branch"),
                remote=provenance.get("repositoryUri"),
            )
    return part
