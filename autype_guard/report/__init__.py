"""Reporters: one module per output format; each turns a ScanReport (and the rule catalogue
in `ReportOptions.rules`) into a string. Adding a format: a module with `render` and one
line in `get_reporter` and `FORMATS`."""

from __future__ import annotations

from .common import (
    CWE_HARDCODED_CREDENTIALS,
    HELP_URI,
    Reporter,
    ReportOptions,
    artifact_uri,
    configured_severity,
    occurrences,
    repo_path,
)


def get_reporter(name: str) -> Reporter:
    """The reporter for a format name (see FORMATS); imports only that module."""
    if name == "text":
        from .text import render
    elif name == "json":
        from .json import render
    elif name == "sarif":
        from .sarif import render
    elif name == "github":
        from .github import render
    elif name == "gitlab":
        from .gitlab import render
    elif name == "html":
        from .html import render
    else:
        raise KeyError(name)
    return render


FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github", "gitlab", "html")
# The formats of `autype-guard rules` (report/rules.py renders them).
RULE_FORMATS: tuple[str, ...] = ("text", "table", "json", "markdown")


__all__ = [
    "CWE_HARDCODED_CREDENTIALS",
    "FORMATS",
    "HELP_URI",
    "RULE_FORMATS",
    "ReportOptions",
    "Reporter",
    "artifact_uri",
    "configured_severity",
    "get_reporter",
    "occurrences",
    "repo_path",
]
