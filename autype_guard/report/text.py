"""Human output in the style of ruff: a one-line location, a code frame, what to do."""

from __future__ import annotations

from collections import Counter

from ..model import VERIFICATION, VERIFICATION_DETAIL, Finding, ScanReport, Severity
from . import ReportOptions

_SEVERITY_COLOR = {
    Severity.CRITICAL: "1;31",
    Severity.HIGH: "31",
    Severity.MEDIUM: "33",
    Severity.LOW: "36",
    Severity.INFO: "2",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_finding(finding: Finding, options: ReportOptions) -> str:
    """One finding: location line, code frame with a caret under the key, help lines."""
    c = options.color
    where = _paint(f"{finding.path}:{finding.line}:{finding.column}:", "1", c)
    code = _paint(finding.code, _SEVERITY_COLOR[finding.severity], c)
    lines = [f"{where} {code} {finding.message} [{finding.severity.value}]"]
    if finding.snippet:
        gutter = str(finding.line)
        pad = " " * len(gutter)
        start, width = finding.snippet_caret
        lines.append(f"{pad} |")
        lines.append(f"{gutter} | {finding.snippet}")
        caret = " " * start + "^" * width
        lines.append(f"{pad} | {_paint(caret, _SEVERITY_COLOR[finding.severity], c)}")
    for related in finding.related:
        lines.append(f"  = note: {related.message} ({related.path}:{related.line})")
    properties = dict(finding.properties)
    if "commit" in properties:
        when = f" ({properties['author_date']})" if properties.get("author_date") else ""
        lines.append(f"  = commit: {properties['commit'][:12]}{when}")
    if VERIFICATION in properties:
        detail = properties.get(VERIFICATION_DETAIL)
        verified = f"  = verified: {properties[VERIFICATION]}" + (f" ({detail})" if detail else "")
        lines.append(_paint(verified, _SEVERITY_COLOR[finding.severity], c))
    if finding.suggestion:
        lines.append(f"  = help: {finding.suggestion}")
    return "\n".join(lines)


def render(report: ScanReport, options: ReportOptions) -> str:
    """The whole report: findings, notes, errors and a summary line."""
    out: list[str] = []
    findings = report.findings
    for finding in findings:
        out.append(render_finding(finding, options))
        out.append("")
    for result in report.files:
        for note in result.notes:
            out.append(f"note: {result.path}: {note}")
        for unused in result.unused_suppressions:
            where = f"{result.path}:{unused.line}:{unused.column}:"
            out.append(f"{_paint(where, '1', options.color)} note: {unused.message}")
    for note in report.stats.notes:
        out.append(f"note: {note}")
    for path, reason in report.errors:
        out.append(_paint(f"error: {path}: could not be scanned: {reason}", "31", options.color))
    out.append(_summary(report, findings))
    return "\n".join(out) + "\n"


def _summary(report: ScanReport, findings: list[Finding]) -> str:
    by_rule = Counter(f.code for f in findings)
    rules = ", ".join(f"{code}: {n}" for code, n in sorted(by_rule.items()))
    git = report.git
    if git is not None and git.mode == "history":
        parts = [f"{report.scanned} blobs scanned from {git.commits} commits"]
    else:
        parts = [f"{report.scanned} files scanned"]
    if report.binary:
        parts.append(f"{report.binary} binary skipped")
    if report.stats.excluded:
        parts.append(f"{report.stats.excluded} excluded")
    if report.stats.git_ignored:
        parts.append(
            f"{report.stats.git_ignored} ignored by git (use --no-ignore to scan them:"
            " built bundles are often git-ignored)"
        )
    if report.stats.symlinks:
        parts.append(f"{report.stats.symlinks} symlinks not followed")
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed")
    if report.baselined:
        parts.append(f"{report.baselined} in the baseline")
    errors = report.errors
    if errors:
        parts.append(f"{len(errors)} could not be read")
    head = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''}"
    if rules:
        head += f" ({rules})"
    tail = ""
    if findings:
        tail = (
            "\nRotate every exposed key in the Autype dashboard (Settings -> API Keys)."
            " To accept a false positive, add `autype-guard: ignore[CODE]` in a comment on its"
            " line or list its fingerprint under `allowlist`."
        )
    return f"{head}; {', '.join(parts)} in {report.elapsed:.2f}s.{tail}"
