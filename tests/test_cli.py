from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from autype_guard.cli import cli

from .conftest import fake_key, git


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    try:  # click < 8.2 mixes stderr in unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_clean_tree_exits_0(project: Path) -> None:
    (project / "app.py").write_text('key = os.environ["AUTYPE_API_KEY"]\n')
    code, out, _ = run("scan", ".")
    assert code == 0
    assert "Found 0 findings" in out


def test_key_exits_1_with_location_frame_and_redaction(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'import os\nAPI_KEY = "{key}"\n')
    code, out, _ = run("scan", ".")
    assert code == 1
    assert f"app.py:2:12: AG101 [*] Hardcoded Autype API key ak_…{key[-4:]}" in out
    assert "in assignment to API_KEY" in out
    assert key not in out
    assert "^" * len(f"ak_…{key[-4:]}") in out
    assert 'os.environ["API_KEY"]' in out
    assert "Settings -> API Keys" in out


def test_show_secrets_prints_the_key_and_warns(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'API_KEY = "{key}"\n')
    code, out, err = run("scan", "--show-secrets", ".")
    assert code == 1
    assert key in out
    assert "holds full API keys" in err


def test_placeholder_passes_and_is_listed_on_request(project: Path) -> None:
    (project / "README.md").write_text('curl -H "X-API-Key: ak_your_api_key_here"\n')
    assert run("scan", ".")[0] == 0
    code, out, _ = run("scan", "--show-placeholders", ".")
    assert code == 0
    assert "README.md:1:21: AG104" in out
    assert "[info]" in out


def test_fail_on_threshold(project: Path) -> None:
    (project / "README.md").write_text(f"key {fake_key()}\n")
    assert run("scan", ".")[0] == 1
    assert run("scan", "--fail-on", "high", ".")[0] == 0


def test_json_output_is_versioned_and_redacted(project: Path) -> None:
    key = fake_key()
    (project / ".env").write_text(f"AUTYPE_API_KEY={key}\n")
    code, out, _ = run("scan", "--format", "json", ".")
    doc = json.loads(out)
    assert code == 1
    assert doc["version"] == "1.3"
    (finding,) = doc["findings"]
    assert (finding["code"], finding["line"], finding["column"]) == ("AG103", 1, 16)
    assert (finding["end_line"], finding["end_column"]) == (1, 16 + len(key))
    assert key not in out
    assert doc["summary"]["by_rule"] == {"AG103": 1}


def test_sarif_output_has_rule_region_and_fingerprint(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'k = "{key}"\n')
    code, out, _ = run("scan", "--format", "sarif", ".")
    run_ = json.loads(out)["runs"][0]
    (result,) = run_["results"]
    assert code == 1
    assert result["ruleId"] == "AG101"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (1, 6)
    assert len(result["partialFingerprints"]["autypeGuardFinding/v1"]) == 64
    assert run_["columnKind"] == "unicodeCodePoints"
    assert key not in out


def test_output_file(project: Path) -> None:
    (project / "app.py").write_text(f'k = "{fake_key()}"\n')
    code, _out, _ = run("scan", "--format", "json", "--output", "report.json", ".")
    assert code == 1
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 1


def test_show_secrets_report_file_is_private(project: Path) -> None:
    (project / "app.py").write_text(f'k = "{fake_key()}"\n')
    run("scan", "--show-secrets", "--format", "json", "--output", "report.json", ".")
    assert (project / "report.json").stat().st_mode & 0o777 == 0o600


def test_stdin_with_filename_uses_the_files_kind(project: Path) -> None:
    key = fake_key()
    code, out, _ = run(
        "scan", "-", "--stdin-filename", "deploy/.env", "--format", "json", input=f"K={key}\n"
    )
    (finding,) = json.loads(out)["findings"]
    assert code == 1
    assert (finding["path"], finding["code"]) == ("deploy/.env", "AG103")


