"""Human output in the style of ruff: a one-line location, a code frame, what to do.

Everything that comes from the scanned files (snippets, messages, paths) is escaped first
(`escape.py`: control characters as `\\x1b` text), then painted: the only escape
sequences in the output are the colours added here.
"""

from __future__ import annotations

from collections import Counter

from ..model import (
    BINARY_FILE,
    EXCLUDED,
    GIT_IGNORED,
    PASSED_OVER_SAMPLE,
    SYMLINK,
    VERIFICATION,
    VERIFICATION_DETAIL,
    Applicability,
    Finding,
    ScanReport,
    Severity,
)
from .common import ReportOptions, is_url, plural
from .escape import escape_path, escape_snippet, escape_text

_SEVERITY_COLOR = {
    Severity.CRITICAL: "1;31",
    Severity.HIGH: "31",
    Severity.MEDIUM: "33",
    Severity.LOW: "36",
    Severity.INFO: "2",
}


# The fewest columns a code frame is cut to, however narrow the terminal.
_MIN_FRAME = 30


def fit_frame(snippet: str, start: int, width: int, columns: int) -> tuple[str, int]:
    """`snippet` cut to at most `columns` characters (at least `_MIN_FRAME`) around the caret
    (`start`, `width`), with `…` where it was cut; returns the cut snippet and the caret's new
    start. The caret's own characters are kept; the rest is shared between both sides."""
    columns = max(columns, _MIN_FRAME)
    if len(snippet) <= columns:
        return snippet, start
    room = max(columns - min(width, columns) - 2, 0)  # two columns for the `…` marks
    left = max(start - room // 2, 0)
    right = min(left + width + room, len(snippet))
    left = max(min(left, right - width - room), 0)
    cut = snippet[left:right]
    if left > 0:
        cut, start = "…" + cut, start - left + 1
    if right < len(snippet):
        cut += "…"
    return cut, start


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def is_fixable(finding: Finding) -> bool:
    """True when `autype-guard fix` offers to fix this finding: a key literal with an edit
    site that is not display-only (a joined key only when its pieces are known). `fix` may
    still leave one alone when the code around the key has no safe edit; it says why."""
    fix = finding.fix
    if fix is None or fix.site is None or fix.applicability is Applicability.DISPLAY_ONLY:
        return False
    if any(name == "commit" for name, _ in finding.properties):
        # A key in a commit (a history, pre-push or pre-receive scan) is not in the work tree
        # `fix` edits: the commits are rewritten and the key rotated instead.
        return False
    return finding.encoding != "joined" or bool(fix.site.pieces)


def render_finding(finding: Finding, options: ReportOptions) -> str:
    """One finding: location line, code frame with a caret under the key, help lines."""
    c = options.color
    if finding.byte_offset is not None:
        # A key in a binary file has a byte offset, not a line: `path@0x1a2b:`.
        where = _paint(f"{escape_path(finding.path)}@{finding.byte_offset:#x}:", "1", c)
    else:
        where = _paint(f"{escape_path(finding.path)}:{finding.line}:{finding.column}:", "1", c)
    code = _paint(finding.code, _SEVERITY_COLOR[finding.severity], c)
    if is_fixable(finding):
        code += " [*]"
    lines = [f"{where} {code} {escape_text(finding.message)} [{finding.severity.value}]"]
    if finding.snippet:
        gutter = str(finding.line)
        pad = " " * len(gutter)
        snippet, (start, width) = escape_snippet(finding.snippet, finding.snippet_caret)
        if options.width is not None:
            snippet, start = fit_frame(snippet, start, width, options.width - len(gutter) - 3)
        lines.append(f"{pad} |")
        lines.append(f"{gutter} | {snippet}")
        caret = " " * start + "^" * width
        lines.append(f"{pad} | {_paint(caret, _SEVERITY_COLOR[finding.severity], c)}")
    for related in finding.related:
        message, path = escape_text(related.message), escape_path(related.path)
        lines.append(f"  = note: {message} ({path}:{related.line})")
    properties = {key: escape_text(value) for key, value in finding.properties}
    if "commit" in properties:
        when = f" ({properties['author_date']})" if properties.get("author_date") else ""
        lines.append(f"  = commit: {properties['commit'][:12]}{when}")
    if VERIFICATION in properties:
        detail = properties.get(VERIFICATION_DETAIL)
        verified = f"  = verified: {properties[VERIFICATION]}" + (f" ({detail})" if detail else "")
        lines.append(_paint(verified, _SEVERITY_COLOR[finding.severity], c))
    if finding.suggestion:
        lines.append(f"  = help: {escape_text(finding.suggestion)}")
    return "\n".join(lines)


def render(report: ScanReport, options: ReportOptions) -> str:
    """The whole report: findings, notes, errors and a summary line. Quiet: only the
    findings' location lines, errors, and the summary when something was found."""
    out: list[str] = []
    findings = report.findings
    for finding in findings:
        if options.quiet:
            out.append(_quiet_line(finding, options))
            continue
        out.append(render_finding(finding, options))
        out.append("")
    if options.quiet:
        out.extend(_errors(report, options))
        if findings:
            out.append(_summary(report, findings).split("\n", 1)[0])
        return "".join(line + "\n" for line in out)
    for result in report.files:
        path = escape_path(result.path)
        for note in result.notes:
            out.append(f"note: {path}: {escape_text(note)}")
        for unused in result.unused_suppressions:
            where = f"{path}:{unused.line}:{unused.column}:"
            out.append(f"{_paint(where, '1', options.color)} note: {escape_text(unused.message)}")
    for note in report.stats.notes:
        out.append(f"note: {escape_text(note)}")
    out.extend(_errors(report, options))
    out.append(_summary(report, findings))
    fixable = sum(1 for f in findings if is_fixable(f))
    if fixable:
        out.append(f"[*] {fixable} fixable with `autype-guard fix` (preview: `fix --diff`).")
    return "\n".join(out) + "\n"


def _quiet_line(finding: Finding, options: ReportOptions) -> str:
    """`--quiet`: the finding's location line; a finding in a commit also names the commit
    (without it a history scan's line points at a file that may no longer exist)."""
    line = render_finding(finding, options).split("\n", 1)[0]
    commit = dict(finding.properties).get("commit")
    return f"{line} (commit {escape_text(commit[:12])})" if commit else line


def _errors(report: ScanReport, options: ReportOptions) -> list[str]:
    lines = []
    for path, reason in report.errors:
        # A part of a file not scanned says so itself ("encrypted zip member: not scanned").
        said = "" if "scanned" in reason else "could not be scanned: "
        error = f"error: {escape_path(path)}: {said}{escape_text(reason)}"
        lines.append(_paint(error, "31", options.color))
    return lines


def render_statistics(report: ScanReport, options: ReportOptions) -> str:
    """`--statistics`: one line per rule that found something, `COUNT CODE name`, most
    frequent first (ruff's layout)."""
    counts = Counter(f.code for f in report.findings)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        info = options.rule(code)
        name = info.name if info is not None else ""
        lines.append(f"{count:>{width}} {code} {name}".rstrip())
    lines.extend(_errors(report, options))
    return "\n".join(lines) + "\n"


def _summary(report: ScanReport, findings: list[Finding]) -> str:
    by_rule = Counter(f.code for f in findings)
    rules = ", ".join(f"{code}: {n}" for code, n in sorted(by_rule.items()))
    git = report.git
    if git is not None and git.mode in ("history", "push", "pre-receive"):
        parts = [f"{plural(report.scanned, 'blob')} scanned from {plural(git.commits, 'commit')}"]
    else:
        parts = [f"{plural(report.scanned, 'file')} scanned"]
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
        parts.append(f"{plural(report.stats.symlinks, 'symlink')} not followed")
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed")
    if report.baselined:
        parts.append(f"{report.baselined} in the baseline")
    errors = report.errors
    if errors:
        parts.append(f"{len(errors)} could not be read")
    head = f"Found {plural(len(findings), 'finding')}"
    if rules:
        head += f" ({rules})"
    tail = ""
    if any(not f.placeholder for f in findings):  # placeholders: nothing to rotate
        tail = "\nRotate every exposed key in the Autype dashboard (Settings -> API Keys)."
        if any(name == "commit" for f in findings for name, _ in f.properties):
            tail += (
                " A key in a commit stays in the repository's history until the commits are"
                " rewritten (git filter-repo), so rotating it comes first."
            )
        if all(is_url(f.path) for f in findings):
            # A deployed site's file cannot carry a comment: accept by fingerprint only.
            tail += " To accept a false positive, list its fingerprint under `allowlist`."
        else:
            tail += (
                " To accept a false positive, add `autype-guard: ignore[CODE]` in a comment on"
                " its line or list its fingerprint under `allowlist`."
            )
    return f"{head}; {', '.join(parts)} in {report.elapsed:.2f}s.{tail}"


# Why a path was passed over, as `scan --verbose` says it.
_PASSED_OVER_REASONS = {
    EXCLUDED: "excluded (exclude / extend-exclude in config, --exclude, or .git)",
    GIT_IGNORED: "ignored by git (--no-ignore scans them)",
    BINARY_FILE: "binary (searched for keys in printable strings only, not read as text)",
    SYMLINK: "symlink (not followed)",
}


def render_passed_over(report: ScanReport, options: ReportOptions) -> str:
    """`scan --verbose`: the paths passed over, by reason, each reason with its exact count
    and at most the first PASSED_OVER_SAMPLE paths, then "... and K more"."""
    stats = report.stats
    kept_binary = [r.path for r in report.files if r.skipped == "binary"]
    groups: list[tuple[str, int, list[str]]] = [
        (EXCLUDED, stats.excluded, stats.passed_over.get(EXCLUDED, [])),
        (GIT_IGNORED, stats.git_ignored, stats.passed_over.get(GIT_IGNORED, [])),
        (BINARY_FILE, report.binary, kept_binary + stats.passed_over.get(BINARY_FILE, [])),
        (SYMLINK, stats.symlinks, stats.passed_over.get(SYMLINK, [])),
    ]
    lines = []
    for reason, count, paths in groups:
        if count:
            lines.append(f"{count} {_PASSED_OVER_REASONS[reason]}:")
            shown = sorted(paths)[:PASSED_OVER_SAMPLE]
            lines.extend(f"  {escape_path(path)}" for path in shown)
            if count > len(shown):
                lines.append(f"  ... and {count - len(shown)} more")
    skipped = [s for s in report.skipped if not s.error]
    if skipped:
        lines.append(f"{len(skipped)} not scanned:")
        for skip in skipped[:PASSED_OVER_SAMPLE]:
            lines.append(f"  {escape_path(skip.display)}: {escape_text(skip.reason)}")
        if len(skipped) > PASSED_OVER_SAMPLE:
            lines.append(f"  ... and {len(skipped) - PASSED_OVER_SAMPLE} more")
    if not lines:
        return "nothing was passed over\n"
    return "\n".join(lines) + "\n"
