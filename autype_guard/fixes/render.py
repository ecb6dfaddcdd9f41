"""Human output of a fix run: what changed, what remains and which keys to rotate.

Keys are shown redacted (`ak_…` + last 4); only a `--diff` with `--show-secrets` shows
them in full. File content and paths have their control characters written as `\\x1b`
text (`report/escape.py`), after redaction: an escape must not hide a key from it.
"""

from __future__ import annotations

import difflib
from typing import Optional

from ..keys import KeyMatcher, is_real_key, redact
from ..report import ReportOptions
from ..report.escape import escape_path, escape_text
from ..report.text import render_finding
from .apply import FixPlan, FixReport


def render_diff(plan: FixPlan, show_secrets: bool = False, pattern: Optional[str] = None) -> str:
    """Unified diffs of every change in the plan; real keys redacted unless asked."""
    out: list[str] = []
    for change in plan.changes:
        old = "" if change.old is None else change.old.decode(change.encoding, errors="replace")
        new = change.new.decode(change.encoding, errors="replace")
        old_name = "/dev/null" if change.old is None else f"a/{change.display}"
        for line in difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            old_name,
            f"b/{change.display}",
        ):
            out.append(line.rstrip("\r\n"))
            if not line.endswith("\n"):
                out.append("\\ No newline at end of file")
    if not out:
        return ""
    text = "\n".join(out)
    if not show_secrets:
        text = _redact(text, pattern)
    # Escaped after redaction (`\x07ak_...` would no longer read as a key), line by line.
    return "".join(escape_text(line) + "\n" for line in text.split("\n"))


def _redact(text: str, pattern: Optional[str]) -> str:
    matcher = KeyMatcher(pattern) if pattern else KeyMatcher()
    pieces = []
    last = 0
    for hit in matcher.find(text):
        if not is_real_key(hit.key):
            continue
        pieces.append(text[last : hit.start])
        pieces.append(redact(hit.key))
        last = hit.end
    pieces.append(text[last:])
    return "".join(pieces)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_fix(report: FixReport, options: ReportOptions, *, diff: bool = False) -> str:
    """The whole text report of a fix run (or of a `--diff` preview)."""
    plan = report.plan
    out: list[str] = []
    verb = "would fix" if diff else "fixed"
    written = set(report.written)
    failed = {path for path, _ in report.write_errors}
    for item in plan.fixed:
        if item.path in failed:
            continue
        where = f"{escape_path(item.path)}:{item.line}:{item.column}:"
        change = f"{escape_text(item.preview)} -> {escape_text(item.replacement)}"
        out.append(f"{where} {item.code} {verb}: {change}")
    if plan.fixed:
        out.append("")
    named = [f for f in plan.fixed if f.path not in failed and not f.docs]
    if named:
        # The whole mapping, each name with why it was chosen when it is not the default.
        out.append("Variables (file:line -> NAME):")
        for item in named:
            why = f"  ({escape_text(item.note)})" if item.note else ""
            out.append(f"  {escape_path(item.path)}:{item.line} -> {escape_text(item.name)}{why}")
        out.append("")
    if plan.saved:
        state = "git-ignored" if plan.repo is not None else "outside git"
        head = "Would save to" if diff else "Saved to"
        out.append(f"{head} {escape_path(plan.env_display)} ({state}):")
        for saved in plan.saved:
            status = "added" if saved.added else "already there"
            note = f"; {escape_text(saved.note)}" if saved.note else ""
            entry = f"{escape_text(saved.name)}={escape_text(saved.preview)}"
            out.append(f"  {entry}  ({status}{note})")
    if plan.gitignore is not None:
        line = plan.gitignore.new.decode("utf-8", errors="replace").rstrip().rsplit("\n", 1)[-1]
        head = "Would add" if diff else "Added"
        out.append(f"{head} {escape_text(line.strip())} to {escape_path(plan.gitignore.display)}.")
    for note in plan.notes:
        out.append(f"note: {escape_text(note)}")
    if report.stale:
        verb = "would remove" if diff else "removed"
        stale = _plural(len(report.stale), "temporary file")
        out.append(f"note: {verb} {stale} left by an interrupted run")
    for path, reason in plan.errors:
        out.append(f"error: {escape_path(path)}: could not be scanned: {escape_text(reason)}")
    for path, reason in report.write_errors:
        out.append(f"error: {escape_path(path)}: {escape_text(reason)}")
    if out and out[-1] != "":
        out.append("")
    if plan.unfixed:
        out.append(f"Not fixed automatically ({_plural(len(plan.unfixed), 'finding')}):")
        out.append("")
        for unfixed in plan.unfixed:
            out.append(render_finding(unfixed.finding, options))
            out.append(f"  = not fixed: {escape_text(unfixed.reason)}")
            out.append("")
    n_keys = len([f for f in plan.fixed if f.path not in failed])
    files = {f.path for f in plan.fixed if f.path not in failed}
    if not plan.fixed and not plan.unfixed:
        summary = "Nothing to fix"
    elif diff:
        summary = (
            f"Would fix {_plural(n_keys, 'key')} in {_plural(len(files), 'file')}"
            " (nothing written; run without --diff to apply)"
        )
    elif report.applied:
        summary = f"Fixed {_plural(n_keys, 'key')} in {_plural(len(files & written), 'file')}"
    else:
        summary = "Nothing to fix" if not plan.unfixed else "Nothing could be fixed automatically"
    if plan.unfixed:
        summary += f"; {_plural(len(plan.unfixed), 'finding')} left for you"
    out.append(summary + ".")
    if plan.exposed:
        out.append(
            "Rotate every exposed key in the Autype dashboard (Settings -> API Keys), fixed"
            " or not: it stays in git history."
        )
        for exposed in plan.exposed:
            paths = ", ".join(escape_path(path) for path in exposed.paths)
            out.append(f"  {escape_text(exposed.preview)}  ({paths})")
    return "\n".join(out) + "\n"


__all__ = ["render_diff", "render_fix"]