def test_inline_ignore_comment_suppresses_in_any_comment_syntax(project: Path) -> None:
    key = fake_key()
    ignore = "autype-guard" + ": ignore"  # split so the self-scan sees no directive here
    (project / "a.py").write_text(f'k = "{key}"  # {ignore}[AG101]\n')
    (project / "b.js").write_text(f'const k = "{key}"; // {ignore}\n')
    (project / "c.html").write_text(f"<p>{key}</p> <!-- {ignore} -->\n")
    (project / "d.py").write_text(f'k = "{key}"  # {ignore}[AG103]\n')
    _code, out, _ = run("scan", "--format", "json", ".")
    doc = json.loads(out)
    assert [f["path"] for f in doc["findings"]] == ["d.py"]
    assert doc["summary"]["suppressed"] == 3
    assert run("scan", "--no-inline-ignore", "a.py")[0] == 1


def test_select_and_ignore(project: Path) -> None:
    (project / "a.py").write_text(f'k = "{fake_key()}"\n')
    (project / "README.md").write_text(f"{fake_key()}\n")
    _, out, _ = run("scan", "--format", "json", "--select", "AG104", ".")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["AG104"]
    _, out, _ = run("scan", "--format", "json", "--ignore", "AG104", ".")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["AG101"]


def test_unknown_rule_code_is_a_usage_error(project: Path) -> None:
    code, _, err = run("scan", "--select", "AG999", ".")
    assert code == 2
    assert "AG999" in err


def test_missing_path_exits_2_without_traceback(project: Path) -> None:
    code, out, err = run("scan", "nope.py")
    assert code == 2
    assert "Traceback" not in out + err
    assert "nope.py" in out


def test_error_wins_over_findings(project: Path) -> None:
    (project / "a.py").write_text(f'k = "{fake_key()}"\n')
    code, _, _ = run("scan", "a.py", "missing.py")
    assert code == 2
    assert run("scan", "--allow-unreadable", "a.py", "missing.py")[0] == 1


def test_rules_and_rule_commands_print_docs() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert "AG101 hardcoded-key" in out and "AG104 key-in-docs" in out
    code, out, _ = run("rule", "ag103")
    assert code == 0 and "## Why is this bad?" in out
    assert run("rule", "AG999")[0] == 2


def test_binary_files_are_searched_for_keys_and_counted(project: Path) -> None:
    (project / "blob.bin").write_bytes(b"\0\1\2" + fake_key().encode())
    (project / "clean.bin").write_bytes(b"\0\1\2" * 100)
    code, out, _ = run("scan", ".")
    assert code == 1
    assert "blob.bin@0x3: AG101" in out
    assert "2 binary skipped" in out


