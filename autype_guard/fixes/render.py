"""Human output of a fix run: what changed, what remains and which keys to rotate.

Keys are shown redacted (`ak_…` + last 4); only a `--diff` with `--show-secrets` shows
them in full.
"""

from __future__ import annotations

import difflib
from typing import Optional

from ..keys import KeyMatcher, is_real_key, redact
from ..report import ReportOptions
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
    text = "\n".join(out) + ("\n" if out else "")
    if show_secrets:
        return text
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
        where = f"{item.path}:{item.line}:{item.column}:"
        out.append(f"{where} {item.code} {verb}: {item.preview} -> {item.replacement}")
    if plan.fixed:
        out.append("")
    if plan.saved:
        state = "git-ignored" if plan.repo is not None else "outside git"
        head = "Would save to" if diff else "Saved to"
        out.append(f"{head} {plan.env_display} ({state}):")
        for saved in plan.saved:
            status = "added" if saved.added else "already there"
            note = f"; {saved.note}" if saved.note else ""
            out.append(f"  {saved.name}={saved.preview}  ({status}{note})")
    if plan.gitignore is not None:
        line = plan.gitignore.new.decode("utf-8", errors="replace").rstrip().rsplit("\n", 1)[-1]
        head = "Would add" if diff else "Added"
        out.append(f"{head} {line.strip()} to {plan.gitignore.display}.")
    for note in plan.notes:
        out.append(f"note: {note}")
    for path, reason in plan.errors:
        out.append(f"error: {path}: could not be scanned: {reason}")
    for path, reason in report.write_errors:
        out.append(f"error: {path}: {reason}")
    if out and out[-1] != "":
        out.append("")
    if plan.unfixed:
        out.append(f"Not fixed automatically ({_plural(len(plan.unfixed), 'finding')}):")
        out.append("")
        for unfixed in plan.unfixed:
            out.append(render_finding(unfixed.finding, options))
            out.append(f"  = not fixed: {unfixed.reason}")
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
            out.append(f"  {exposed.preview}  ({', '.join(exposed.paths)})")
    return "\n".join(out) + "\n"


__all__ = ["render_diff", "render_fix"]
