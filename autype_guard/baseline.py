"""Baselines: the findings a repository already had when it adopted autype-guard.

`autype-guard baseline` records them; `scan --baseline FILE` then reports only findings
that are not in the file. An entry is a finding's identity (rule, path, key fingerprint)
and how many identical findings that file holds, never a line number, so moving code or
editing other parts of a file changes nothing. Paths are stored relative to the baseline
file's directory. The file is versioned JSON, documented in docs/baseline-format.md.

NOTE: a baseline never holds a key: only the SHA-256 fingerprint that findings carry.
Loading validates every field, so a corrupt or hostile file is a `BaselineError`, never a
crash and never a silently wider baseline.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import __version__
from .model import FileResult, Finding

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".autype-guard-baseline.json"
# Far above any real repository's findings; keeps a hostile file from exhausting memory.
MAX_BASELINE_BYTES = 64 * 1024 * 1024
MAX_COUNT = 1_000_000
_RULE = re.compile(r"AG[0-9]{3}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = frozenset({"rule", "path", "fingerprint", "count"})
_TOP_KEYS = frozenset({"version", "tool", "generated_by", "note", "findings"})

Identity = tuple[str, str, str]  # rule, path (relative to the baseline's directory), fingerprint


class BaselineError(Exception):
    """A baseline file that cannot be used, with a one-line message naming the problem."""


@dataclass
class Baseline:
    """Accepted findings: identity -> how many identical findings one file may hold."""

    entries: dict[Identity, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.entries.values())


def baseline_path(finding_path: str, base_dir: Path) -> str:
    """How a baseline in `base_dir` names a finding's file (`/`-separated, relative)."""
    full = os.path.abspath(finding_path)
    try:
        rel = os.path.relpath(full, os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        return PurePosixPath(Path(full)).as_posix()
    return PurePosixPath(Path(rel)).as_posix()


def identity_in(finding: Finding, base_dir: Path) -> Identity:
    return (finding.code, baseline_path(finding.path, base_dir), finding.fingerprint)


def build(findings: Iterable[Finding], base_dir: Path) -> Baseline:
    """A baseline accepting exactly `findings`."""
    return Baseline(dict(Counter(identity_in(f, base_dir) for f in findings)))


def update(old: Baseline, findings: Iterable[Finding], base_dir: Path) -> tuple[Baseline, int]:
    """Prune `old` to what is still found; never adds a finding it did not accept.

    Returns the new baseline and how many current findings it does not cover (new ones,
    which only a fresh `baseline` run accepts)."""
    current = Counter(identity_in(f, base_dir) for f in findings)
    kept = {
        identity: min(count, current[identity])
        for identity, count in old.entries.items()
        if current[identity]
    }
    not_covered = sum(max(0, n - kept.get(identity, 0)) for identity, n in current.items())
    return Baseline(kept), not_covered


def apply(results: Iterable[FileResult], baseline: Baseline, base_dir: Path) -> int:
    """Drop baselined findings from `results` in place; returns how many were dropped.

    When a file holds more identical findings than the baseline accepted, the first ones
    (in line order) count as baselined and the rest are reported as new."""
    budget = dict(baseline.entries)
    dropped = 0
    for result in results:
        kept = []
        for finding in sorted(result.findings, key=lambda f: (f.line, f.column, f.code)):
            identity = identity_in(finding, base_dir)
            if budget.get(identity, 0) > 0:
                budget[identity] -= 1
                result.baselined += 1
                dropped += 1
            else:
                kept.append(finding)
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
            {"rule": rule, "path": path, "fingerprint": fp, "count": count}
            for (rule, path, fp), count in sorted(
                baseline.entries.items(), key=lambda item: (item[0][1], item[0][0], item[0][2])
            )
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Baseline:
    """Read and validate a baseline file; raise BaselineError naming what is wrong."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BASELINE_BYTES + 1)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: baseline is larger than {MAX_BASELINE_BYTES} bytes")
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
    entries: dict[Identity, int] = {}
    for i, item in enumerate(items):
        identity, count = _entry(item, f"{where}: findings[{i}]")
        if identity in entries:
            raise BaselineError(f"{where}: findings[{i}] repeats an earlier entry")
        entries[identity] = count
    return Baseline(entries)


def _entry(item: object, where: str) -> tuple[Identity, int]:
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
    return (rule, path, fp), count


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
