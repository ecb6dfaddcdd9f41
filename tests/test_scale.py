"""Large runs: worker processes, chunked reading of large files, lazy imports."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard.api import SMALL_RUN, ScanOptions, scan_paths, scan_text
from autype_guard.config import Config
from autype_guard.model import Finding

from .conftest import fake_key
from .test_cli import run

# An inline suppression comment, assembled so that this file's own scan sees none.
IGNORE = "autype-guard" + ": ignore"


def _tree(root: Path) -> list[str]:
    """A mixed tree with more files than a pool needs, keys in several kinds and spellings."""
    keys = [fake_key() for _ in range(8)]
    files = {
        "app/settings.py": f'API_KEY = "{keys[0]}"\n',
        "app/split.py": f'KEY = (\n    "{keys[1][:9]}"\n    "{keys[1][9:]}"\n)\n',
        "web/src/client.js": f'fetch(u, {{headers: {{"X-API-Key": "{keys[2]}"}}}})\n',
        "web/dist/app.min.js": "var a=1;" * 500 + f'var k="{keys[3]}";',
        ".env": f"AUTYPE_API_KEY={keys[4]}\n",
        "docs/guide.md": f"Use `{keys[5]}` like so.\n",
        "k8s/secret.yaml": f"data:\n  key: {base64.b64encode(keys[6].encode()).decode()}\n",
        "ignored.py": f'K = "{keys[7]}"  # {IGNORE}\n',
        "blob.bin": "\0\1\2",
    }
    for i in range(SMALL_RUN * 3):
        files[f"pkg/m{i:03d}.py"] = f"def f{i}(weak_ref):\n    return {i}\n"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return keys


def _summary(findings: list[Finding]) -> list[tuple[str, int, int, str, str]]:
    return [(f.path, f.line, f.column, f.code, f.fingerprint) for f in findings]


def test_jobs_find_the_same_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = Config(root=tmp_path)
    one = scan_paths([Path(".")], config, ScanOptions(jobs=1))
    two = scan_paths([Path(".")], config, ScanOptions(jobs=2))
    assert len(one.findings) == 7
    assert one.findings == two.findings
    assert (one.scanned, one.binary, one.suppressed) == (two.scanned, two.binary, two.suppressed)
    assert (
        one.scanned
        == len(list(tmp_path.rglob("*"))) - len([p for p in tmp_path.rglob("*") if p.is_dir()]) - 1
    )


def test_cli_jobs_option_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    outputs = []
    for jobs in ("1", "2", "0"):
        code, out, _ = run("scan", "--format", "json", "--jobs", jobs, ".")
        assert code == 1
        report = json.loads(out)
        report.get("summary", {}).pop("elapsed_seconds", None)
        outputs.append(report)
    assert outputs[0] == outputs[1] == outputs[2]
    assert run("scan", "--jobs", "-1", ".")[0] == 2


def test_clean_files_are_counted_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = scan_paths([Path(".")], Config(root=tmp_path), ScanOptions(jobs=2))
    assert report.clean_uncounted >= SMALL_RUN * 3
    assert all(r.findings or r.suppressed or r.notes or r.error for r in report.files)


# --- chunked reading -----------------------------------------------------------------------

CHUNKED = ScanOptions(chunk_size=4096, chunk_overlap=512)


def _scan_file(path: Path, options: ScanOptions) -> list[Finding]:
    return scan_paths([path], Config(root=path.parent), options).findings


@pytest.mark.parametrize("shift", [-40, -33, -20, -1, 0, 1])
def test_key_across_a_chunk_boundary_is_found_once_at_its_place(tmp_path: Path, shift: int) -> None:
    key = fake_key()
    filler = "let x = 1;\n" * 400  # ASCII: regions end exactly at multiples of chunk_size
    start = 3 * 4096 + shift
    head = (filler * 3)[: start - len('k="')]
    text = head + f'k="{key}";\n' + filler
    path = tmp_path / "app.js"
    path.write_text(text)
    chunked = _scan_file(path, CHUNKED)
    assert chunked == _scan_file(path, ScanOptions())
    (finding,) = chunked
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    assert (finding.line, finding.column) == (line, column)
    assert finding.span.end.column == column + len(key)


def test_chunked_lines_and_columns_are_exact_on_long_lines_and_non_ascii(tmp_path: Path) -> None:
    keys = [fake_key() for _ in range(7)]
    # After a UTF-8 BOM: a 27 KB line with a key deep inside, then long CRLF lines of
    # multi-byte characters with a key at the end of each, spread over several windows.
    text = "\ufeff" + "é€𝄞" * 3000 + f'var k0="{keys[0]}";' + "é€" * 50 + "\r\n"
    for i, key in enumerate(keys[1:]):
        text += "é€𝄞" * (300 + 97 * i) + f'k{i}="{key}"\r\n'
    path = tmp_path / "bundle.min.js"
    path.write_bytes(text.encode("utf-8"))
    assert path.stat().st_size > 8 * 4096
    whole = _scan_file(path, ScanOptions())
    assert _scan_file(path, CHUNKED) == whole
    assert [f.line for f in whole] == list(range(1, 8))
    assert whole[0].column == 3000 * 3 + len('var k0="') + 1


def test_chunked_scan_keeps_suppressions_and_binary_detection(tmp_path: Path) -> None:
    key = fake_key()
    text = "x = 1\n" * 2000 + f'k = "{key}"  # {IGNORE}\n' + "y = 2\n" * 2000
    (tmp_path / "big.txt").write_text(text)
    (tmp_path / "big.bin").write_bytes(b"\0" * 20000 + key.encode())
    report = scan_paths([tmp_path], Config(root=tmp_path), CHUNKED)
    assert [(f.path, f.byte_offset) for f in report.findings] == [
        (str(tmp_path / "big.bin"), 20000)
    ]
    assert (report.suppressed, report.binary) == (1, 1)


def test_large_python_file_is_scanned_as_text_with_a_note(tmp_path: Path) -> None:
    key = fake_key()
    (tmp_path / "gen.py").write_text("x = 1\n" * 2000 + f'K = "{key}"\n')
    report = scan_paths([tmp_path], Config(root=tmp_path), CHUNKED)
    assert [f.code for f in report.findings] == ["AG101"]
    assert any("in chunks" in note for r in report.files for note in r.notes)


# --- lazy imports --------------------------------------------------------------------------


def _modules_after(code: str, cwd: Path) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=True,
    )
    return set(out.stdout.split())


HEAVY = {"libcst", "json", "jsonschema", "zipfile", "multiprocessing"}


def test_importing_the_cli_loads_nothing_heavy(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import autype_guard.cli, sys; print('libcst' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
    assert _modules_after("import autype_guard.cli", tmp_path) & HEAVY == set()


def test_scanning_files_without_candidates_loads_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import weakref\nweak_ref = {'ak_gh': 'ak_GH.UTF-8'}\n")
    (tmp_path / "b.js").write_text("const s = '\\x00';\n")
    code = (
        "import sys\n"
        "from autype_guard.cli import main\n"
        "sys.argv = ['autype-guard', 'scan', 'a.py', 'b.js']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
    )
    assert _modules_after(code, tmp_path) & HEAVY == set()


def test_a_python_file_with_a_key_loads_libcst(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'KEY = "{fake_key()}"\n')
    code = (
        "import sys\n"
        "from autype_guard.cli import main\n"
        "sys.argv = ['autype-guard', 'scan', 'a.py']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 1, e.code\n"
    )
    assert "libcst" in _modules_after(code, tmp_path)


def test_utf16_files_are_not_skipped_by_the_prefilter(tmp_path: Path) -> None:
    key = fake_key()
    (tmp_path / ".env").write_bytes(f"AUTYPE_API_KEY={key}\r\n".encode("utf-16"))
    findings = scan_paths([tmp_path], Config(root=tmp_path)).findings
    assert [(f.code, f.line, f.column) for f in findings] == [("AG103", 1, 16)]


# --- files with markers but no key: skipped before decoding, never wrongly --------------


def _map(contents: list[str]) -> str:
    doc = {"version": 3, "sources": ["src/a.js"], "sourcesContent": contents, "mappings": ""}
    return json.dumps(doc, ensure_ascii=True) + "\n"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("app.js", 'const k = "{a}" + // rest\n  "{b}";\n'),
        ("app.js", "const k = ['ak', '{tail}'].join('_');\n"),
        ("app.js", "const k = `{a}${{'{b}'}}`;\n"),
        ("app.js.map", _map(['const k = "{a}" + // rest\n  "{b}";\n'])),
        ("app.js.map", _map(["const k = ['ak', '{tail}'].join('_');\n"])),
        ("app.js.map", _map(["const k = '{key}';\n"]).replace("ak_", "\\u0061k_")),
        ("app.js.map", _map(["const k = '{key}';\n"]).replace("ak_", "a\\u006b_")),
        ("app.py", 'K = ("{a}"  # rest\n     "{b}")\n'),
    ],
)
def test_keys_assembled_or_escaped_are_still_found(name: str, source: str) -> None:
    key = fake_key()
    text = source.replace("{a}", key[:9]).replace("{b}", key[9:]).replace("{tail}", key[3:])
    text = text.replace("{key}", key).replace("{{", "{").replace("}}", "}")
    result = scan_text(text, name)
    assert len(result.findings) == 1, (text, result.notes)


@pytest.mark.parametrize(
    "source",
    [
        'const langs = ["af", "ak", "am"]; case "break": peak_load(weak_ref);\n',
        "s = '\\x5F'; t = 'FrXha19YWtf' + other;\n",
        _map(['x = "ak" + y; z = "break";\n']),
    ],
)
def test_marker_lookalikes_are_clean(source: str) -> None:
    assert scan_text(source, "dist/app.min.js").findings == []


def test_batches_that_finish_out_of_order_are_reported_in_order() -> None:
    from autype_guard.model import FileKind, FileResult, ScanReport
    from autype_guard.parallel import _InOrder

    report = ScanReport()
    order = _InOrder(report, {})

    def outcome(name: str) -> tuple[list[FileResult], int, int, float, list[str]]:
        return ([FileResult(name, FileKind.TEXT)], 0, 0, 0.0, [])

    order.arrived(2, outcome("c"))
    order.arrived(1, outcome("b"))
    assert report.files == []
    order.arrived(0, outcome("a"))
    order.arrived(3, outcome("d"))
    assert [r.path for r in report.files] == ["a", "b", "c", "d"]
