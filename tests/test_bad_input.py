"""The bad-input matrix: every row scans to the end, says what it skipped, exits with the
right code and never prints a traceback."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions, scan_bytes, scan_file
from autype_guard.binaries import may_hold_key
from autype_guard.config import Config
from autype_guard.keys import fingerprint
from autype_guard.sources.walk import Candidate

from .conftest import fake_key


def cli(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autype_guard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def positions(data: bytes, name: str = "notes.txt") -> list[tuple[int, int]]:
    result = scan_bytes(data, name, Config())
    return [(f.line, f.column) for f in result.findings]


def test_binary_file_with_a_key_is_searched_and_counted(tmp_path: Path) -> None:
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01" * 8 + fake_key().encode() + b"\xff" * 100)
    proc = cli(tmp_path, "scan", "--format", "json", ".")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [(f["path"], f["byte_offset"]) for f in doc["findings"]] == [("blob.dat", 16)]
    assert doc["summary"]["binary_skipped"] == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("spelling", ["ascii", "utf-16-le"])
@pytest.mark.parametrize("at", [0, (1 << 18) - 3, (1 << 18) + 5, 3 << 18])
def test_a_key_prefix_anywhere_in_a_large_binary_is_found(spelling: str, at: int) -> None:
    # The prefix search goes through the binary in windows: one straddling their edge counts.
    key = fake_key().encode(spelling)
    data = bytearray(b"\x00\x01\xfe" * ((4 << 18) // 3))
    data[at : at + len(key)] = key
    assert may_hold_key(bytes(data))
    assert not may_hold_key(bytes(data).replace(key, b"\x00" * len(key)))
    result = scan_bytes(bytes(data), "firmware.bin", Config())
    assert [(f.byte_offset, f.code) for f in result.findings] == [(at, "AG101")]


def test_nul_bytes_late_in_a_text_file_do_not_hide_a_key() -> None:
    key = fake_key()
    data = b"x" * 9000 + b"\n" + key.encode() + b"\n\x00"
    assert positions(data) == [(2, 1)]


def test_invalid_utf8_is_decoded_with_replacement_and_a_note() -> None:
    key = fake_key()
    result = scan_bytes(b"caf\xe9 \xff\xfe " + key.encode() + b"\n", "notes.txt", Config())
    assert [(f.line, f.column) for f in result.findings] == [(1, 9)]
    assert any("not valid UTF-8" in n for n in result.notes)


def test_utf16_with_bom_is_decoded() -> None:
    key = fake_key()
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        data = bom + f"first line\nKEY={key}\n".encode(codec)
        assert positions(data, ".env") == [(2, 5)]


def test_latin1_text_keeps_columns_in_code_points() -> None:
    key = fake_key()
    data = "Grüße: ".encode("latin-1") + key.encode() + b"\n"
    assert positions(data) == [(1, 8)]


def test_crlf_mixed_endings_and_no_trailing_newline() -> None:
    key = fake_key()
    data = f"a\r\nb\rc\nd {key}".encode()
    # a line ends at \r\n, \n or a lone \r
    assert positions(data) == [(4, 3)]


def test_utf8_bom_does_not_shift_columns() -> None:
    key = fake_key()
    assert positions(codecs.BOM_UTF8 + f"K={key}\n".encode(), ".env") == [(1, 3)]


@pytest.mark.parametrize(
    "source",
    [
        'print "{k}"\n',
        'def broken(:\n    key = "{k}"\n',
        "x = " + "(" * 10_000 + '"{k}"' + ")" * 10_000 + "\n",
        "x = " + "lambda: " * 3000 + '"{k}"\n',
        'BIG = "' + "A" * 2_000_000 + '"\nKEY = "{k}"\n',
    ],
    ids=["python2", "syntax-error", "deep-brackets", "deep-lambdas", "huge-literal"],
)
def test_python_libcst_cannot_handle_falls_back_to_text(source: str) -> None:
    key = fake_key()
    text = source.replace("{k}", key)
    result = scan_text(text, "legacy.py")
    line = text[: text.index(key)].count("\n") + 1
    assert [(f.code, f.line) for f in result.findings] == [("AG101", line)]
    if not source.startswith("BIG"):
        assert any("scanned as text" in n for n in result.notes)


def test_deep_nesting_does_not_crash_the_process(tmp_path: Path) -> None:
    key = fake_key()
    (tmp_path / "deep.py").write_text("x = " + "(" * 50_000 + f'"{key}"' + ")" * 50_000 + "\n")
    proc = cli(tmp_path, "scan", "deep.py")
    assert proc.returncode == 1, proc.stderr
    assert "deep.py:1:" in proc.stdout


# Chains libcst nests one level per link: its native parser took seconds on a few thousand
# links and crashed the process (SIGSEGV) at about 8,000.
_CHAINS = {
    "plus": "x = a" + " + a" * 20_000,
    "attributes": "x = a" + ".a" * 20_000,
    "calls": "x = a" + "()" * 20_000,
    "subscripts": "x = a" + "[0]" * 20_000,
    "conditionals": "x = 1" + " if c else 1" * 20_000,
    "nots": "x =" + " not" * 20_000 + " c",
    "booleans": "x = a" + " and a" * 20_000,
    "powers": "x = a" + " ** a" * 20_000,
}


@pytest.mark.parametrize("chain", list(_CHAINS), ids=list(_CHAINS))
def test_long_expression_chains_fall_back_to_text_without_crashing(
    tmp_path: Path, chain: str
) -> None:
    key = fake_key()
    (tmp_path / "gen.py").write_text(f'{_CHAINS[chain]}\nKEY = "{key}"\n')
    proc = cli(tmp_path, "scan", "gen.py")
    assert proc.returncode == 1, proc.stderr
    assert "gen.py:2:" in proc.stdout
    assert "nest deeper than 500" in proc.stdout + proc.stderr


def test_long_but_flat_data_tables_are_still_parsed() -> None:
    key = fake_key()
    table = "ROWS = [\n" + "    (1.5, -2.0, a.b, 'x' 'y'),\n" * 5_000 + "]\n"
    result = scan_text(f'{table}API_KEY = "{key}"\n', "data.py")
    assert [f.message.split(" in ")[-1] for f in result.findings] == ["assignment to API_KEY"]
    assert result.notes == []


def test_io_error_is_listed_and_exits_2(tmp_path: Path) -> None:
    # Reading /proc/self/mem from offset 0 fails with EIO: a real I/O error, even as root.
    proc = cli(tmp_path, "scan", "/proc/self/mem")
    assert proc.returncode == 2
    assert "could not be scanned" in proc.stdout
    assert "Traceback" not in proc.stderr
    allowed = cli(tmp_path, "scan", "--allow-unreadable", "/proc/self/mem")
    assert allowed.returncode == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_listed_and_exits_2(tmp_path: Path) -> None:
    secret = tmp_path / "locked.py"
    secret.write_text(f'k = "{fake_key()}"\n')
    secret.chmod(0)
    proc = cli(tmp_path, "scan", ".")
    assert proc.returncode == 2
    assert "locked.py" in proc.stdout


def test_unreadable_file_is_in_every_format(tmp_path: Path) -> None:
    for fmt in ("json", "sarif"):
        proc = cli(tmp_path, "scan", "--format", fmt, "/proc/self/mem")
        assert proc.returncode == 2
        assert "/proc/self/mem" in proc.stdout


def test_file_deleted_during_the_scan_is_an_error_not_clean(tmp_path: Path) -> None:
    gone = tmp_path / "gone.py"
    result = scan_file(Candidate(gone, "gone.py"), Config(root=tmp_path), ScanOptions())
    assert result.error is not None
    assert result.findings == []


def test_paths_with_spaces_newlines_and_undecodable_bytes(tmp_path: Path) -> None:
    key = fake_key()
    names = [b"with space.py", b"new\nline.py", b"bad\xff\xfename.py"]
    for name in names:
        (Path(os.fsdecode(tmp_path)) / os.fsdecode(name)).write_text(f'k = "{key}"\n')
    proc = cli(tmp_path, "scan", "--format", "json", ".")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    # JSON carries the real names (an undecodable byte as a surrogateescape `\\udcff`).
    assert sorted(f["path"] for f in doc["findings"]) == [
        "bad\udcff\udcfename.py",
        "new\nline.py",
        "with space.py",
    ]
    text = cli(tmp_path, "scan", ".")
    assert "new\\x0aline.py:1:6: AG101" in text.stdout
    assert "bad\\xff\\xfename.py:1:6: AG101" in text.stdout


def test_fifo_and_device_files_are_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    proc = cli(tmp_path, "scan", ".", "/dev/null")
    # If the FIFO were opened for reading, the scan would block until the timeout.
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr


def test_missing_git_binary_still_scans_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'k = "{fake_key()}"\n')
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    proc = cli(tmp_path, "scan", ".", env=env)
    assert proc.returncode == 1
    assert "git not found" in proc.stdout


def test_two_hundred_megabyte_one_line_file(tmp_path: Path) -> None:
    key = fake_key()
    big = tmp_path / "bundle.min.js"
    chunk = b"var a=1;" * 1024
    with big.open("wb") as handle:
        for _ in range(200 * 1024 // 8 - 1):
            handle.write(chunk)
        handle.write(f'var k="{key}";'.encode())
    proc = cli(tmp_path, "scan", "--format", "json", "--no-ignore", "bundle.min.js")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["line"] == 1
    assert finding["column"] == 200 * 1024 * 1024 - 8 * 1024 + 8
    assert len(finding["snippet"]) < 200


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_fifo_as_baseline_or_config_is_refused_at_once(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "named-pipe"
    os.mkfifo(fifo)
    (tmp_path / "app.py").write_text("x = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "autype_guard", "scan", option, str(fifo), "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,  # it used to wait for a writer forever
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


# Line ends are "\r\n", "\n" and a lone "\r" (as SARIF and editors count them), nothing else.
@pytest.mark.parametrize("name", ["notes.txt", "settings.yaml", "app.js", "app.py"])
def test_cr_only_file_reports_the_line_and_a_snippet_of_that_line_only(name: str) -> None:
    key = fake_key()
    data = f'first = 1\rsecond = 2\rKEY = "{key}"\rfourth = 4\r'.encode()
    (finding,) = scan_bytes(data, name, Config()).findings
    assert (finding.line, finding.column) == (3, 8)
    assert (finding.span.end.line, finding.span.end.column) == (3, 8 + len(key))
    assert "second" not in finding.snippet and "fourth" not in finding.snippet
    assert finding.snippet.startswith("KEY = ")


def test_mixed_line_ends_count_each_once() -> None:
    key = fake_key()
    lines = ["one", "two", "three", "four", f"key: {key}", "six"]
    data = "\r\n".join(lines[:2]).encode() + b"\r" + "\n".join(lines[2:4]).encode()
    data += b"\r\n" + "\r".join(lines[4:]).encode()
    (finding,) = scan_bytes(data, "notes.txt", Config()).findings
    assert (finding.line, finding.column) == (5, 6)
    assert finding.snippet.startswith("key: ") and "six" not in finding.snippet
    assert "\u2028" not in data.decode()  # only \r and \n end lines: U+2028, \f, \v do not
    other = f"a\u2028b\x0cc\x0bd\x1ce {key}".encode()
    assert positions(other) == [(1, 11)]


def test_inline_ignore_on_a_cr_only_line_covers_only_that_line() -> None:
    key, other = fake_key(), fake_key()
    ignore = "# autype-guard" + ": ignore"
    data = f'A = "{key}"  {ignore}\rB = "{other}"\r'.encode()
    result = scan_bytes(data, "app.py", Config())
    assert [(f.line, f.fingerprint) for f in result.findings] == [(2, fingerprint(other))]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_cr_only_file_larger_than_a_chunk_keeps_exact_lines(tmp_path: Path, ending: str) -> None:
    keys = [fake_key() for _ in range(5)]
    lines = []
    for n in range(3000):
        lines.append(f"key{n // 600} = {keys[n // 600]}" if n % 600 == 599 else f"x{n} = {n}")
    path = tmp_path / "big.txt"
    path.write_bytes(ending.join(lines).encode() + ending.encode())
    options = ScanOptions(chunk_size=1000, chunk_overlap=100)
    assert path.stat().st_size > 20 * options.chunk_size
    result = scan_file(Candidate(path, "big.txt"), Config(root=tmp_path), options)
    assert [(f.line, f.column) for f in result.findings] == [(600 * k, 8) for k in range(1, 6)]
    assert all(f.snippet.startswith(f"key{k} = ") for k, f in enumerate(result.findings))


def _scan_seconds(text: str, path: str) -> float:
    import time

    started = time.perf_counter()
    scan_text(text, path)
    return time.perf_counter() - started


def test_a_file_of_thousands_of_keys_scans_in_linear_time() -> None:
    # Found by fuzz/fuzz_archives.py (a zip member of one line repeated): each finding looked
    # its line up from the file's start and re-ran the framework probes, so 6,000 keys took
    # about a minute. 8x the keys may take at most ~40x as long (quadratic would be 64x).
    keys = [fake_key() for _ in range(6000)]

    def text(n: int) -> str:
        return "".join(f'const k{i} = "{key}";\n' for i, key in enumerate(keys[:n]))

    assert len(scan_text(text(6000), "src/app.js").findings) == 6000
    small, big = _scan_seconds(text(750), "src/app.js"), _scan_seconds(text(6000), "src/app.js")
    assert big < 40 * max(small, 1e-3)


def test_one_line_of_thousands_of_keys_and_an_ignore_comment_scans_in_linear_time() -> None:
    # Found by fuzz/fuzz_archives.py: each finding searched its whole line again for an
    # ignore comment, so a minified line of 6,000 keys took minutes.
    keys = [fake_key() for _ in range(6000)]

    def text(n: int) -> str:
        line = " ".join(f'k{i}="{key}";' for i, key in enumerate(keys[:n]))
        return line + " // autype-guard" + ": ignore[AG999]\n"

    assert len(scan_text(text(6000), "dist/app.min.js").findings) == 6000
    small = _scan_seconds(text(750), "dist/app.min.js")
    big = _scan_seconds(text(6000), "dist/app.min.js")
    assert big < 40 * max(small, 1e-3)


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 1 << 20])
def test_line_ends_counted_in_pieces_agree_with_the_whole(piece: int) -> None:
    from autype_guard.sources.chunks import _line_ends

    data = b"a\r\nb\rc\n\r\n\rd\r\r\ne\n"
    expected = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    total, last = _line_ends(lambda at, n: data[at : at + n], 0, len(data), piece)
    assert (total, last) == (expected, len(data))
    assert _line_ends(lambda at, n: data[at : at + n], 0, 1, piece) == (0, None)
