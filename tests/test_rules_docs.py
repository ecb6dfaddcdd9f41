"""The rule documentation on the web: `docs/rules.md` is the catalogue's Markdown, and every
rule link a report carries (SARIF helpUri, GitLab identifiers) lands on an existing anchor.
Also `rules --format` and shell completion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard.report import HELP_URI, RULE_FORMATS
from autype_guard.report.rules import render_rules
from autype_guard.rules import RULES, catalogue

from .test_cli import run
from .test_formats import finding, render, report_of

ROOT = Path(__file__).parent.parent
RULES_DOC = ROOT / "docs" / "rules.md"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings: lower case, punctuation other
    than `-` and `_` dropped, spaces as `-`, repeats numbered `-1`, `-2`, ..."""
    anchors: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        heading = re.fullmatch(r"#{1,6} (.*)", line)
        if fenced or not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def test_rules_doc_is_the_catalogue_markdown() -> None:
    # Regenerate with: autype-guard rules --format markdown > docs/rules.md
    assert RULES_DOC.read_text(encoding="utf-8") == render_rules(catalogue(), "markdown")


def _linked(text: str) -> set[str]:
    return set(re.findall(re.escape(HELP_URI) + r"[^\s\"')]*#[\w-]+", text))


def test_every_rule_link_in_sarif_and_gitlab_reports_lands_on_an_anchor() -> None:
    report = report_of(*(finding(code=rule.CODE, line=i + 1) for i, rule in enumerate(RULES)))
    links = _linked(render("sarif", report)) | _linked(render("gitlab", report, commit="0" * 40))
    links |= _linked(render_rules(catalogue(), "json"))
    assert len(links) == len(RULES)
    for link in links:
        page, anchor = link.split("#")
        path = page.removeprefix(f"{HELP_URI}/blob/main/")
        assert path != page, f"{link}: not a file of the repository"
        assert anchor in github_anchors((ROOT / path).read_text(encoding="utf-8")), link


def test_readme_links_to_anchors_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([\w./-]*)#([\w-]+)\)", readme):
        doc = ROOT / target if target else ROOT / "README.md"
        assert anchor in github_anchors(doc.read_text(encoding="utf-8")), (target, anchor)
    assert "(docs/rules.md)" in readme


def test_rules_table_has_one_line_per_rule() -> None:
    code, out, _ = run("rules", "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["CODE", "NAME", "SEVERITY"]
    assert [line.split()[:3] for line in lines[1:]] == [
        [r.CODE, r.NAME, r.SEVERITY.value] for r in RULES
    ]


def test_rules_json_lists_codes_names_severities_and_doc_urls() -> None:
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(d["code"], d["name"], d["severity"]) for d in data] == [
        (r.CODE, r.NAME, r.SEVERITY.value) for r in RULES
    ]
    assert all(d["title"] and d["description"] and d["url"].startswith("https://") for d in data)


def test_rules_text_is_the_default_and_an_unknown_format_exits_2() -> None:
    assert run("rules")[1] == run("rules", "--format", "text")[1]
    assert run("rules")[1].startswith(f"{RULES[0].CODE} {RULES[0].NAME} [")
    code, _, err = run("rules", "--format", "yaml")
    assert code == 2 and "yaml" in err
    assert set(RULE_FORMATS) == {"text", "table", "json", "markdown"}


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef")])
def test_shell_completion_script_comes_from_the_environment_variable(
    shell: str, marker: str
) -> None:
    binary = Path(sys.executable).parent / "autype-guard"
    proc = subprocess.run(
        [str(binary)],
        env={**os.environ, "_AUTYPE_GUARD_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    assert "_AUTYPE_GUARD_COMPLETE" in proc.stdout


def test_completion_offers_commands_and_options() -> None:
    binary = Path(sys.executable).parent / "autype-guard"
    env = {**os.environ, "_AUTYPE_GUARD_COMPLETE": "bash_complete", "COMP_CWORD": "1"}
    words = subprocess.run(
        [str(binary)],
        env={**env, "COMP_WORDS": "autype-guard sc"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert "plain,scan" in words.splitlines()
    words = subprocess.run(
        [str(binary)],
        env={**env, "COMP_WORDS": "autype-guard scan --rep", "COMP_CWORD": "2"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert "plain,--report" in words.splitlines()
