"""HTML audit report: one self-contained page for people who would rather look than read.

A summary by severity and by rule, then every finding grouped by file with its redacted
snippet (the key highlighted), what to do about it and, when the findings carry them, the
commit and date a history scan found and any other properties (such as the live check's
verdict); then notes, unreadable files and unused suppression comments.

NOTE: the page loads nothing (no scripts, fonts, images or style sheets from anywhere; a
Content-Security-Policy says so to the browser as well) and every piece of text that came
from the scanned files (paths, snippets, messages, properties) is HTML-escaped, so a
hostile file name or snippet cannot inject markup. Control characters in it are written as
`\\x1b` text first (`escape.py`), as in the text report, so none reach the page raw.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from html import escape
from itertools import groupby

from ..keys import ROTATE_HINT
from ..model import FileResult, Finding, ScanReport, Severity
from ..version import __version__
from .common import ReportOptions, plural
from .escape import escape_path, escape_snippet, escape_text

_SEVERITIES = sorted(Severity, key=lambda s: s.rank, reverse=True)
_HISTORY = ("commit", "author_date")

_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --bg: #ffffff; --panel: #f6f8fa; --critical: #8b0000; --high: #cf222e;
  --medium: #bc4c00; --low: #0969da; --info: #6e7781; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--fg);
  font: 15px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 16px; }
.verdict { padding: 12px 16px; border-radius: 6px; font-weight: 600; margin: 16px 0; }
.verdict.bad { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; }
.verdict.good { background: #dafbe1; border: 1px solid #4ac26b; color: #116329; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 20px; }
.card { min-width: 120px; padding: 10px 16px; border-radius: 6px; background: var(--panel);
  border: 1px solid var(--line); border-top: 4px solid var(--sev, var(--info)); }
.card .n { display: block; font-size: 28px; font-weight: 700; }
.card .label { color: var(--muted); text-transform: uppercase; font-size: 12px;
  letter-spacing: .05em; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px;
  border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); font-size: 13px; color: var(--muted); }
tbody.file th.file { background: #eef1f5; font-family: ui-monospace, SFMono-Regular, Menlo,
  Consolas, monospace; font-size: 14px; padding-top: 10px; overflow-wrap: anywhere; }
.count { color: var(--muted); font-weight: 400; }
.sev { display: inline-block; min-width: 64px; text-align: center; border-radius: 12px;
  padding: 1px 8px; color: #fff; font-size: 12px; font-weight: 600;
  background: var(--sev, var(--info)); text-transform: uppercase; }
.s-critical { --sev: var(--critical); } .s-high { --sev: var(--high); }
.s-medium { --sev: var(--medium); } .s-low { --sev: var(--low); } .s-info { --sev: var(--info); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 13px; }
pre.snippet { margin: 6px 0 0; padding: 6px 8px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 4px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
mark { background: #fff8c5; color: #82071e; font-weight: 700; border-radius: 2px; }
.fix .title { font-weight: 600; }
.muted { color: var(--muted); }
.props dt { font-weight: 600; } .props dd { margin: 0 0 4px; }
ul.diag li { margin: 4px 0; }
footer { margin-top: 32px; color: var(--muted); font-size: 13px; }
@media print { body { padding: 0; } tbody.file { break-inside: avoid; } }
"""


def _html(text: str) -> str:
    return escape(text, quote=True)


def _e(text: object) -> str:
    """Text for the page: control characters as `\\x1b` text (`escape_text`), then HTML."""
    return _html(escape_text(str(text)))


def _path(path: str) -> str:
    return _html(escape_path(path))


def _badge(severity: Severity) -> str:
    return f'<span class="sev s-{severity.value}">{_e(severity.value)}</span>'


def _snippet(finding: Finding) -> str:
    if not finding.snippet:
        return ""
    text, (start, width) = escape_snippet(finding.snippet, finding.snippet_caret)
    if 0 <= start <= len(text):
        end = min(len(text), start + width)
        body = f"{_html(text[:start])}<mark>{_html(text[start:end])}</mark>{_html(text[end:])}"
    else:
        body = _html(text)
    return f'<pre class="snippet"><code>{body}</code></pre>'


