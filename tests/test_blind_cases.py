"""Regression test over the blind cases in tests/data/blind: small realistic files written
from the rule docs only, without looking at the scanner (see its README.md). Scored the way
the corpus is: line-level precision and recall on distinct (path, line) pairs, and
rule-exact recall (the reported rule equals the label's)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autype_guard import scan_paths
from autype_guard.config import Config
from autype_guard.engine import ScanOptions

BLIND = Path(__file__).parent / "data" / "blind"


def _labels() -> dict[tuple[str, int], str]:
    with (BLIND / "labels.tsv").open(newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and r[0] != "path"]
    return {(path, int(line)): rule for path, line, rule in rows}


def _reported() -> dict[tuple[str, int], set[str]]:
    # Scanned from inside the directory, as the cases' author did: paths such as
    # `tests/data/...` would make every file a test file.
    report = scan_paths([Path(".")], Config(), ScanOptions(jobs=1, respect_gitignore=False))
    out: dict[tuple[str, int], set[str]] = {}
    for result in report.files:
        assert result.error is None, (result.path, result.error)
        rel = Path(result.path).as_posix().removeprefix("./")
        for finding in result.findings:
            out.setdefault((rel, finding.line), set()).add(finding.code)
    return out


def test_blind_cases_keep_their_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BLIND)
    labels = _labels()
    reported = _reported()
    hits = [pair for pair in labels if pair in reported]
    exact = [pair for pair, rule in labels.items() if rule in reported.get(pair, ())]
    false_alarms = sorted(pair for pair in reported if pair not in labels)
    misses = sorted(pair for pair in labels if pair not in reported)
    precision = len(hits) / len(reported)
    recall = len(hits) / len(labels)
    assert len(labels) == 178
    assert precision >= 1.0, false_alarms
    assert recall >= 1.0, misses
    assert len(exact) / len(labels) >= 0.98
