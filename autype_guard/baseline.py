"""Baselines: the findings a repository already had when it adopted autype-guard.

`autype-guard baseline` records them; `scan --baseline FILE` then reports only findings
that are not in the file. An entry is a finding's identity (rule, path, key fingerprint),
never a line number, so moving code or editing other parts of a file changes nothing; it
accepts that key at that path however often it occurs there, and nothing else: a second key
on a baselined line is new. Paths are stored relative to the baseline
file's directory. The file is versioned JSON, documented in docs/baseline-format.md.

NOTE: a baseline never holds a key: only the SHA-256 fingerprint that findings carry.
Loading validates every field, so a corrupt or hostile file is a `BaselineError`, never a
crash and never a silently wider baseline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Optional

from .model import FileResult, Finding
from .paths import read_regular_file
from .version import __version__

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".autype-guard-baseline.json"
# Far above any real repository's findings; keeps a hostile file from exhausting memory.
MAX_BASELINE_BYTES = 64 * 1024 * 1024
# Version 1 files written before findings were made per key occurrence carry a count per
# entry; it is read (and checked) for compatibility and no longer limits anything.
MAX_COUNT = 1_000_000
# A fetched file's location: an http(s) URL (findings of `scan-url`).
_URL = re.compile(r"https?://", re.IGNORECASE)
_RULE = re.compile(r"AG[0-9]{3}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = frozenset({"rule", "path", "fingerprint", "count"})
_TOP_KEYS = frozenset({"version", "tool", "generated_by", "note", "findings"})

Identity = tuple[str, str, str]  # rule, path (relative to the baseline's directory), fingerprint


class BaselineError(Exception):
    """A baseline file that cannot be used, with a one-line message naming the problem."""


@dataclass
class Baseline:
    """Accepted findings: their identities."""

    entries: set[Identity] = field(default_factory=set)

    @property
    def total(self) -> int:
        return len(self.entries)


def baseline_path(finding_path: str, base_dir: Path) -> str:
    """How a baseline in `base_dir` names a finding's file (`/`-separated, relative); a
    fetched file (`scan-url`) by its URL without query or fragment, so a cache-busting
    `?v=2` does not make an accepted finding new."""
    if _URL.match(finding_path):
        return finding_path.split("#", 1)[0].split("?", 1)[0]
    full = os.path.abspath(finding_path)
    try:
        rel = os.path.relpath(full, os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        return PurePosixPath(Path(full)).as_posix()
    return PurePosixPath(Path(rel)).as_posix()


def identity_in(finding: Finding, base_dir: Path) -> Identity:
    return (finding.code, baseline_path(finding.path, base_dir), finding.fingerprint)


def _accepting(baseline: Baseline, finding: Finding, base_dir: Path) -> Optional[Identity]:
    """The entry of `baseline` that accepts `finding` (by its fingerprint or one an earlier
    version gave it), or None."""
    identity = identity_in(finding, base_dir)
    if identity in baseline.entries:
        return identity
    for alias in finding.aliases:
        old = (identity[0], identity[1], alias)
        if old in baseline.entries:
            return old
    return None


def build(findings: Iterable[Finding], base_dir: Path) -> Baseline:
    """A baseline accepting exactly `findings`."""
    return Baseline({identity_in(f, base_dir) for f in findings})


def update(old: Baseline, findings: Iterable[Finding], base_dir: Path) -> tuple[Baseline, int]:
    """Prune `old` to what is still found; never adds a finding it did not accept. An entry
    matched through an earlier version's fingerprint is rewritten with today's.

    Returns the new baseline and how many current findings it does not cover (new ones,
    which only a fresh `baseline` run accepts)."""
    kept: set[Identity] = set()
    not_covered: set[Identity] = set()
    for finding in findings:
        if _accepting(old, finding, base_dir) is None:
            not_covered.add(identity_in(finding, base_dir))
        else:
            kept.add(identity_in(finding, base_dir))
    return Baseline(kept), len(not_covered)


def apply(results: Iterable[FileResult], baseline: Baseline, base_dir: Path) -> int:
    """Drop baselined findings from `results` in place; returns how many were dropped.

    Each finding is judged on its own identity: an entry accepts its key at its path however
    often it occurs there, never another key on the same line."""
    dropped = 0
    for result in results:
        kept = []
        for finding in result.findings:
            if _accepting(baseline, finding, base_dir) is None:
                kept.append(finding)
            else:
                result.baselined += 1
                dropped += 1
        result.findings = kept
    return dropped


def dumps(baseline: Baseline) -> str:
    """The baseline file's text: sorted entries, no timestamps, so it diffs cleanly."""
    doc = {
        "version": BASELINE_VERSION,
        "tool": "autype-guard",
        "generated_by": f"autype-guard {__version__}",
        "note": (
            "Findings accepted when autype-guard was adopted. Each entry is a rule, a path "
            "and the SHA-256 fingerprint of a key (never the key itself). Keys listed here "
            "are still exposed: rotate them in the Autype dashboard (Settings -> API Keys)."
        ),
        "findings": [
            {"rule": rule, "path": path, "fingerprint": fp}
            for rule, path, fp in sorted(
                baseline.entries, key=lambda identity: (identity[1], identity[0], identity[2])
            )
        ],
    }
    import json  # start-up time: only runs that read or write a baseline need it

    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Baseline:
    """Read and validate a baseline file; raise BaselineError naming what is wrong."""
    try:
        data = read_regular_file(path, MAX_BASELINE_BYTES)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: baseline is larger than {MAX_BASELINE_BYTES} bytes")
    import json  # start-up time: only runs that read or write a baseline need it

    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline is not valid UTF-8") from None
    except RecursionError:
        raise BaselineError(f"{path}: baseline is nested too deeply") from None
    except ValueError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc}") from None
    return parse(doc, str(path))