def _fix(finding: Finding) -> str:
    parts = []
    if finding.fix is not None:
        applies = finding.fix.applicability.value.replace("_", " ")
        parts.append(
            f'<div class="title">{_e(finding.fix.title)}</div>'
            f'<div class="muted">fix: {_e(applies)}</div>'
        )
    if finding.suggestion:
        parts.append(f"<div>{_e(finding.suggestion)}</div>")
    return "".join(parts) or f"<div>{_e(ROTATE_HINT)}</div>"


def _props(finding: Finding) -> str:
    items = [(k, v) for k, v in finding.properties if k not in _HISTORY]
    if not items:
        return ""
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f'<dl class="props">{rows}</dl>'


def _summary(report: ScanReport, findings: list[Finding], options: ReportOptions) -> str:
    by_severity = Counter(f.severity for f in findings)
    cards = "".join(
        f'<div class="card s-{s.value}"><span class="n">{by_severity.get(s, 0)}</span>'
        f'<span class="label">{_e(s.value)}</span></div>'
        for s in _SEVERITIES
    )
    by_rule = Counter(f.code for f in findings)
    rows = []
    for code, count in sorted(by_rule.items()):
        rule = options.rule(code)
        name = rule.name if rule is not None else ""
        title = rule.title if rule is not None else ""
        worst = max((f.severity for f in findings if f.code == code), key=lambda s: s.rank)
        rows.append(
            f"<tr><td><code>{_e(code)}</code></td><td>{_e(name)}</td><td>{_e(title)}</td>"
            f"<td>{_badge(worst)}</td><td>{count}</td></tr>"
        )
    table = ""
    if rows:
        table = (
            '<table id="by-rule"><thead><tr><th>Rule</th><th>Name</th><th>What it finds</th>'
            "<th>Worst severity</th><th>Findings</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    counts = [f"{plural(report.scanned, 'file')} scanned"]
    if report.binary:
        counts.append(f"{report.binary} binary skipped")
    if report.stats.excluded:
        counts.append(f"{report.stats.excluded} excluded")
    if report.stats.git_ignored:
        counts.append(f"{report.stats.git_ignored} ignored by git")
    if report.suppressed:
        counts.append(f"{report.suppressed} suppressed")
    if report.baselined:
        counts.append(f"{report.baselined} in the baseline")
    if report.errors:
        counts.append(f"{len(report.errors)} could not be read")
    files = len({f.path for f in findings})
    if any(not f.placeholder for f in findings):  # placeholders: nothing to rotate
        verdict = (
            f'<div class="verdict bad">{len(findings)} finding'
            f"{'s' if len(findings) != 1 else ''} in {files} file{'s' if files != 1 else ''}."
            f" For each exposed key, {_e(ROTATE_HINT)}.</div>"
        )
    elif findings:
        verdict = (
            f'<div class="verdict good">{len(findings)} placeholder'
            f"{'s' if len(findings) != 1 else ''}, no secrets: nothing to rotate.</div>"
        )
    else:
        verdict = '<div class="verdict good">No Autype API keys found.</div>'
    return (
        '<section id="summary"><h2>Summary</h2>'
        f'{verdict}<div class="cards">{cards}</div>{table}'
        f'<p class="muted">{_e(", ".join(counts))}.</p></section>'
    )


def _findings(findings: list[Finding]) -> str:
    if not findings:
        return '<section id="findings-section"><h2>Findings</h2><p>None.</p></section>'
    has_history = any(k in _HISTORY for f in findings for k, _ in f.properties)
    has_props = any(k not in _HISTORY for f in findings for k, _ in f.properties)
    head = ["Severity", "Rule", "Line", "Finding"]
    if has_history:
        head += ["Commit", "Date"]
    head.append("What to do")
    if has_props:
        head.append("Properties")
    groups = []
    for path, group in groupby(findings, key=lambda f: f.path):
        items = list(group)
        rows = [
            f'<tr><th class="file" colspan="{len(head)}">{_path(path)} '
            f'<span class="count">({len(items)})</span></th></tr>'
        ]
        for f in items:
            cells = [
                _badge(f.severity),
                f'<code>{_e(f.code)}</code><br><span class="muted">{_e(f.name)}</span>',
                f"{f.line}:{f.column}",
                f"<div>{_e(f.message)}</div>{_snippet(f)}",
            ]
            if has_history:
                props = dict(f.properties)
                sha = props.get("commit", "")
                cells.append(f'<code title="{_e(sha)}">{_e(sha[:12])}</code>' if sha else "")
                cells.append(_e(props.get("author_date", "")))
            cells.append(f'<div class="fix">{_fix(f)}</div>')
            if has_props:
                cells.append(_props(f))
            rows.append(
                f'<tr class="finding s-{f.severity.value}">'
                + "".join(f"<td>{c}</td>" for c in cells)
                + "</tr>"
            )
        groups.append('<tbody class="file">' + "".join(rows) + "</tbody>")
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    return (
        '<section id="findings-section"><h2>Findings by file</h2>'
        f'<table id="findings"><thead><tr>{header}</tr></thead>'
        + "".join(groups)
        + "</table></section>"
    )


def _diagnostics(report: ScanReport) -> str:
    errors = [
        f"<li><code>{_path(path)}</code>: could not be scanned: {_e(reason)}</li>"
        for path, reason in report.errors
    ]
    notes: list[str] = []
    unused: list[str] = []
    for result in report.files:
        notes.extend(f"<li><code>{_path(result.path)}</code>: {_e(n)}</li>" for n in result.notes)
        unused.extend(_unused(result))
    if report.stats.notes:
        notes.extend(f"<li>{_e(n)}</li>" for n in report.stats.notes)
    parts = []
    if errors:
        parts.append(
            "<h3>Unreadable files</h3><p>These were not scanned, so they are not known to be "
            'clean.</p><ul class="diag" id="unreadable">' + "".join(errors) + "</ul>"
        )
    if unused:
        parts.append(
            "<h3>Unused suppression comments</h3>"
            '<ul class="diag" id="unused">' + "".join(unused) + "</ul>"
        )
    if notes:
        parts.append('<h3>Notes</h3><ul class="diag" id="notes">' + "".join(notes) + "</ul>")
    if not parts:
        return ""
    return '<section id="diagnostics"><h2>Notes and errors</h2>' + "".join(parts) + "</section>"


def _unused(result: FileResult) -> list[str]:
    return [
        f"<li><code>{_path(result.path)}:{u.line}:{u.column}</code>: {_e(u.message)}</li>"
        for u in result.unused_suppressions
    ]


def render(report: ScanReport, options: ReportOptions) -> str:
    findings = report.findings
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"autype-guard report: {len(findings)} finding{'s' if len(findings) != 1 else ''}"
    warning = ""
    if options.show_secrets:
        warning = (
            '<div class="verdict bad">This report was made with --show-secrets and holds '
            "full API keys. Do not share it.</div>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'\">"
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        "<header><h1>autype-guard audit report</h1>"
        f'<p class="meta">Autype API keys (<code>ak_…</code>) found in the scanned files. '
        f"Keys are redacted to their last four characters. Generated {_e(generated)} by "
        f"autype-guard {_e(__version__)} in {report.elapsed:.2f}s.</p>{warning}</header>"
        f"<main>{_summary(report, findings, options)}{_findings(findings)}"
        f"{_diagnostics(report)}</main>"
        "<footer>"
        + (
            "Every exposed key stays in git history after it is removed from the files: "
            f"{_e(ROTATE_HINT)}, then read it from the environment (<code>AUTYPE_API_KEY</code>). "
            if any(not f.placeholder for f in findings)  # placeholders: nothing to rotate
            else ""
        )
        # The colon as an entity: the report itself must not read as a suppression comment.
        + "To accept a false positive, add an inline <code>autype-guard&#58; ignore[CODE]</code> "
        "comment on its line or list its fingerprint under <code>allowlist</code>.</footer>"
        "</body></html>\n"
    )
