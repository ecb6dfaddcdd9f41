"""What every reporter shares: render options, the rule catalogue, and location helpers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import quote

from ..model import Finding, RuleInfo, ScanReport, Severity

HELP_URI = "https://github.com/autype-guard/autype-guard"
CWE_HARDCODED_CREDENTIALS = "798"


@dataclass(frozen=True)
class ReportOptions:
    """How to render. Reporters never look at the environment themselves: the CLI fills in
    what it knows (the repository root, the commit being scanned, config severities)."""

    color: bool = False
    show_secrets: bool = False
    # Directory that machine-readable locations (SARIF, GitHub, GitLab) are relative to;
    # None means the current directory. The CLI passes the git work tree's top level.
    root: Optional[str] = None
    # The commit the scanned files belong to (GitLab's report requires one).
    commit: Optional[str] = None
    # Rule severities as configured (`severity = {...}`), for SARIF's rule default levels.
    rule_severity: tuple[tuple[str, Severity], ...] = ()
    # The rule catalogue (`rules.catalogue()`): reporters never import the rules.
    rules: tuple[RuleInfo, ...] = ()
    # Text format: only the findings' location lines, and no summary when nothing was found.
    quiet: bool = False
    # Text format: the terminal's width in columns; code frames are cut around the key to fit
    # it. None (output to a file or a pipe): code frames as the findings hold them.
    width: Optional[int] = None

    def rule(self, code: str) -> Optional[RuleInfo]:
        """The catalogue's entry for `code`, or None."""
        for info in self.rules:
            if info.code == code:
                return info
        return None


Reporter = Callable[[ScanReport, ReportOptions], str]


def plural(count: int, noun: str) -> str:
    """`1 file`, `2 files`: a count and its noun in English (nouns taking a plain `s`)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def is_url(path: str) -> bool:
    """True for a location that is a URL (what `scan-url` fetched), not a file."""
    return path[:8].lower().startswith(("http://", "https://"))


def repo_path(path: str, root: Optional[str]) -> Optional[str]:
    """`path` (as findings name it: relative to the working directory, or absolute) relative
    to `root` with `/` separators; None when it lies outside `root` or is a URL."""
    if is_url(path):
        return None
    base = os.path.abspath(root or os.curdir)
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, base)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return PurePosixPath(Path(rel)).as_posix()


def artifact_uri(path: str, root: Optional[str]) -> tuple[str, bool]:
    """A URI for `path`: (percent-encoded path relative to `root`, True), or an absolute
    `file:` URI and False for a file outside `root`; a URL as it is (and False)."""
    if is_url(path):
        return path, False
    rel = repo_path(path, root)
    if rel is not None:
        # The name's own bytes, undecodable ones too (surrogateescape), as %XX.
        return quote(rel.encode("utf-8", "surrogateescape"), safe="/"), True
    return Path(os.path.abspath(path)).as_uri(), False


def occurrences(findings: Iterable[Finding]) -> Iterator[tuple[Finding, int]]:
    """Each finding with its ordinal among findings of the same identity (rule, path, key),
    in report order: what tells two copies of one key in one file apart without line numbers.
    """
    seen: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        n = seen.get(finding.identity, 0)
        seen[finding.identity] = n + 1
        yield finding, n


def configured_severity(rule_code: str, default: Severity, options: ReportOptions) -> Severity:
    for code, level in options.rule_severity:
        if code == rule_code:
            return level
    return default
