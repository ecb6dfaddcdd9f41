"""Machine-readable formats: SARIF against the official schema, GitHub workflow commands,
GitLab's secret-detection report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from autype_guard.api import ScanReport
from autype_guard.model import (
    FileKind,
    FileResult,
    Finding,
    RelatedLocation,
    Severity,
    Span,
    UnusedSuppression,
)
from autype_guard.report import FORMATS, ReportOptions, get_reporter
from autype_guard.report.github import escape_data, escape_property
from autype_guard.rules import RULES, catalogue

from .conftest import fake_key
from .test_cli import run

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def finding(
    path: str = "src/app.py",
    code: str = "AG101",
    line: int = 3,
    severity: Severity = Severity.HIGH,
    fingerprint: str = "a" * 64,
    **extra: Any,
) -> Finding:
    values: dict[str, Any] = {
        "code": code,
        "name": next(r.NAME for r in RULES if code == r.CODE),
        "message": "Hardcoded Autype API key ak_…Zx9Q in assignment to KEY",
        "path": path,
        "kind": FileKind.PYTHON,
        "span": Span.of((line, 7), (line, 26)),
        "severity": severity,
        "fingerprint": fingerprint,
        "preview": "ak_…Zx9Q",
        "suggestion": 'Use os.environ["KEY"] instead, and rotate it.',
        "snippet": 'KEY = "ak_…Zx9Q"',
        "snippet_caret": (7, 8),
    }
    values.update(extra)
    return Finding(**values)


def report_of(*findings: Finding, **file_extra: Any) -> ScanReport:
    by_path: dict[str, FileResult] = {}
    for f in findings:
        by_path.setdefault(f.path, FileResult(f.path, f.kind)).findings.append(f)
    report = ScanReport(files=list(by_path.values()))
    for path, result in file_extra.get("extra_files", {}).items():
        report.files.append(result)
        del path
    return report


def render(fmt: str, report: ScanReport, **options: Any) -> str:
    return get_reporter(fmt)(report, ReportOptions(**{"rules": catalogue(), **options}))


def real_tree(project: Path) -> dict[str, str]:
    keys = {name: fake_key() for name in ("py", "env", "md", "js")}
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(f'import os\nKEY = "{keys["py"]}"\n')
    (project / ".env").write_text(f"AUTYPE_API_KEY={keys['env']}\n")
    (project / "README.md").write_text(f"curl -H 'X-API-Key: {keys['md']}'\n")
    (project / "public").mkdir()
    (project / "public" / "app.js").write_text(
        f'fetch(u, {{headers: {{"X-API-Key": "{keys["js"]}"}}}})\n'
    )
    return keys


def test_every_format_is_registered() -> None:
    assert set(FORMATS) >= {"text", "json", "sarif", "github", "gitlab", "html"}
    for name in FORMATS:
        assert callable(get_reporter(name))


# --- SARIF ---------------------------------------------------------------------------------


def test_sarif_of_a_real_scan_validates_against_the_official_schema(
    project: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    keys = real_tree(project)
    code, out, _ = run("scan", "--format", "sarif", ".")
    doc = json.loads(out)
    sarif_validator.validate(doc)
    assert code == 1
    results = doc["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["AG101", "AG102", "AG103", "AG104"]
    for key in keys.values():
        assert key not in out


def test_sarif_rules_carry_what_github_needs(project: Path) -> None:
    (project / "a.py").write_text(f'k = "{fake_key()}"\n')
    _, out, _ = run("scan", "--format", "sarif", ".")
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.CODE for r in RULES]
    for rule, descriptor in zip(RULES, driver["rules"], strict=True):
        assert descriptor["name"] == rule.NAME
        assert descriptor["shortDescription"]["text"].startswith(
            ("Autype API keys ", "`ak_` keys ")
        )
        assert len(descriptor["shortDescription"]["text"]) < 80
        assert descriptor["fullDescription"]["text"]
        assert "## Use instead" in descriptor["help"]["markdown"]
        assert "Settings -> API Keys" in descriptor["help"]["text"]
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = descriptor["properties"]
        assert 0.1 <= float(props["security-severity"]) <= 10.0
        assert "security" in props["tags"] and len(props["tags"]) <= 10
        assert "external/cwe/cwe-798" in props["tags"]
        assert descriptor["helpUri"].startswith("https://")
    by_id = {r["id"]: r for r in driver["rules"]}
    assert float(by_id["AG102"]["properties"]["security-severity"]) > 9.0  # critical
    assert 7.0 <= float(by_id["AG101"]["properties"]["security-severity"]) < 9.0  # high


def test_sarif_result_fields_github_reads(project: Path) -> None:
    key = fake_key()
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    _, out, _ = run("scan", "--format", "sarif", ".")
    run_ = json.loads(out)["runs"][0]
    (result,) = run_["results"]
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    region = location["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 8)
    assert (region["endLine"], region["endColumn"]) == (2, 8 + len(key))
    assert region["snippet"]["text"] == f'KEY = "ak_…{key[-4:]}"'
    assert result["level"] == "error"
    (fingerprint,) = result["partialFingerprints"].values()
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert run_["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_relative_to_the_git_root_when_run_from_a_subdirectory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "svc" / "deep dir").mkdir(parents=True)
    (repo / "svc" / "deep dir" / "a.py").write_text(f'k = "{fake_key()}"\n')
    monkeypatch.chdir(repo / "svc")
    _, out, _ = run("scan", "--format", "sarif", ".")
    (result,) = json.loads(out)["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "svc/deep%20dir/a.py"


def test_sarif_fingerprints_survive_moving_lines_and_tell_copies_apart(project: Path) -> None:
    key = fake_key()
    (project / "a.py").write_text(f'k = "{key}"\nj = "{key}"\n')
    _, out, _ = run("scan", "--format", "sarif", ".")
    before = [r["partialFingerprints"] for r in json.loads(out)["runs"][0]["results"]]
    (project / "a.py").write_text(f'import os\n\n\nk = "{key}"  # moved\nj = "{key}"\n')
    _, out, _ = run("scan", "--format", "sarif", ".")
    after = [r["partialFingerprints"] for r in json.loads(out)["runs"][0]["results"]]
    assert before == after
    assert before[0] != before[1]


def test_sarif_related_locations_properties_and_notifications(
    sarif_validator: jsonschema.Draft4Validator,
) -> None:
    related = (RelatedLocation("src/original.ts", 12, "original source [from the map]"),)
    f = finding(
        "dist/app.js.map",
        "AG102",
        severity=Severity.CRITICAL,
        related=related,
        properties=(("commit", "c0ffee" * 6 + "abcd"), ("verification", "live")),
    )
    report = report_of(f)
    report.files.append(FileResult("notes.md", FileKind.DOCS, notes=["not valid UTF-8"]))
    report.files[0].unused_suppressions.append(UnusedSuppression(9, 5, ("AG103",)))
    report.files.append(FileResult("locked.py", FileKind.PYTHON, error="Permission denied"))
    doc = json.loads(render("sarif", report))
    sarif_validator.validate(doc)
    (result,) = doc["runs"][0]["results"]
    (rel,) = result["relatedLocations"]
    assert rel["id"] == 1
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == "src/original.ts"
    assert rel["physicalLocation"]["region"]["startLine"] == 12
    assert "(1)" in result["message"]["text"]
    assert result["properties"]["commit"].startswith("c0ffee")
    assert result["properties"]["verification"] == "live"
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [(n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]]
    assert ("error", "could not be scanned: Permission denied") in texts
    assert ("note", "not valid UTF-8") in texts
    assert any(level == "note" and "AG103" in text for level, text in texts)


def test_sarif_absolute_path_outside_the_root_is_a_file_uri(
    tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    outside = tmp_path / "elsewhere" / "k.py"
    doc = json.loads(render("sarif", report_of(finding(str(outside))), root=str(tmp_path / "r")))
    sarif_validator.validate(doc)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": outside.as_uri()}


def test_sarif_rule_level_follows_configured_severity(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.autype-guard]\nseverity = { AG104 = "low" }\n')
    (project / "README.md").write_text(f"{fake_key()}\n")
    _, out, _ = run("scan", "--format", "sarif", ".")
    run_ = json.loads(out)["runs"][0]
    rule = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "AG104")
    assert rule["defaultConfiguration"]["level"] == "note"
    assert float(rule["properties"]["security-severity"]) < 4.0
    assert run_["results"][0]["level"] == "note"


def test_sarif_caps_results_at_githubs_limit() -> None:
    from autype_guard.report import sarif

    many = [finding(f"f{i}.py", fingerprint=f"{i:064x}") for i in range(sarif.MAX_RESULTS + 3)]
    doc = json.loads(render("sarif", report_of(*many)))
    run_ = doc["runs"][0]
    assert len(run_["results"]) == sarif.MAX_RESULTS
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert any("3 results left out" in n["message"]["text"] for n in notes)


# --- GitHub workflow commands -------------------------------------------------------------


def test_github_annotations_of_a_real_scan(project: Path) -> None:
    key = fake_key()
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "README.md").write_text(f"{fake_key()}\n")
    code, out, _ = run("scan", "--format", "github", ".")
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        f"::warning file=README.md,line=1,col=1,endLine=1,endColumn={len(key)},"
        f"title=AG104 key-in-docs::{lines[0].split('::', 2)[2]}"
    )
    assert lines[1].startswith(
        f"::error file=src/app.py,line=2,col=8,endLine=2,endColumn={7 + len(key)},"
        "title=AG101 hardcoded-key::Hardcoded Autype API key"
    )
    assert "%0AUse os.environ" in lines[1]
    assert lines[-1].startswith("autype-guard: 2 findings")
    assert key not in out


def test_github_level_follows_severity() -> None:
    out = render(
        "github",
        report_of(
            finding("a.js", "AG102", severity=Severity.CRITICAL),
            finding("b.md", "AG104", severity=Severity.MEDIUM),
            finding("c.py", severity=Severity.LOW),
            finding("d.md", "AG104", severity=Severity.INFO, placeholder=True),
        ),
    )
    assert [line.split(" ", 1)[0] for line in out.splitlines()[:4]] == [
        "::error",
        "::warning",
        "::warning",
        "::notice",
    ]


def test_github_escaping_stops_a_hostile_file_name_from_injecting_commands() -> None:
    hostile = "x,line=99::oops\n::error file=evil.py::injected%0A.py"
    out = render("github", report_of(finding(hostile)))
    first = out.splitlines()[0]
    assert len(out.splitlines()) == 2  # the annotation and the summary, nothing injected
    # The newline is a control character: shown as `\x0a` text before the runner's escaping.
    assert "file=x%2Cline=99%3A%3Aoops\\x0a%3A%3Aerror file=evil.py%3A%3Ainjected%250A.py," in first
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_notices_for_unused_suppressions_and_errors_for_unreadable_files() -> None:
    report = report_of(finding())
    report.files[0].unused_suppressions.append(UnusedSuppression(4, 10))
    report.files.append(FileResult("locked.py", FileKind.PYTHON, error="Permission denied"))
    out = render("github", report)
    assert "::notice file=src/app.py,line=4,col=10,title=autype-guard unused suppression::" in out
    assert "::error file=locked.py,title=autype-guard unreadable file::could not be scanned" in out


# --- GitLab secret-detection report -------------------------------------------------------

# GitLab's schema is not published to a package registry this project can install from, so
# the test checks by hand what secret-detection-report-format.json (15.0.x) requires.
_GITLAB_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_GITLAB_SEVERITIES = {"Info", "Unknown", "Low", "Medium", "High", "Critical"}


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and len(value) >= 1


def check_gitlab_report(doc: dict[str, Any]) -> None:
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", doc["version"])
    assert doc["version"].startswith("15.")
    assert re.match(r"https?://.+", doc["schema"])
    scan = doc["scan"]
    for tool in ("analyzer", "scanner"):
        for field in ("id", "name", "version"):
            assert _nonempty(scan[tool][field]), (tool, field)
        assert _nonempty(scan[tool]["vendor"]["name"])
    assert re.match(r"https?://.+", scan["analyzer"].get("url", "https://x"))
    assert scan["type"] == "secret_detection"
    assert scan["status"] in ("success", "failure")
    assert _GITLAB_TIME.fullmatch(scan["start_time"])
    assert _GITLAB_TIME.fullmatch(scan["end_time"])
    for message in scan.get("messages", []):
        assert message["level"] in ("info", "warn", "fatal")
        assert _nonempty(message["value"])
    assert isinstance(doc["vulnerabilities"], list)
    for vuln in doc["vulnerabilities"]:
        assert _nonempty(vuln["id"])
        assert len(vuln.get("name", "")) <= 255
        assert len(vuln.get("solution", "")) <= 7000
        assert vuln.get("severity", "Info") in _GITLAB_SEVERITIES
        assert len(vuln["identifiers"]) >= 1
        for ident in vuln["identifiers"]:
            for field in ("type", "name", "value"):
                assert _nonempty(ident[field])
            assert re.match(r"(https?|ftp)://.+", ident.get("url", "https://x"))
        location = vuln["location"]
        assert _nonempty(location["commit"]["sha"])
        assert isinstance(location.get("file", ""), str)
        assert isinstance(location.get("start_line", 0), (int, float))
        assert isinstance(location.get("end_line", 0), (int, float))
        for detail in vuln.get("details", {}).values():
            assert _nonempty(detail["name"])
            assert detail["type"] in ("value", "code", "text", "markdown")
            assert "value" in detail
        assert "raw_source_code_extract" not in vuln


def test_gitlab_report_of_a_real_scan_has_every_required_field(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import git

    monkeypatch.chdir(repo)
    keys = real_tree(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "keys")
    head = git(repo, "rev-parse", "HEAD").strip()
    monkeypatch.delenv("CI_COMMIT_SHA", raising=False)
    code, out, _ = run("scan", "--format", "gitlab", ".")
    doc = json.loads(out)
    check_gitlab_report(doc)
    assert code == 1
    vulns = doc["vulnerabilities"]
    assert sorted(v["identifiers"][0]["value"] for v in vulns) == [
        "AG101",
        "AG102",
        "AG103",
        "AG104",
    ]
    assert {v["location"]["commit"]["sha"] for v in vulns} == {head}
    by_rule = {v["identifiers"][0]["value"]: v for v in vulns}
    assert by_rule["AG102"]["severity"] == "Critical"
    assert by_rule["AG101"]["location"] == {
        "file": "src/app.py",
        "start_line": 2,
        "end_line": 2,
        "commit": {"sha": head},
    }
    assert "Settings -> API Keys" in by_rule["AG101"]["solution"]
    for key in keys.values():
        assert key not in out


def test_gitlab_commit_from_ci_and_from_history_properties(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_COMMIT_SHA", "1234567890abcdef")
    (project / "a.py").write_text(f'k = "{fake_key()}"\n')
    _, out, _ = run("scan", "--format", "gitlab", ".")
    (vuln,) = json.loads(out)["vulnerabilities"]
    assert vuln["location"]["commit"] == {"sha": "1234567890abcdef"}
    history = finding(properties=(("commit", "abc123"), ("author_date", "2024-01-02T03:04:05Z")))
    doc = json.loads(render("gitlab", report_of(history), commit="ffff"))
    check_gitlab_report(doc)
    commit = doc["vulnerabilities"][0]["location"]["commit"]
    assert commit == {"sha": "abc123", "date": "2024-01-02T03:04:05Z"}


def test_gitlab_without_any_commit_uses_the_analyzers_placeholder() -> None:
    doc = json.loads(render("gitlab", report_of(finding())))
    check_gitlab_report(doc)
    assert doc["vulnerabilities"][0]["location"]["commit"]["sha"] == "0000000"


def test_gitlab_ids_are_stable_uuids_and_errors_mark_the_scan_failed() -> None:
    import uuid

    report = report_of(finding(), finding(line=9))
    report.files.append(FileResult("locked.py", FileKind.PYTHON, error="Permission denied"))
    first = json.loads(render("gitlab", report))
    second = json.loads(render("gitlab", report))
    check_gitlab_report(first)
    ids = [v["id"] for v in first["vulnerabilities"]]
    assert ids == [v["id"] for v in second["vulnerabilities"]]
    assert len(set(ids)) == 2
    for vid in ids:
        uuid.UUID(vid)
    assert first["scan"]["status"] == "failure"
    assert {"level": "warn", "value": "locked.py: could not be scanned: Permission denied"} in (
        first["scan"]["messages"]
    )


def test_gitlab_empty_scan_is_valid() -> None:
    doc = json.loads(render("gitlab", ScanReport()))
    check_gitlab_report(doc)
    assert doc["vulnerabilities"] == []
    assert doc["scan"]["status"] == "success"


# --- JSON and its documentation ------------------------------------------------------------

DOCS = Path(__file__).parent.parent / "docs"


def _keys(value: object, skip: frozenset[str]) -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in skip:
                continue
            out.add(key)
            out |= _keys(item, skip)
    elif isinstance(value, list):
        for item in value:
            out |= _keys(item, skip)
    return out


def test_json_format_doc_describes_every_field(project: Path) -> None:
    real_tree(project)
    (project / "b.py").write_text("x = 1  # autype-guard" + ": ignore\n")
    _, out, _ = run("scan", "--format", "json", ".")
    doc = json.loads(out)
    assert doc["version"] == "1.3"
    # by_rule/by_severity/properties have data as keys, not fields
    fields = _keys(doc, frozenset({"by_rule", "by_severity", "properties"}))
    fields |= {"by_rule", "by_severity", "properties"}
    text = (DOCS / "json-format.md").read_text(encoding="utf-8")
    assert '`"1.3"`' in text
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert missing == []


def test_baseline_format_doc_describes_every_field() -> None:
    from autype_guard import baseline

    doc = json.loads(baseline.dumps(baseline.Baseline({("AG101", "a.py", "a" * 64): 2})))
    text = (DOCS / "baseline-format.md").read_text(encoding="utf-8")
    for field in doc:
        assert f"`{field}`" in text
    for field in doc["findings"][0]:
        assert f"`findings[].{field}`" in text


def _text_of(source: str, width: Any) -> list[str]:
    from autype_guard import scan_text

    report = ScanReport(files=[scan_text(source, "src/settings.py")])
    text = get_reporter("text")(report, ReportOptions(rules=catalogue(), width=width))
    return text.splitlines()


def test_code_frames_fit_the_terminal_and_keep_the_name_and_the_key() -> None:
    key = fake_key()
    line = "x = 1; " * 30 + f'AUTYPE_API_KEY = "{key}"' + "; y = 2" * 30 + "\n"
    wide = _text_of(line, 200)
    narrow = _text_of(line, 80)
    frame = next(i for i, t in enumerate(wide) if t.startswith("1 | "))
    for lines, columns in ((wide, 200), (narrow, 80)):
        code, caret = lines[frame], lines[frame + 1]
        assert len(code) <= columns
        assert code.startswith("1 | …") and code.endswith("…")
        # the caret still points at the key's (masked) spelling
        start = caret.index("^")
        assert code[start : start + 3] == '"ak' or code[start : start + 3] == "ak_"
        assert key not in code
    assert "AUTYPE_API_KEY" in wide[frame]
    assert len(wide[frame]) > len(narrow[frame])


def test_code_frames_are_left_whole_when_they_fit_or_when_piped() -> None:
    key = fake_key()
    short = f'KEY = "{key}"\n'
    assert _text_of(short, 80) == _text_of(short, None)
    line = "x = 1; " * 30 + f'K = "{key}"\n'
    from autype_guard import scan_text

    snippet = scan_text(line, "src/settings.py").findings[0].snippet
    assert "1 | " + snippet in _text_of(line, None)
    assert len(snippet) > 120  # the engine keeps 120 characters before the key
