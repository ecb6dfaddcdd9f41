"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request.

`::error file=app.py,line=3,col=9,endLine=3,endColumn=28,title=AG101 hardcoded-key::message`
Severity picks the command: critical and high are `error`, medium and low `warning`, info
(placeholders) `notice`. Unreadable files are errors, unused suppression comments notices.
Paths are relative to the repository root, which is where GitHub resolves them.

NOTE: every value is escaped the way the runner expects (`%`, CR and LF everywhere, and also
`:` and `,` inside properties), so a hostile file name or message cannot end the command
early or start a new one. Before that, text from the scanned files (messages, paths,
reasons) has its control characters written as `\\x1b` (`escape.py`): the runner's log
renders ANSI colours, and a local run prints to a terminal.
"""

from __future__ import annotations

from typing import Optional

from ..keys import ROTATE_HINT
from ..model import Finding, ScanReport, Severity
from .common import ReportOptions, is_url, plural, repo_path
from .escape import escape_path, escape_text

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "warning",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title) of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    name: str,
    message: str,
    *,
    file: Optional[str] = None,
    line: Optional[int] = None,
    col: Optional[int] = None,
    end_line: Optional[int] = None,
    end_column: Optional[int] = None,
    title: Optional[str] = None,
) -> str:
    """One workflow command line, every part escaped."""
    props = [
        (key, value)
        for key, value in (
            ("file", file),
            ("line", line),
            ("col", col),
            ("endLine", end_line),
            ("endColumn", end_column),
            ("title", title),
        )
        if value is not None
    ]
    head = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{name}{' ' + head if head else ''}::{escape_data(message)}"


def _file(path: str, options: ReportOptions) -> Optional[str]:
    """The annotation's file; None for a URL (`scan-url`): GitHub shows such an annotation
    on the run, and its message names the URL."""
    if is_url(path):
        return None
    return escape_path(repo_path(path, options.root) or path)


def _annotation(finding: Finding, options: ReportOptions) -> str:
    span = finding.span
    message = escape_text(finding.message.rstrip(".")) + "."
    if finding.suggestion:
        message += f"\n{escape_text(finding.suggestion)}"
    if finding.properties:
        message += "\n" + ", ".join(f"{k}: {escape_text(v)}" for k, v in finding.properties)
    single_line = span.end.line == span.start.line
    if is_url(finding.path):
        # No file to attach it to: the message names the URL, line and column.
        where = f"{escape_path(finding.path)}:{span.start.line}:{span.start.column}"
        return command(
            COMMAND[finding.severity],
            f"{where}: {message}",
            title=f"{finding.code} {finding.name}",
        )
    return command(
        COMMAND[finding.severity],
        message,
        file=_file(finding.path, options),
        line=span.start.line,
        col=span.start.column,
        end_line=span.end.line,
        # GitHub ignores columns on multi-line annotations; the end column is exclusive in
        # autype-guard spans and inclusive in annotations.
        end_column=max(span.start.column, span.end.column - 1) if single_line else None,
        title=f"{finding.code} {finding.name}",
    )


def render(report: ScanReport, options: ReportOptions) -> str:
    out = [_annotation(f, options) for f in report.findings]
    for result in report.files:
        url = is_url(result.path)
        for unused in result.unused_suppressions:
            where = f"{escape_path(result.path)}:{unused.line}: " if url else ""
            out.append(
                command(
                    "notice",
                    where + escape_text(unused.message),
                    file=_file(result.path, options),
                    line=None if url else unused.line,
                    col=None if url else unused.column,
                    title="autype-guard unused suppression",
                )
            )
    out.extend(
        command("notice", escape_text(note), title="autype-guard") for note in report.stats.notes
    )
    for path, reason in report.errors:
        where = f"{escape_path(path)}: " if is_url(path) else ""
        out.append(
            command(
                "error",
                f"{where}could not be scanned: {escape_text(reason)}",
                file=_file(path, options),
                title="autype-guard unreadable file",
            )
        )
    findings = report.findings
    summary = f"autype-guard: {plural(len(findings), 'finding')}"
    summary += f", {plural(report.scanned, 'file')} scanned"
    if report.suppressed:
        summary += f", {report.suppressed} suppressed"
    if report.baselined:
        summary += f", {report.baselined} in the baseline"
    if findings:
        summary += f". For each exposed key, {ROTATE_HINT}."
    out.append(summary)
    return "\n".join(out) + "\n"
