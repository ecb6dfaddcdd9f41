"""`scan --shard K/N` and `autype-guard merge`: the merged reports of N shards are the report
of one run, on a generated tree and a generated history."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from autype_guard.shard import Shard, ShardError

from .conftest import fake_key, git
from .test_cli import run
from .test_gitscan import commit

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def findings(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["path"], f["line"], f["column"], f["code"], f["fingerprint"], json.dumps(f))
        for f in doc["findings"]
    )


def without_timing(doc: dict[str, Any]) -> dict[str, Any]:
    doc["summary"].pop("elapsed_seconds")
    return doc


def scan_to(out: Path, *args: str) -> int:
    code, _, err = run("scan", "--format", "json", "-o", str(out), "-j", "1", *args)
    assert code in (0, 1), err
    return code


def merged(reports: list[Path], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run("merge", "--format", "json", *map(str, reports), *args)
    assert code in (0, 1, 2), err
    return code, json.loads(out)


# --- the share ----------------------------------------------------------------------------


def test_shard_values() -> None:
    assert Shard.parse("2/4") == Shard(2, 4)
    assert Shard.parse(" 1 / 1 ").whole
    for bad in ("0/4", "5/4", "1/0", "a/b", "1", "-1/2"):
        with pytest.raises(ShardError):
            Shard.parse(bad)


@pytest.mark.parametrize("total", [2, 3, 4, 7])
def test_shares_are_disjoint_complete_stable_and_balanced(total: int) -> None:
    rng = random.Random(7)
    names = [f"src/pkg{rng.randrange(60)}/module_{i}.py" for i in range(4000)]
    shares = [[n for n in names if Shard(k, total).takes(n)] for k in range(1, total + 1)]
    assert sorted(n for share in shares for n in share) == sorted(names)
    mean = len(names) / total
    assert all(abs(len(share) - mean) <= 0.1 * mean for share in shares), [len(s) for s in shares]
    # Stable: a fixed hash, not Python's per-process salted one.
    assert Shard(1, 4).takes("src/app.py") is Shard(1, 4).takes("src/app.py")
    assert [Shard(k, 4).takes("README.md") for k in range(1, 5)].count(True) == 1


def test_shards_of_a_tree_of_thousands_of_files_are_within_ten_percent(project: Path) -> None:
    for i in range(3000):
        folder = project / f"d{i % 40}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i}.txt").write_text("x\n")
    counts = []
    for k in range(1, 5):
        code, out, _ = run("scan", "--format", "json", "-j", "1", "--shard", f"{k}/4", ".")
        assert code == 0
        counts.append(json.loads(out)["summary"]["files_scanned"])
    assert sum(counts) == 3000
    assert all(abs(c - 750) <= 75 for c in counts), counts


def test_bad_shard_values_are_usage_errors(project: Path) -> None:
    bad = (
        ["--shard", "5/4"],
        ["--shard", "x"],
        ["--staged", "--shard", "1/2"],
        ["-", "--shard", "1/2"],
    )
    for args in bad:
        code, out, err = run("scan", *args)
        assert code == 2 and out == ""
        assert err.startswith("autype-guard: error:") and err.count("\n") == 1


# --- a work tree --------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    rng = random.Random(11)
    shared = fake_key()
    for i in range(90):
        folder = root / f"pkg{i % 7}"
        folder.mkdir(exist_ok=True)
        roll = rng.random()
        if roll < 0.15:
            text = f'KEY = "{fake_key()}"\n'
        elif roll < 0.25:
            text = f'const k = "{shared}";\n'  # one key in several files
        elif roll < 0.3:
            ignored = f'KEY = "{fake_key()}"  # autype-guard: ignore[AG101]\n'
            text = ignored + "x = 1  # autype-guard: ignore\n"
        else:
            text = f"value_{i} = {i}\n"
        suffix = ".js" if "const" in text else ".py"
        (folder / f"file{i}{suffix}").write_text(text)
    (root / "README.md").write_text(f"Use `{fake_key()}`\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


@pytest.mark.parametrize("total", [1, 2, 3, 4])
def test_merged_shards_of_a_tree_are_one_run(project: Path, total: int, tmp_path: Path) -> None:
    make_tree(project)
    full = tmp_path / "full.json"
    full_code = scan_to(full, ".")
    reports = [tmp_path / f"shard{k}.json" for k in range(1, total + 1)]
    for k, report in enumerate(reports, start=1):
        scan_to(report, ".", "--shard", f"{k}/{total}")
    sizes = [len(json.loads(r.read_text())["findings"]) for r in reports]
    assert total == 1 or max(sizes) < sum(sizes)  # each shard has its own part
    code, doc = merged(reports)
    expected = json.loads(full.read_text())
    assert code == full_code == 1
    assert findings(doc) == findings(expected)
    assert without_timing(doc)["summary"] == without_timing(expected)["summary"]
    order = lambda u: (u["path"], u["line"])  # noqa: E731
    assert sorted(doc["unused_suppressions"], key=order) == sorted(
        expected["unused_suppressions"], key=order
    )


def test_merging_sarif_reports_gives_the_same_findings_and_valid_sarif(
    project: Path, tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    make_tree(project)
    _, full, _ = run("scan", "--format", "sarif", "-j", "1", ".")
    reports = []
    for k in (1, 2, 3):
        _, out, _ = run("scan", "--format", "sarif", "-j", "1", "--shard", f"{k}/3", ".")
        report = tmp_path / f"s{k}.sarif"
        report.write_text(out)
        reports.append(report)
    code, out, err = run("merge", "--format", "sarif", *map(str, reports))
    assert code == 1, err
    doc = json.loads(out)
    sarif_validator.validate(doc)

    def results(sarif: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted(
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["properties"]["fingerprint"],
                r["partialFingerprints"]["autypeGuardFinding/v1"],
                r["level"],
            )
            for r in sarif["runs"][0]["results"]
        )

    assert results(doc) == results(json.loads(full))
    # JSON shards in, SARIF out: the same results.
    json_reports = []
    for k in (1, 2):
        json_reports.append(tmp_path / f"j{k}.json")
        scan_to(json_reports[-1], ".", "--shard", f"{k}/2")
    _, out, _ = run("merge", "--format", "sarif", *map(str, json_reports))
    sarif_validator.validate(json.loads(out))
    assert results(json.loads(out)) == results(json.loads(full))


# --- a history ----------------------------------------------------------------------------


def make_history(repo: Path) -> None:
    rng = random.Random(5)
    keys = [fake_key() for _ in range(4)]
    commit(repo, {"app.py": f'KEY = "{keys[0]}"\n', "lib.py": "x = 1\n"}, "start")
    for step in range(10):
        files: dict[str, str | None] = {}
        # The same key edited around (new blobs at one path: the first commit must win).
        files["app.py"] = f"n = {step}\n" * rng.randrange(1, 4) + f'KEY = "{keys[0]}"\n'
        if step == 2:
            files["copy/app.py"] = f'KEY = "{keys[0]}"\n'
        if step == 3:
            files["docs/guide.md"] = f"Set `{keys[1]}`\n"
        if step == 5:
            files["web/main.js"] = f'fetch(u, {{headers: {{"X-API-Key": "{keys[2]}"}}}})\n'
        if step == 6:
            files["docs/guide.md"] = None
        if step == 8:
            files["other.py"] = f'K = "{keys[3]}"\nK2 = "{keys[0]}"\n'
        files[f"notes/n{step}.txt"] = f"note {step}\n"
        commit(repo, files, f"step {step}")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~4")
    commit(repo, {"side.py": f'K = "{keys[1]}"\n', "lib.py": "x = 2\n"}, "side")
    git(repo, "checkout", "-q", "main")


@pytest.mark.parametrize("total", [1, 2, 3, 4])
def test_merged_shards_of_a_history_are_one_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, total: int
) -> None:
    make_history(repo)
    monkeypatch.chdir(repo)
    full = tmp_path / "full.json"
    full_code = scan_to(full, "--history")
    reports = [tmp_path / f"shard{k}.json" for k in range(1, total + 1)]
    for k, report in enumerate(reports, start=1):
        scan_to(report, "--history", "--shard", f"{k}/{total}")
    code, doc = merged(reports)
    expected = json.loads(full.read_text())
    assert code == full_code == 1
    assert findings(doc) == findings(expected)
    assert all("walk_order" not in f["properties"] for f in doc["findings"])
    app = [f for f in doc["findings"] if f["path"] == "app.py"]
    assert [f["line"] for f in app] == [1]  # the first commit's blob, whichever shard had it
    assert without_timing(doc)["summary"] == without_timing(expected)["summary"]
    assert doc["git"] == expected["git"]


# --- merge --------------------------------------------------------------------------------


def test_merge_exit_codes_follow_one_run(project: Path, tmp_path: Path) -> None:
    make_tree(project)
    report = tmp_path / "r.json"
    scan_to(report, ".")
    code, doc = merged([report, report])
    assert code == 1
    assert findings(doc) == findings(json.loads(report.read_text()))  # deduplicated
    assert merged([report], "--fail-on", "critical")[0] == 1
    milder = json.loads(report.read_text())
    milder["findings"] = [f for f in milder["findings"] if f["severity"] != "critical"]
    (tmp_path / "milder.json").write_text(json.dumps(milder))
    assert merged([tmp_path / "milder.json"], "--fail-on", "critical")[0] == 0
    assert merged([tmp_path / "milder.json"], "--fail-on", "high")[0] == 1
    assert merged([report], "--exit-zero")[0] == 0
    broken = json.loads(report.read_text())
    broken["errors"].append({"path": "pkg1/gone.py", "message": "permission denied"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    code, doc = merged([report, bad])
    assert code == 2
    assert doc["errors"] == [{"path": "pkg1/gone.py", "message": "permission denied"}]
    assert merged([report, bad], "--allow-unreadable")[0] == 1


def test_merge_rejects_what_is_not_a_report(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    notjson = tmp_path / "x.txt"
    notjson.write_text("nope")
    for args in ([], [str(other)], [str(notjson)], [str(tmp_path / "missing.json")]):
        code, out, err = run("merge", *args)
        assert code == 2 and out == ""
        assert err.startswith("autype-guard: error:") and err.count("\n") == 1


def test_merged_sarif_keeps_the_projects_configured_rule_levels(
    project: Path, tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    (project / "pyproject.toml").write_text('[tool.autype-guard]\nseverity = { AG104 = "low" }\n')
    (project / "README.md").write_text(f"{fake_key()}\n")
    report = tmp_path / "r.json"
    scan_to(report, ".")
    code, out, _ = run("merge", "--format", "sarif", str(report))
    assert code == 1
    doc = json.loads(out)
    sarif_validator.validate(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert next(r for r in rules if r["id"] == "AG104")["defaultConfiguration"]["level"] == "note"
    assert doc["runs"][0]["results"][0]["level"] == "note"
