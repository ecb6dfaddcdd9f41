"""`scan --report FORMAT=PATH`: one scan, several reports, each written atomically."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from autype_guard.report import FORMATS

from .conftest import fake_key
from .test_cli import run

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(f'KEY = "{fake_key()}"\n')
    return tmp_path


def test_one_scan_writes_sarif_to_a_file_and_annotations_to_stdout(project: Path) -> None:
    code, out, err = run("scan", "--report", "sarif=out.sarif", "--report", "github=-", "src")
    assert code == 1
    # Only the --report reports: no text report mixed into the annotations.
    assert re.match(r"::error file=src/app\.py,line=1,col=8,", out), out
    assert "src/app.py:1:8:" not in out
    assert out.count("AG101") == 1
    doc = json.loads((project / "out.sarif").read_text())
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["AG101"]
    assert "1 finding written to out.sarif" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_can_be_a_report_file(project: Path, fmt: str) -> None:
    code, out, _ = run("scan", "--report", f"{fmt}=report.{fmt}", "src")
    assert code == 1
    assert out == ""
    written = (project / f"report.{fmt}").read_text()
    single = run("scan", "--format", fmt, "src")[1]
    # The same report --format prints (elapsed time and the time of the scan aside).
    elapsed = re.compile(
        r'"elapsed_seconds": [0-9.]+|in [0-9.]+ ?m?s|\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d[.0-9]*)?'
    )
    assert elapsed.sub("", written) == elapsed.sub("", single)


def test_format_and_output_still_write_their_report_next_to_the_reports(project: Path) -> None:
    code, out, _ = run(
        "scan", "--format", "json", "-o", "main.json", "--report", "gitlab=gl.json", "src"
    )
    assert code == 1
    assert out == ""
    assert json.loads((project / "main.json").read_text())["summary"]["findings"] == 1
    assert json.loads((project / "gl.json").read_text())["vulnerabilities"]
    # An explicit --format keeps its report on stdout.
    code, out, _ = run("scan", "--format", "text", "--report", "json=r.json", "src")
    assert "AG101" in out and (project / "r.json").exists()


def test_text_report_and_statistics_via_report(project: Path) -> None:
    code, out, _ = run("scan", "--statistics", "--report", "text=-", "--report", "json=r.json")
    assert code == 1
    assert out.split() == ["1", "AG101", "hardcoded-key"]
    code, _, err = run("scan", "--statistics", "--report", "json=-")
    assert code == 2 and "--statistics only works with --format text" in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yaml=out.yaml", "unknown format 'yaml'"),
        ("sarif", "expected FORMAT=PATH"),
        ("sarif=", "expected FORMAT=PATH"),
        ("sarif=missing/dir/out.sarif", "cannot write missing/dir/out.sarif: no directory"),
        ("sarif=src", "cannot write src: it is a directory"),
    ],
)
def test_bad_report_values_exit_2_before_scanning(project: Path, value: str, message: str) -> None:
    code, out, err = run("scan", "--report", value, "src")
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.splitlines()) == 1, err  # one line, no scan summary: nothing was scanned


def test_two_reports_to_one_place_are_refused(project: Path) -> None:
    code, _, err = run("scan", "--report", "json=-", "--report", "github=-")
    assert code == 2 and "two reports would be written to standard output" in err
    code, _, err = run("scan", "-o", "r.json", "--report", "sarif=./r.json")
    assert code == 2 and "two reports would be written to ./r.json" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_directory_exits_2(project: Path) -> None:
    locked = project / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run("scan", "--report", "json=locked/r.json", "src")
    assert code == 2 and "is not writable" in err


def test_reports_replace_files_atomically_and_keep_modes(project: Path) -> None:
    old = project / "r.json"
    old.write_text("old report")
    linked = project / "other.json"
    os.link(old, linked)
    code, _, _ = run("scan", "--report", "json=r.json", "src")
    assert code == 1
    # Replaced by a rename (a new inode), not rewritten in place: a hard link keeps the old
    # content, and no temporary file is left behind.
    assert linked.read_text() == "old report"
    assert json.loads(old.read_text())["summary"]["findings"] == 1
    assert sorted(p.name for p in project.iterdir()) == ["other.json", "r.json", "src"]
    umask = os.umask(0)
    os.umask(umask)
    assert old.stat().st_mode & 0o777 == 0o644 & ~umask
    run("scan", "--show-secrets", "--report", "json=secret.json", "src")
    assert (project / "secret.json").stat().st_mode & 0o777 == 0o600


def test_a_device_is_written_in_place(project: Path) -> None:
    code, _, err = run("scan", "--report", f"sarif={os.devnull}", "src")
    assert code == 1
    assert Path(os.devnull).is_char_device()
    assert "written to" in err
