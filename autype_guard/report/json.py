"""JSON output. The schema is versioned (`version`) and documented in docs/json-format.md.

Strings hold exactly what the scanned files do; control characters (C0, DEL, C1) are
written as `\\u` escapes, other non-ASCII as itself (`escape.py`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..model import Finding, GitSource, ScanReport
from ..version import __version__
from .common import ReportOptions
from .escape import escape_json

SCHEMA_VERSION = "1.3"


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """The JSON object for one finding; holds the redacted preview, never the key. A key in
    a binary file has `byte_offset` and `byte_length` (its line is 1, its columns bytes)."""
    binary = finding.byte_offset is not None
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.path,
        "kind": finding.kind.value,
        "line": finding.span.start.line,
        "column": finding.span.start.column,
        "end_line": finding.span.end.line,
        "end_column": finding.span.end.column,
        "byte_offset": finding.byte_offset,
        "byte_length": finding.byte_length if binary else None,
        "preview": finding.preview,
        "fingerprint": finding.fingerprint,
        "encoding": finding.encoding or None,
        "placeholder": finding.placeholder,
        "snippet": finding.snippet,
        "suggestion": finding.suggestion,
        "fix": None
        if finding.fix is None
        else {
            "title": finding.fix.title,
            "applicability": finding.fix.applicability.value,
        },
        "related": [
            {"path": r.path, "line": r.line, "message": r.message} for r in finding.related
        ],
        "properties": dict(finding.properties),
    }


def render(report: ScanReport, options: ReportOptions) -> str:
    findings = report.findings
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "autype-guard", "version": __version__},
        "findings": [finding_to_dict(f) for f in findings],
        "errors": [{"path": p, "message": m} for p, m in report.errors],
        "notes": [{"path": r.path, "message": n} for r in report.files for n in r.notes]
        + [{"path": None, "message": n} for n in report.stats.notes],
        "unused_suppressions": [
            {
                "path": r.path,
                "line": u.line,
                "column": u.column,
                "codes": list(u.codes),
                "unknown_codes": list(u.unknown),
                "message": u.message,
            }
            for r in report.files
            for u in r.unused_suppressions
        ],
        "summary": {
            "findings": len(findings),
            "by_rule": dict(sorted(Counter(f.code for f in findings).items())),
            "by_severity": dict(sorted(Counter(f.severity.value for f in findings).items())),
            "files_scanned": report.scanned,
            "binary_skipped": report.binary,
            "excluded": report.stats.excluded,
            "git_ignored": report.stats.git_ignored,
            "symlinks_skipped": report.stats.symlinks,
            "suppressed": report.suppressed,
            "baselined": report.baselined,
            "unused_suppressions": sum(len(r.unused_suppressions) for r in report.files),
            "unreadable": len(report.errors),
            "elapsed_seconds": round(report.elapsed, 3),
        },
    }
    if report.git is not None:
        doc["git"] = git_to_dict(report.git)
    return escape_json(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def git_to_dict(git: GitSource) -> dict[str, Any]:
    """What a git-aware scan read: mode, repository, HEAD and (history) commits walked."""
    return {
        "mode": git.mode,
        "root": git.root,
        "head": git.head,
        "branch": git.branch,
        "remote": git.remote,
        "since": git.since,
        "commits": git.commits if git.mode in ("history", "push", "pre-receive") else None,
        "shallow_boundary": list(git.shallow),
    }
