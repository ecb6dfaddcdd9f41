"""Content that could not be scanned never passes as clean: it is scanned after all (nested
gzip, text with stray NULs, UTF-16 without a byte order mark, keys compiled into binaries)
or listed as not scanned, which makes the run exit 2 unless --allow-unreadable."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autype_guard import Config, scan_bytes
from autype_guard.sources import archives

from .conftest import fake_key
from .test_cli import project, run  # noqa: F401  (a fixture)
from .test_formats import sarif_validator  # noqa: F401  (a fixture)


def _zip(members: dict[str, bytes], encrypted: frozenset[str] = frozenset()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    out = bytearray(buf.getvalue())
    for name in encrypted:  # set the "encrypted" flag bit, as an encrypting archiver does
        for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = out.find(signature)
            while at != -1:
                name_at = at + (30 if flags_at == 6 else 46)
                if out[name_at : name_at + len(name)] == name.encode():
                    out[at + flags_at] |= 0x1
                at = out.find(signature, at + 4)
    return bytes(out)


# --- scanned after all ----------------------------------------------------------------------


def test_a_key_in_gzip_inside_gzip_is_found() -> None:
    key = fake_key()
    data = gzip.compress(gzip.compress(f'var k = "{key}";\n'.encode()))
    result = scan_bytes(data, "public/app.js.gz", Config())
    assert [(f.code, f.line) for f in result.findings] == [("AG102", 1)]
    assert result.unscanned == []


def test_gzip_nested_past_the_bound_is_listed_and_exits_2(project: Path) -> None:  # noqa: F811
    data = f'var k = "{fake_key()}";\n'.encode()
    for _ in range(archives.MAX_COMPRESSION_DEPTH + 1):
        data = gzip.compress(data)
    (project / "app.js.gz").write_bytes(data)
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert error["path"] == "app.js.gz" and "compressed more than" in error["message"]


def test_a_js_file_with_a_stray_nul_is_scanned_as_text() -> None:
    key = fake_key()
    data = b"var pad = '\0';\n" + f'const key = "{key}";\n'.encode()
    result = scan_bytes(data, "src/app.js", Config())
    assert [(f.code, f.line) for f in result.findings] == [("AG102", 2)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_decoded(encoding: str) -> None:
    key = fake_key()
    data = f'import os\nKEY = "{key}"\n'.encode(encoding)
    result = scan_bytes(data, "settings.py", Config())
    assert [(f.code, f.line, f.column) for f in result.findings] == [("AG101", 2, 8)]


# --- listed as not scanned ------------------------------------------------------------------


def test_an_encrypted_member_exits_2_and_says_what_was_not_scanned(
    project: Path,  # noqa: F811
    sarif_validator: jsonschema.Draft4Validator,  # noqa: F811
) -> None:
    (project / "dist.zip").write_bytes(
        _zip({"secret.js": b"var a = 1;\n", "ok.js": b"var b = 2;\n"}, frozenset({"secret.js"}))
    )
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 2
    assert json.loads(out)["errors"] == [
        {"path": "dist.zip!secret.js", "message": "encrypted zip member: not scanned"}
    ]
    code, out, _ = run("scan", "--format", "sarif", ".")
    assert code == 2
    doc = json.loads(out)
    sarif_validator.validate(doc)
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert "encrypted zip member: not scanned" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "dist.zip%21secret.js"
    )
    code, out, _ = run("scan", ".")
    assert code == 2 and "dist.zip!secret.js: encrypted zip member: not scanned" in out
    assert run("scan", "--allow-unreadable", ".")[0] == 0


def test_a_decompression_bomb_stops_at_the_cap_and_exits_2(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archives, "MAX_DECOMPRESSED", 4096)
    (project / "bomb.zip").write_bytes(_zip({"big.js": b"var a = 1;\n" * 100_000}))
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert error["path"] == "bomb.zip!big.js"
    assert error["message"].startswith("larger than 4096 bytes")
    assert "only the first 4096 bytes scanned" in error["message"]


# --- binaries -------------------------------------------------------------------------------


def _library(ascii_key: str, utf16_key: str) -> bytes:
    return (
        b"\x7fELF\x02\x01\x01\0"
        + b"\0" * 56
        + b"peak_memory_usage_in_bytes\0\x01\x02"
        + ascii_key.encode()
        + b"\0\0\x13\x37"
        + bytes(range(256))
        + utf16_key.encode("utf-16-le")
        + b"\0" * 64
    )


def test_keys_in_a_shared_library_are_found_with_byte_offsets(
    project: Path,  # noqa: F811
    sarif_validator: jsonschema.Draft4Validator,  # noqa: F811
) -> None:
    first, second = fake_key(), fake_key()
    data = _library(first, second)
    (project / "libapi.so").write_bytes(data)
    at_first, at_second = data.index(first.encode()), data.index(second.encode("utf-16-le"))
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 1
    found = [
        (f["code"], f["byte_offset"], f["byte_length"], f["encoding"])
        for f in json.loads(out)["findings"]
    ]
    assert found == [
        ("AG101", at_first, len(first), None),
        ("AG101", at_second, 2 * len(second), "utf-16"),
    ]
    _, out, _ = run("scan", "--format", "sarif", ".")
    doc = json.loads(out)
    sarif_validator.validate(doc)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in doc["runs"][0]["results"]]
    assert regions == [
        {"byteOffset": at_first, "byteLength": len(first)},
        {"byteOffset": at_second, "byteLength": 2 * len(second)},
    ]
    _, out, _ = run("scan", ".")
    assert f"libapi.so@{at_first:#x}: AG101" in out
    assert first not in out and second not in out


def test_a_key_in_an_app_package_is_browser_shipped() -> None:
    key = fake_key()
    apk = _zip({"lib/arm64-v8a/libapi.so": _library(key, fake_key())})
    result = scan_bytes(apk, "app-release.apk", Config())
    assert {(f.code, f.path) for f in result.findings} == {
        ("AG102", "app-release.apk!lib/arm64-v8a/libapi.so")
    }


@pytest.mark.parametrize(
    "embedded",
    [
        b"",
        b"ak_your_api_key_here",
        b"ak_test_key_placeholder_value",
        b"ak_xxxxxxxxxxxxxxxxxxxxxxxx",
        b"break_statement_handler_table",
    ],
)
def test_a_binary_without_a_real_key_reports_nothing(embedded: bytes) -> None:
    data = b"\x7fELF\x02\x01\x01\0" + b"\0" * 200 + embedded + b"\0" * 50
    result = scan_bytes(data, "libapi.so", Config())
    assert result.findings == [] and result.skipped == "binary"


def test_an_electron_archive_is_searched_as_a_binary() -> None:
    key = fake_key()
    header = b'\x04\0\0\0{"files":{"main.js":{"size":40,"offset":"0"}}}'
    data = header + f'const key = "{key}";\n'.encode()
    result = scan_bytes(data, "resources/app.asar", Config())
    assert [(f.code, f.byte_offset) for f in result.findings] == [
        ("AG102", data.index(key.encode()))
    ]
