"""Baselines: record what a repository already has, report only what is new."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from autype_guard import baseline
from autype_guard.keys import fingerprint

from .conftest import fake_key
from .test_cli import run

BASELINE = ".autype-guard-baseline.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings_of(*args: str) -> list[dict[str, object]]:
    _code, out, _ = run("scan", "--format", "json", *args)
    found: list[dict[str, object]] = json.loads(out)["findings"]
    return found


def test_baseline_records_rule_path_and_fingerprint_never_the_key(project: Path) -> None:
    key = fake_key()
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(f'A = "{key}"\nB = "{key}"\n')
    (project / ".env").write_text(f"AUTYPE_API_KEY={key}\n")
    code, _out, err = run("baseline", ".")
    assert code == 0
    assert "recorded 3 findings as 2 entries" in err
    assert "rotate them" in err
    text = (project / BASELINE).read_text()
    assert key not in text
    assert key[3:] not in text and key[-8:] not in text
    doc = json.loads(text)
    assert doc["version"] == 1
    assert doc["findings"] == [
        {"rule": "AG103", "path": ".env", "fingerprint": fingerprint(key)},
        {"rule": "AG101", "path": "src/app.py", "fingerprint": fingerprint(key)},
    ]


def test_scan_with_baseline_reports_only_new_findings(project: Path) -> None:
    old, new = fake_key(), fake_key()
    (project / "app.py").write_text(f'A = "{old}"\n')
    assert run("baseline", ".")[0] == 0
    code, out, _ = run("scan", "--baseline", BASELINE, ".")
    assert code == 0
    assert "1 in the baseline" in out
    (project / "app.py").write_text(f'A = "{old}"\nB = "{new}"\n')
    code, _, _ = run("scan", "--baseline", BASELINE, ".")
    assert code == 1
    assert [(f["line"], f["preview"]) for f in findings_of("--baseline", BASELINE, ".")] == [
        (2, f"ak_…{new[-4:]}")
    ]


def test_moving_lines_and_editing_the_file_does_not_churn_the_baseline(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'import os\nA = "{key}"\n')
    run("baseline", ".")
    before = (project / BASELINE).read_text()
    (project / "app.py").write_text(
        f'"""Docs."""\nimport os\nimport sys\n\n\nA = "{key}"  # moved\n'
    )
    assert findings_of("--baseline", BASELINE, ".") == []
    run("baseline", ".")
    assert (project / BASELINE).read_text() == before
    run("baseline", "--update", ".")
    assert (project / BASELINE).read_text() == before


def test_a_second_copy_of_a_baselined_key_in_the_same_file_is_accepted(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(f'A = "{key}"\n')
    run("baseline", ".")
    (project / "app.py").write_text(f'A = "{key}"\nB = "{key}"\n')
    assert findings_of("--baseline", BASELINE, ".") == []


def test_a_second_key_added_to_a_baselined_line_is_new(project: Path) -> None:
    old, new = fake_key(), fake_key()
    (project / "app.py").write_text(f'KEYS = ["{old}"]\n')
    run("baseline", ".")
    (project / "app.py").write_text(f'KEYS = ["{old}", "{new}"]\n')
    code, _, _ = run("scan", "--baseline", BASELINE, ".")
    assert code == 1
    assert [f["preview"] for f in findings_of("--baseline", BASELINE, ".")] == [f"ak_…{new[-4:]}"]


def test_a_baseline_written_before_findings_per_key_still_matches(project: Path) -> None:
    # The format of the version before: a count per entry, and an env-file definition of a
    # public-prefixed variable fingerprinted by rule and name rather than by its key.
    key = fake_key()
    (project / "app.py").write_text(f'A = "{key}"\nB = "{key}"\n')
    (project / ".env").write_text(f"VITE_AUTYPE_API_KEY={key}\n")
    by_name = hashlib.sha256(b"AG201\0VITE_AUTYPE_API_KEY").hexdigest()
    old = {
        "version": 1,
        "findings": [
            {"rule": "AG201", "path": ".env", "fingerprint": by_name, "count": 1},
            {"rule": "AG101", "path": "app.py", "fingerprint": fingerprint(key), "count": 2},
        ],
    }
    (project / BASELINE).write_text(json.dumps(old))
    assert run("scan", "--baseline", BASELINE, ".")[0] == 0
    assert run("baseline", "--update", ".")[0] == 0
    entries = json.loads((project / BASELINE).read_text())["findings"]
    assert [(e["rule"], e["fingerprint"]) for e in entries] == [
        ("AG201", fingerprint(key)),
        ("AG101", fingerprint(key)),
    ]
    assert run("scan", "--baseline", BASELINE, ".")[0] == 0


def test_the_same_key_in_another_file_is_new(project: Path) -> None:
    key = fake_key()
    (project / "a.py").write_text(f'A = "{key}"\n')
    run("baseline", ".")
    (project / "b.py").write_text(f'B = "{key}"\n')
    assert [f["path"] for f in findings_of("--baseline", BASELINE, ".")] == ["b.py"]


def test_update_prunes_fixed_findings_and_accepts_no_new_ones(project: Path) -> None:
    a, b, c = fake_key(), fake_key(), fake_key()
    (project / "app.py").write_text(f'A = "{a}"\nB = "{b}"\nB2 = "{b}"\n')
    run("baseline", ".")
    (project / "app.py").write_text(f'B = "{b}"\nC = "{c}"\n')
    code, _, err = run("baseline", "--update", ".")
    assert code == 0
    assert "kept 1 of 2 entries" in err
    assert "1 new finding was not added" in err
    entries = json.loads((project / BASELINE).read_text())["findings"]
    assert [e["fingerprint"] for e in entries] == [fingerprint(b)]
    assert [f["preview"] for f in findings_of("--baseline", BASELINE, ".")] == [f"ak_…{c[-4:]}"]


def test_update_without_a_baseline_file_is_an_error(project: Path) -> None:
    code, _, err = run("baseline", "--update", ".")
    assert code == 2
    assert "cannot read baseline" in err


def test_baseline_paths_are_relative_to_the_baseline_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = fake_key()
    (project / "svc").mkdir()
    (project / "svc" / "app.py").write_text(f'A = "{key}"\n')
    run("baseline", ".")
    monkeypatch.chdir(project / "svc")
    assert findings_of("--baseline", f"../{BASELINE}", ".") == []
    assert findings_of("--baseline", f"../{BASELINE}", "app.py") == []


def test_a_keyless_finding_matches_its_baseline_from_any_working_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "web").mkdir()
    (project / "web" / "a.ts").write_text("const k = import.meta.env.VITE_AUTYPE_KEY;\n")
    assert [f["code"] for f in findings_of(".")] == ["AG201"]
    run("baseline", ".")
    monkeypatch.chdir(project / "web")
    assert [f["code"] for f in findings_of(".")] == ["AG201"]
    assert findings_of("--baseline", f"../{BASELINE}", ".") == []
    assert findings_of("--baseline", f"../{BASELINE}", "a.ts") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[]", "must be a JSON object"),
        (b'{"findings": []}', "no integer 'version'"),
        (b'{"version": true, "findings": []}', "no integer 'version'"),
        (b'{"version": 2, "findings": []}', "version 2 is not supported"),
        (b'{"version": 1, "findings": {}}', "'findings' must be a list"),
        (b'{"version": 1, "findings": [], "extra": 1}', "unknown baseline key 'extra'"),
        (b'{"version": 1, "findings": [1]}', "findings[0] must be an object"),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "a", "fingerprint": "'
            + b"ak_" * 20
            + b'"}]}',
            "'fingerprint' must be 64 lowercase hex digits",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "X", "path": "a", "fingerprint": "'
            + b"a" * 64
            + b'"}]}',
            "'rule' must be a rule code",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "", "fingerprint": "'
            + b"a" * 64
            + b'"}]}',
            "'path' must be a non-empty",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "a", "count": -1, '
            b'"fingerprint": "' + b"a" * 64 + b'"}]}',
            "'count' must be an integer",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "a", "count": 1e999, '
            b'"fingerprint": "' + b"a" * 64 + b'"}]}',
            "'count' must be an integer",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "a", "key": "x", '
            b'"fingerprint": "' + b"a" * 64 + b'"}]}',
            "unknown key 'key'",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "AG101", "path": "a", "fingerprint": "'
            + b"a" * 64
            + b'"}, {"rule": "AG101", "path": "a", "fingerprint": "'
            + b"a" * 64
            + b'"}]}',
            "repeats an earlier entry",
        ),
    ],
)
def test_a_corrupt_or_hostile_baseline_is_a_clear_error(
    project: Path, content: bytes, message: str
) -> None:
    (project / "app.py").write_text(f'A = "{fake_key()}"\n')
    (project / BASELINE).write_bytes(content)
    code, out, err = run("scan", "--baseline", BASELINE, ".")
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in out + err


def test_an_oversized_baseline_is_refused_without_reading_it_all(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 100)
    (project / BASELINE).write_text(json.dumps({"version": 1, "findings": [], "note": "x" * 200}))
    with pytest.raises(baseline.BaselineError, match="larger than 100 bytes"):
        baseline.load(project / BASELINE)


def test_a_missing_baseline_is_a_clear_error(project: Path) -> None:
    code, _, err = run("scan", "--baseline", "nope.json", ".")
    assert code == 2
    assert "nope.json: cannot read baseline" in err


def test_unreadable_files_make_the_baseline_command_exit_2(project: Path) -> None:
    (project / "a.py").write_text(f'A = "{fake_key()}"\n')
    code, _, err = run("baseline", "a.py", "missing.py")
    assert code == 2
    assert "missing.py" in err
    assert json.loads((project / BASELINE).read_text())["findings"]
