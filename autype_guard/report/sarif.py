"""SARIF 2.1.0 output for code-scanning services (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import json
from typing import Any, Optional

from .. import __version__
from ..api import ScanReport
from ..model import Finding, GitSource, Severity
from ..rules import RULES
from . import ReportOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/autype-guard/autype-guard"
# GitHub ranks alerts by this number (0-10): critical >= 9, high >= 7, medium >= 4.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
FINGERPRINT_KEY = "autypeGuardFingerprint/v1"


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    docs = rule.docs()
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": docs},
        "help": {"text": docs, "markdown": docs},
        "helpUri": f"{INFO_URI}#{rule.CODE.lower()}-{rule.NAME}",
        "defaultConfiguration": {"level": _LEVEL[rule.SEVERITY]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[rule.SEVERITY],
            "tags": ["security", "secret", "autype", "external/cwe/cwe-798"],
            "precision": "high",
        },
    }


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    region = {
        "startLine": finding.span.start.line,
        "startColumn": finding.span.start.column,
        "endLine": finding.span.end.line,
        "endColumn": max(finding.span.end.column, finding.span.start.column + 1)
        if finding.span.end.line == finding.span.start.line
        else finding.span.end.column,
        "snippet": {"text": finding.snippet},
    }
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.message}. {finding.suggestion}".strip()},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            **({"encoding": finding.encoding} if finding.encoding else {}),
            **({"placeholder": True} if finding.placeholder else {}),
            **dict(finding.properties),
        },
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i + 1,
                "physicalLocation": {
                    "artifactLocation": {"uri": r.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": r.line},
                },
                "message": {"text": r.message},
            }
            for i, r in enumerate(finding.related)
        ]
    return result


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
    rules = [_rule_descriptor(rule) for rule in RULES]
    rule_index = {rule.CODE: i for i, rule in enumerate(RULES)}
    notifications = [
        {
            "level": "error",
            "message": {"text": f"could not be scanned: {reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": path}}}],
        }
        for path, reason in report.errors
    ]
    notifications.extend(
        {"level": "note", "message": {"text": note}} for note in report.stats.notes
    )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "autype-guard",
                "version": __version__,
                "informationUri": INFO_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, rule_index) for f in report.findings],
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
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