def test_python_m_entry_point_runs(project: Path) -> None:
    import subprocess
    import sys

    (project / "a.py").write_text(f'k = "{fake_key()}"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "autype_guard", "scan", "a.py"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "AG101" in proc.stdout


@pytest.mark.parametrize("engine", ["python", "auto"])
def test_prefilter_switch_finds_the_same(
    project: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    (project / "app.py").write_text(f'KEY = "{fake_key()}"\nbreak_point = "peak_load"\n')
    monkeypatch.setenv("AUTYPE_GUARD_PREFILTER", engine)
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["AG101"]


def test_unknown_prefilter_switch_is_a_one_line_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTYPE_GUARD_PREFILTER", "grep")
    code, _, err = run("scan", ".")
    assert code == 2
    assert err.strip().splitlines() == [
        "autype-guard: error: AUTYPE_GUARD_PREFILTER='grep': expected one of auto, python,"
        " ahocorasick"
    ]


# A usage error is one line on stderr, exit 2, like every other error. (Run as root, a
# path in an unreadable directory is readable, so only missing paths and directories
# given as files are tried here.)
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["scan", "--config", "subdir", "app.py"], "'--config'"),
        (["scan", "--baseline", "subdir", "app.py"], "'--baseline'"),
        (["scan", "--config", "missing.toml", "app.py"], "missing.toml"),
        (["scan", "--baseline", "missing.json", "app.py"], "missing.json"),
        (["scan", "--format", "yaml", "app.py"], "'--format'"),
        (["scan", "--no-such-option", "app.py"], "--no-such-option"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(project: Path, args: list[str], named: str) -> None:
    (project / "subdir").mkdir()
    (project / "app.py").write_text("x = 1\n")
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("autype-guard: error: ") and named in err


def test_missing_path_to_scan_is_one_error_line_naming_it(project: Path) -> None:
    (project / "app.py").write_text("x = 1\n")
    code, out, err = run("scan", "app.py", "missing.py")
    assert code == 2
    errors = [line for line in (out + err).splitlines() if "missing.py" in line]
    assert len(errors) == 1 and "could not be" in errors[0]
    assert "Usage:" not in out + err and "Traceback" not in out + err


def test_exit_zero_reports_findings_but_exits_0(project: Path) -> None:
    (project / "app.py").write_text(f'API_KEY = "{fake_key()}"\n')
    code, out, _ = run("scan", "--exit-zero", ".")
    assert code == 0
    assert "app.py:1:12: AG101" in out


def test_exit_zero_still_exits_2_on_errors(project: Path) -> None:
    code, _, _ = run("scan", "--exit-zero", "--config", "missing.toml", ".")
    assert code == 2


def test_quiet_prints_only_location_lines_and_summary(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'API_KEY = "{key}"\n')
    code, out, _ = run("scan", "-q", ".")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("app.py:1:12: AG101 [*] Hardcoded Autype API key")
    assert lines[1].startswith("Found 1 finding (AG101: 1)")
    assert len(lines) == 2


def test_quiet_prints_nothing_without_findings(project: Path) -> None:
    (project / "app.py").write_text("x = 1\n")
    assert run("scan", "--quiet", ".")[:2] == (0, "")


def test_statistics_counts_findings_per_rule(project: Path) -> None:
    (project / "app.py").write_text(f'A = "{fake_key()}"\nB = "{fake_key()}"\n')
    (project / ".env").write_text(f"AUTYPE_API_KEY={fake_key()}\n")
    code, out, _ = run("scan", "--statistics", ".")
    assert code == 1
    assert out.splitlines() == ["2 AG101 hardcoded-key", "1 AG103 key-in-config"]


def test_rule_accepts_the_rule_name(project: Path) -> None:
    by_name = run("rule", "hardcoded-key")
    assert by_name[0] == 0
    assert by_name[1] == run("rule", "AG101")[1]
    assert by_name[1].startswith("AG101 hardcoded-key")


def test_color_forces_colour_when_piped_even_with_no_color(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    (project / "app.py").write_text(f'API_KEY = "{fake_key()}"\n')
    assert "\x1b[" not in run("scan", ".")[1]
    assert "\x1b[" in run("scan", "--color", ".")[1]


def test_summary_says_one_file_and_one_finding(project: Path) -> None:
    (project / "app.py").write_text(f'API_KEY = "{fake_key()}"\n')
    out = run("scan", ".")[1]
    assert "Found 1 finding (AG101: 1); 1 file scanned in" in out


def test_history_summary_says_one_blob_from_one_commit(repo: Path) -> None:
    (repo / "a.txt").write_text("hello\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "first")
    out = run("scan", "--history", str(repo))[1]
    assert "Found 0 findings; 1 blob scanned from 1 commit in" in out


def test_output_file_message_says_one_finding(project: Path) -> None:
    (project / "app.py").write_text(f'API_KEY = "{fake_key()}"\n')
    err = run("scan", "--format", "json", "-o", "report.json", ".")[2]
    assert "autype-guard: 1 finding written to report.json" in err


def test_the_readmes_first_command_finds_the_demos_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # From the repository's root, as the Quickstart runs it: the project's own config must
    # not exclude the demo that command scans.
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    code, out, _ = run("scan", "--format", "json", "examples/demo-app")
    assert code == 1
    assert len(json.loads(out)["findings"]) >= 10