def parse(doc: object, where: str) -> Baseline:
    """Validate a decoded baseline document."""
    if not isinstance(doc, dict):
        raise BaselineError(f"{where}: baseline must be a JSON object")
    version = doc.get("version")
    if type(version) is not int:
        raise BaselineError(f"{where}: baseline has no integer 'version'")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"{where}: baseline version {version} is not supported "
            f"(this autype-guard reads version {BASELINE_VERSION})"
        )
    unknown = sorted(str(k) for k in doc if k not in _TOP_KEYS)
    if unknown:
        raise BaselineError(f"{where}: unknown baseline key {unknown[0]!r}")
    items = doc.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"{where}: baseline 'findings' must be a list")
    entries: set[Identity] = set()
    for i, item in enumerate(items):
        identity = _entry(item, f"{where}: findings[{i}]")
        if identity in entries:
            raise BaselineError(f"{where}: findings[{i}] repeats an earlier entry")
        entries.add(identity)
    return Baseline(entries)


def _entry(item: object, where: str) -> Identity:
    if not isinstance(item, dict):
        raise BaselineError(f"{where} must be an object")
    unknown = sorted(str(k) for k in item if k not in _ENTRY_KEYS)
    if unknown:
        raise BaselineError(f"{where} has unknown key {unknown[0]!r}")
    rule, path, fp = item.get("rule"), item.get("path"), item.get("fingerprint")
    count = item.get("count", 1)
    if not isinstance(rule, str) or not _RULE.fullmatch(rule):
        raise BaselineError(f"{where}: 'rule' must be a rule code such as AG101")
    if not isinstance(path, str) or not path or "\0" in path or len(path) > 4096:
        raise BaselineError(f"{where}: 'path' must be a non-empty relative path")
    if not isinstance(fp, str) or not _FINGERPRINT.fullmatch(fp):
        raise BaselineError(f"{where}: 'fingerprint' must be 64 lowercase hex digits (SHA-256)")
    if type(count) is not int or not 1 <= count <= MAX_COUNT:
        raise BaselineError(f"{where}: 'count' must be an integer from 1 to {MAX_COUNT}")
    return (rule, path, fp)


__all__ = [
    "BASELINE_VERSION",
    "DEFAULT_BASELINE",
    "Baseline",
    "BaselineError",
    "apply",
    "build",
    "dumps",
    "load",
    "parse",
    "update",
]
