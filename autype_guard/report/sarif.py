"""SARIF 2.1.0 output for code-scanning services (GitHub, GitLab, Azure DevOps).

Shaped for GitHub code scanning's subset: every rule is listed with a short and full
description, help text that says what to do, a default level and a `security-severity`
(which GitHub turns into critical/high/medium/low); each result carries `ruleId` and
`ruleIndex`, a message, one location whose URI is relative to the repository root, a
redacted snippet and `partialFingerprints` that survive line moves. Problems that are not
findings (unreadable files, notes, unused suppression comments) are tool notifications,
so they never open alerts. GitHub rejects a run with more than 25,000 results: past that
the run is cut and a notification says how many were left out. Control characters in
snippets, messages and paths are written as `\\u` escapes (`escape.py`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from ..keys import ROTATE_HINT
from ..model import Finding, GitSource, RuleInfo, ScanReport, Severity
from ..version import __version__
from .common import (
    CWE_HARDCODED_CREDENTIALS,
    HELP_URI,
    ReportOptions,
    artifact_uri,
    configured_severity,
    is_url,
    occurrences,
)
from .escape import escape_json

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub ranks alerts by this number (0.1-10): critical > 9.0, high >= 7.0, medium >= 4.0.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.1",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub's own reading of a rule's severity for non-security tools ("problem.severity").
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
# The partial fingerprint: a hash of rule, repository path, key fingerprint and ordinal,
# never of line numbers, so moving code around keeps the alert.
FINGERPRINT_KEY = "autypeGuardFinding/v1"
MAX_RESULTS = 25_000


def _rule_descriptor(rule: RuleInfo, options: ReportOptions) -> dict[str, Any]:
    docs = rule.docs
    severity = configured_severity(rule.code, rule.severity, options)
    full = rule.description
    help_text = f"{docs}\n\nWhatever the fix, {ROTATE_HINT}: it stays in git history."
    level = LEVEL[severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": full or docs},
        "help": {"text": help_text, "markdown": help_text},
        "helpUri": f"{HELP_URI}#{rule.code.lower()}-{rule.name}",
        "defaultConfiguration": {"level": level},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": _PROBLEM_SEVERITY[level],
            "precision": "high",
            "tags": [
                "security",
                "secrets",
                "autype",
                f"external/cwe/cwe-{CWE_HARDCODED_CREDENTIALS}",
            ],
        },
    }


def _artifact(path: str, options: ReportOptions) -> dict[str, Any]:
    uri, relative = artifact_uri(path, options.root)
    location: dict[str, Any] = {"uri": uri}
    if relative:
        location["uriBaseId"] = "%SRCROOT%"
    return location


def _finding_hash(finding: Finding, ordinal: int, options: ReportOptions) -> str:
    uri, _ = artifact_uri(finding.path, options.root)
    if is_url(uri):
        uri = uri.split("?", 1)[0]  # a fetched file: `?v=2` is the same file (as in baselines)
    material = f"{finding.code}\0{uri}\0{finding.fingerprint}\0{ordinal}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _message(finding: Finding) -> str:
    text = finding.message.rstrip(".") + "."
    for i, related in enumerate(finding.related, start=1):
        # GitHub links "[text](id)" in a message to relatedLocations[id - 1].
        label = related.message.replace("[", "(").replace("]", ")")
        text += f" See [{label}]({i})."
    if finding.suggestion:
        text += f" {finding.suggestion}"
    return text


def _result(
    finding: Finding, ordinal: int, rule_index: dict[str, int], options: ReportOptions
) -> dict[str, Any]:
    span = finding.span
    end_column = span.end.column
    if span.end.line == span.start.line and end_column <= span.start.column:
        end_column = span.start.column + 1
    region: dict[str, Any] = {
        "startLine": span.start.line,
        "startColumn": span.start.column,
        "endLine": max(span.end.line, span.start.line),
        "endColumn": end_column,
    }
    if finding.byte_offset is not None:
        # A key in a binary file: a binary region, bytes rather than lines.
        region = {"byteOffset": finding.byte_offset, "byteLength": finding.byte_length}
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    # The finding's own severity can differ from the rule's (config, placeholders, a key
    # the live check found live), so the result carries it too.
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "fingerprint": finding.fingerprint,
    }
    if finding.encoding:
        properties["encoding"] = finding.encoding
    if finding.placeholder:
        properties["placeholder"] = True
    if finding.fix is not None:
        properties["fix"] = finding.fix.title
    properties.update(dict(finding.properties))
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(finding.path, options)}}],
        "partialFingerprints": {FINGERPRINT_KEY: _finding_hash(finding, ordinal, options)},
        "properties": properties,
    }
    result["locations"][0]["physicalLocation"]["region"] = region
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": _artifact(r.path, options),
                    "region": {"startLine": max(1, r.line)},
                },
                "message": {"text": r.message},
            }
            for i, r in enumerate(finding.related, start=1)
        ]
    return result


def _notification(level: str, text: str, path: str, options: ReportOptions) -> dict[str, Any]:
    return {
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(path, options)}}],
    }


def _line_notification(
    level: str, text: str, path: str, line: int, column: int, options: ReportOptions
) -> dict[str, Any]:
    note = _notification(level, text, path, options)
    note["locations"][0]["physicalLocation"]["region"] = {
        "startLine": line,
        "startColumn": column,
    }
    return note


def _provenance(git: Optional[GitSource]) -> list[dict[str, Any]]:
    """The repository a git-aware scan read (SARIF needs its URI: only when it has a remote).

    History findings name their own introducing commit in `properties.commit`."""
    if git is None or git.remote is None:
        return []
    details: dict[str, Any] = {"repositoryUri": git.remote}
    if git.head:
        details["revisionId"] = git.head
    if git.branch:
        details["branch"] = git.branch
    return [details]


def render(report: ScanReport, options: ReportOptions) -> str:
    rules = [_rule_descriptor(rule, options) for rule in options.rules]
    rule_index = {rule.code: i for i, rule in enumerate(options.rules)}
    findings = report.findings
    results = [_result(f, n, rule_index, options) for f, n in occurrences(findings)]
    notifications = [
        _notification("error", f"could not be scanned: {reason}", path, options)
        for path, reason in report.errors
    ]
    for result in report.files:
        notifications.extend(_notification("note", n, result.path, options) for n in result.notes)
        notifications.extend(
            _line_notification("note", u.message, result.path, u.line, u.column, options)
            for u in result.unused_suppressions
        )
    notifications.extend({"level": "note", "message": {"text": n}} for n in report.stats.notes)
    if len(results) > MAX_RESULTS:
        left_out = len(results) - MAX_RESULTS
        results = results[:MAX_RESULTS]
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{left_out} results left out: code scanning services accept at "
                    f"most {MAX_RESULTS} per run; see --format json for all of them"
                },
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "autype-guard",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HELP_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": "autype-guard/"},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    provenance = _provenance(report.git)
    if provenance:
        run["versionControlProvenance"] = provenance
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return escape_json(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
