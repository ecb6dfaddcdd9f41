"""GitLab secret-detection report (security report schema 15.x).

Upload it as the `secret_detection` report artifact of a CI job and GitLab shows the
findings in merge requests and, on Ultimate, in the vulnerability report. GitLab refuses a
report that does not validate against the schema version it declares, so every required
field is always present: `scan` (analyzer, scanner, type, status, start and end time as
`yyyy-mm-ddThh:mm:ss` UTC) and, per vulnerability, `id`, `identifiers` and
`location.commit.sha`.

The commit is the finding's own (history scans record the commit that introduced a key),
else the commit being scanned (`ReportOptions.commit`: the CLI passes `CI_COMMIT_SHA` or
`git rev-parse HEAD`), else `0000000`, which is what GitLab's own analyzer writes for a
scan that is not of a commit. `raw_source_code_extract` is never written: the schema
defines it as the unsanitized source, and autype-guard never stores a key.

The prose GitLab shows (`description`, `solution`) has control characters from the scanned
files written as `\\x1b` text; everywhere else they are JSON `\\u` escapes (`escape.py`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from ..keys import ROTATE_HINT
from ..model import Finding, ScanReport, Severity
from ..version import __version__
from .common import (
    CWE_HARDCODED_CREDENTIALS,
    HELP_URI,
    ReportOptions,
    occurrences,
    repo_path,
    rule_url,
)
from .escape import escape_json, escape_text

SCHEMA_VERSION = "15.0.7"
SCHEMA_URI = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json"
)
NO_COMMIT = "0000000"
SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
# Vulnerability ids are UUIDs derived from what identifies a finding (rule, path, key
# fingerprint, ordinal), so the same finding keeps its id from one pipeline to the next.
_ID_NAMESPACE = uuid.UUID("6f0b7c1e-43a4-4d55-9a43-2c1d51d3b9a1")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_NAME_MAX = 255
_SOLUTION_MAX = 7000
_TOOL = {
    "id": "autype-guard",
    "name": "autype-guard",
    "version": __version__,
    "vendor": {"name": "autype-guard"},
    "url": HELP_URI,
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _identifiers(finding: Finding) -> list[dict[str, str]]:
    return [
        {
            "type": "autype_guard_rule_id",
            "name": f"autype-guard {finding.code} {finding.name}",
            "value": finding.code,
            "url": rule_url(finding.code, finding.name),
        },
        {
            "type": "cwe",
            "name": f"CWE-{CWE_HARDCODED_CREDENTIALS}",
            "value": CWE_HARDCODED_CREDENTIALS,
            "url": f"https://cwe.mitre.org/data/definitions/{CWE_HARDCODED_CREDENTIALS}.html",
        },
    ]


def _details(finding: Finding) -> dict[str, Any]:
    details: dict[str, Any] = {
        "fingerprint": {
            "type": "value",
            "name": "Key fingerprint (SHA-256, for the allowlist)",
            "value": finding.fingerprint,
        }
    }
    if finding.snippet:
        details["snippet"] = {
            "type": "code",
            "name": "Snippet (keys redacted)",
            "value": finding.snippet,
        }
    for key, value in finding.properties:
        details[f"property_{key}"] = {"type": "value", "name": key, "value": value}
    return details


def _vulnerability(finding: Finding, ordinal: int, options: ReportOptions) -> dict[str, Any]:
    file = repo_path(finding.path, options.root) or finding.path
    props = dict(finding.properties)
    commit: dict[str, str] = {"sha": props.get("commit") or options.commit or NO_COMMIT}
    if "author_date" in props:
        commit["date"] = props["author_date"]
    rule = options.rule(finding.code)
    title = rule.title if rule is not None else finding.name
    solution = finding.suggestion or f"Remove the key and {ROTATE_HINT}."
    if ROTATE_HINT not in solution and not finding.placeholder:
        solution += f" Then {ROTATE_HINT}."
    # A name's undecodable bytes (surrogateescape) as `\udcff` text: uuid5 hashes UTF-8.
    named = file.encode("utf-8", "backslashreplace").decode("utf-8")
    identity = f"{finding.code}\0{named}\0{finding.fingerprint}\0{ordinal}"
    return {
        "id": str(uuid.uuid5(_ID_NAMESPACE, identity)),
        "name": _clip(f"{finding.code} {finding.name}: {title}", _NAME_MAX),
        "description": escape_text(finding.message),
        "severity": SEVERITY[finding.severity],
        "solution": _clip(escape_text(solution), _SOLUTION_MAX),
        "identifiers": _identifiers(finding),
        "location": {
            "file": file,
            "start_line": finding.span.start.line,
            "end_line": max(finding.span.end.line, finding.span.start.line),
            "commit": commit,
        },
        "details": _details(finding),
    }


def _messages(report: ScanReport) -> list[dict[str, str]]:
    out = [
        {"level": "warn", "value": f"{path}: could not be scanned: {reason}"}
        for path, reason in report.errors
    ]
    for result in report.files:
        out.extend({"level": "info", "value": f"{result.path}: {n}"} for n in result.notes)
        out.extend(
            {"level": "info", "value": f"{result.path}:{u.line}: {u.message}"}
            for u in result.unused_suppressions
        )
    out.extend({"level": "info", "value": n} for n in report.stats.notes if n)
    return out


def render(report: ScanReport, options: ReportOptions) -> str:
    end = datetime.now(timezone.utc)
    start = end - timedelta(seconds=max(0.0, report.elapsed))
    scan: dict[str, Any] = {
        "analyzer": _TOOL,
        "scanner": _TOOL,
        "type": "secret_detection",
        "status": "failure" if report.errors else "success",
        "start_time": start.strftime(_TIME_FORMAT),
        "end_time": end.strftime(_TIME_FORMAT),
    }
    messages = _messages(report)
    if messages:
        scan["messages"] = messages
    doc = {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URI,
        "scan": scan,
        "vulnerabilities": [_vulnerability(f, n, options) for f, n in occurrences(report.findings)],
    }
    return escape_json(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
