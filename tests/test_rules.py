from __future__ import annotations

import re

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions
from autype_guard.fixes.apply import fix_source
from autype_guard.model import Applicability
from autype_guard.rules import RULES
from autype_guard.testing import Invalid, Valid

VALID = [
    pytest.param(rule, example, id=f"{rule.CODE}-valid-{i}")
    for rule in RULES
    for i, example in enumerate(rule.VALID)
]
INVALID = [
    pytest.param(rule, example, id=f"{rule.CODE}-invalid-{i}")
    for rule in RULES
    for i, example in enumerate(rule.INVALID)
]


@pytest.mark.parametrize(("rule", "example"), VALID)
def test_valid_example_has_no_finding(rule: type, example: Valid) -> None:
    result = scan_text(example.code, example.path)
    assert [f.code for f in result.findings] == []


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_invalid_example_is_flagged_at_its_span(rule: type, example: Invalid) -> None:
    result = scan_text(example.code, example.path, options=ScanOptions(inline_ignore=False))
    assert [(f.code, f.span) for f in result.findings] == [(rule.CODE, example.span)]


FIXED = [
    pytest.param(rule, example, id=f"{rule.CODE}-fixed-{i}")
    for rule in RULES
    for i, example in enumerate(rule.INVALID)
    if example.fixed is not None
]


@pytest.mark.parametrize(("rule", "example"), FIXED)
def test_pinned_fix_is_applied_and_idempotent(rule: type, example: Invalid) -> None:
    assert example.fixed is not None
    assert fix_source(example.code, example.path) == example.fixed
    assert fix_source(example.fixed, example.path) == example.fixed
    assert scan_text(example.fixed, example.path).findings == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_every_fixable_rule_pins_a_fixed_example(rule: type) -> None:
    fixable = False
    for example in rule.INVALID:
        for finding in scan_text(example.code, example.path).findings:
            assert finding.fix is not None
            fixable = fixable or finding.fix.applicability is not Applicability.DISPLAY_ONLY
    if fixable:
        assert any(example.fixed is not None for example in rule.INVALID), rule.CODE


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_rule_metadata_is_complete(rule: type) -> None:
    assert re.fullmatch(r"AG[1-3]\d\d", rule.CODE)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.NAME)
    docs = rule.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in docs
    assert rule.VALID and rule.INVALID


def test_rule_codes_and_names_are_unique() -> None:
    assert len({r.CODE for r in RULES}) == len(RULES)
    assert len({r.NAME for r in RULES}) == len(RULES)


def test_every_rule_lists_the_docs_placeholder_among_valid_examples() -> None:
    for rule in RULES:
        if rule.CODE.startswith("AG1"):
            assert any("ak_your_api_key_here" in v.code for v in rule.VALID), rule.CODE


def test_ag104_tells_a_notebooks_saved_output_from_its_cells() -> None:
    import json

    from .conftest import fake_key

    key = fake_key()
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"{key}\n"]}],
                "source": ["print(client.key)\n"],
            },
            {"cell_type": "markdown", "metadata": {}, "source": [f"Use {key}\n"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    result = scan_text(json.dumps(notebook, indent=1), "analysis.ipynb")
    output, cell = sorted(result.findings, key=lambda f: f.line)
    assert "saved output" in output.message and "nbconvert --clear-output" in output.suggestion
    assert "notebook cell" in cell.message and "documentation" not in cell.message
