from __future__ import annotations

import gzip
import io
import json
import os
import sys
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from autype_guard.api import scan_bytes, scan_paths
from autype_guard.config import Config
from autype_guard.model import FileKind
from autype_guard.sources import archives as unpack

from .conftest import fake_key
from .test_cli import run


def _bundle(key: str) -> bytes:
    return (
        "!function(){var a=1;}();\n"
        "/* build 42 */\n"
        f'fetch(u,{{headers:{{"X-API-Key":"{key}"}}}});\n'
    ).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _codes(result: object) -> list[tuple[str, str, int, int]]:
    return [(f.code, f.path, f.line, f.column) for f in result.findings]  # type: ignore[attr-defined]


# --- compressed assets --------------------------------------------------------------------


def test_gzip_bundle_is_scanned_at_decompressed_line_and_column() -> None:
    key = fake_key()
    result = scan_bytes(gzip.compress(_bundle(key)), "dist/assets/legacy-f7c72ad2.js.gz", Config())
    column = _bundle(key).decode().splitlines()[2].index(key) + 1
    assert _codes(result) == [("AG102", "dist/assets/legacy-f7c72ad2.js.gz", 3, column)]
    assert result.kind is FileKind.BUNDLE
    assert result.findings[0].snippet.count("ak_") == 1


def test_inner_name_decides_the_kind_of_a_gzip_file() -> None:
    key = fake_key()
    log = f"2024-01-01 request with key {key}\n".encode()
    result = scan_bytes(gzip.compress(log), "logs/render.log.gz", Config())
    assert [f.code for f in result.findings] == ["AG104"]


def test_gzip_with_several_members_is_read_whole() -> None:
    key = fake_key()
    data = gzip.compress(b"var a = 1;\n") + gzip.compress(f'var k = "{key}";\n'.encode())
    result = scan_bytes(data, "public/app.js.gz", Config())
    assert [(f.code, f.line) for f in result.findings] == [("AG102", 2)]


def test_truncated_gzip_scans_what_it_can_with_a_note() -> None:
    key = fake_key()
    filler = os.urandom(200_000).hex().encode()
    data = gzip.compress(f'var k = "{key}";\n'.encode() + filler)
    result = scan_bytes(data[: len(data) // 2], "public/app.js.gz", Config())
    assert [f.code for f in result.findings] == ["AG102"]
    assert any("truncated gzip" in note for note in result.notes)


@pytest.mark.parametrize("data", [b"\x1f\x8b" + b"garbage" * 10, b"\x1f\x8b"])
def test_corrupt_gzip_is_scanned_as_it_is_with_a_reason(data: bytes) -> None:
    result = scan_bytes(data, "public/app.js.gz", Config())
    assert result.findings == []
    assert result.error is None and result.unscanned == []
    assert any("scanned as a plain file" in note for note in result.notes)


def test_corrupt_gzip_holding_a_key_in_the_clear_is_found() -> None:
    key = fake_key()
    data = b"\x1f\x8b not gzip at all\nvar k = '" + key.encode() + b"';\n"
    result = scan_bytes(data, "public/app.js.gz", Config())
    assert [f.code for f in result.findings] == ["AG102"]


def test_decompression_is_capped_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    early, late = fake_key(), fake_key()
    text = f'var a = "{early}";\n' + "x" * 10_000 + f'\nvar b = "{late}";\n'
    monkeypatch.setattr(unpack, "MAX_DECOMPRESSED", 4096)
    result = scan_bytes(gzip.compress(text.encode()), "public/app.js.gz", Config())
    assert [(f.code, f.line) for f in result.findings] == [("AG102", 1)]
    assert result.unscanned == [
        (
            "public/app.js.gz",
            "decompressed size exceeds 4096 bytes: only the first 4096 bytes scanned, the rest not",
        )
    ]
    capped = unpack.decompress("gzip", gzip.compress(b"a" * 10_000), cap=1000)
    assert len(capped.data) == 1000 and capped.notes


def test_brotli_asset_is_scanned_when_the_decoder_is_installed() -> None:
    brotli = pytest.importorskip("brotli")
    key = fake_key()
    result = scan_bytes(brotli.compress(_bundle(key)), "dist/assets/app.js.br", Config())
    assert [(f.code, f.line) for f in result.findings] == [("AG102", 3)]
    bomb = brotli.compress(b"a" * 5_000_000)
    capped = unpack.decompress("brotli", bomb, cap=100_000)
    assert len(capped.data) == 100_000 and capped.notes


def test_brotli_without_the_decoder_is_listed_as_not_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)  # makes `import brotli` fail
    result = scan_bytes(b"\x8b\x02\x80hello\x03", "dist/app.js.br", Config())
    assert result.findings == [] and result.error is None
    [(path, reason)] = result.unscanned
    assert path == "dist/app.js.br" and "autype-guard[brotli]" in reason


# --- archives -----------------------------------------------------------------------------


def test_zip_members_are_scanned_and_located_as_archive_bang_member() -> None:
    k1, k2, k3 = fake_key(), fake_key(), fake_key()
    inner = _zip({"static/js/a.js": f'var k = "{k3}";\n'.encode()})
    data = _zip(
        {
            "static/js/app.js": _bundle(k1),
            "server/app.py": f'KEY = "{k2}"\n'.encode(),
            "img/logo.png": b"\x89PNG\r\n\x1a\n\0\0" + k1.encode(),
            "lib/inner.jar": inner,
            "docs/": b"",
        }
    )
    result = scan_bytes(data, "vendor/site.zip", Config())
    assert result.kind is FileKind.ARCHIVE
    assert sorted((f.code, f.path, f.line) for f in result.findings) == [
        ("AG101", "vendor/site.zip!server/app.py", 1),
        ("AG102", "vendor/site.zip!lib/inner.jar!static/js/a.js", 1),
        ("AG102", "vendor/site.zip!static/js/app.js", 3),
    ]


def test_wheel_and_npm_tarball() -> None:
    key = fake_key()
    wheel = _zip({"pkg/client.py": f'API_KEY = "{key}"\n'.encode()})
    result = scan_bytes(wheel, "pkg-1.0-py3-none-any.whl", Config())
    assert _codes(result) == [("AG101", "pkg-1.0-py3-none-any.whl!pkg/client.py", 1, 12)]
    tgz = _tar({"package/dist/index.js": _bundle(key), "package/README.md": b"# hi\n"})
    result = scan_bytes(tgz, "ui-kit-1.0.0.tgz", Config())
    assert [(f.code, f.path, f.line) for f in result.findings] == [
        ("AG102", "ui-kit-1.0.0.tgz!package/dist/index.js", 3)
    ]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_flavours(mode: str) -> None:
    key = fake_key()
    suffix = {"w": ".tar", "w:gz": ".tar.gz", "w:bz2": ".tar.bz2", "w:xz": ".tar.xz"}[mode]
    data = _tar({"src/app.js": f'const k = "{key}";\n'.encode()}, mode)
    result = scan_bytes(data, f"release{suffix}", Config())
    assert [f.path for f in result.findings] == [f"release{suffix}!src/app.js"]


def test_nesting_is_limited() -> None:
    key = fake_key()
    deepest = _zip({"a.js": f'var k = "{key}";\n'.encode()})
    middle = _zip({"deep.zip": deepest})
    outer = _zip({"middle.zip": middle})
    result = scan_bytes(outer, "outer.zip", Config())
    assert result.findings == []
    assert result.unscanned == [
        ("outer.zip!middle.zip!deep.zip", "archive nested more than 2 levels deep: not scanned")
    ]


def test_member_names_are_only_labels() -> None:
    key = fake_key()
    data = _zip({"../../etc/evil.js": f'var k = "{key}";\n'.encode(), "a\nb.js": b"x"})
    result = scan_bytes(data, "x.zip", Config())
    assert [f.path for f in result.findings] == ["x.zip!../../etc/evil.js"]
    assert not Path("/etc/evil.js").exists()


def test_gzipped_member_inside_an_archive() -> None:
    key = fake_key()
    data = _tar({"public/app.js.gz": gzip.compress(_bundle(key))}, "w")
    result = scan_bytes(data, "site.tar", Config())
    assert [(f.code, f.path, f.line) for f in result.findings] == [
        ("AG102", "site.tar!public/app.js.gz", 3)
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.zip", b"PK\x03\x04 not really a zip"),
        ("broken.tgz", b"\x1f\x8b\x08\x00garbage"),
        ("empty.whl", b""),
    ],
)
def test_corrupt_archives_never_crash(name: str, data: bytes) -> None:
    result = scan_bytes(data, name, Config())
    assert result.findings == [] and result.error is None
    assert result.notes


def test_a_zip_needing_an_unknown_version_is_scanned_as_a_plain_file() -> None:
    # Found by fuzz/fuzz_archives.py: zipfile raises NotImplementedError for a central
    # directory entry that needs zip version 11.3; it escaped `scan_bytes`.
    key = fake_key()
    data = bytearray(_zip({"a.js": b"var x = 1;\n"}) + f'\nvar k = "{key}";\n'.encode())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 113  # "version needed to extract"
    result = scan_bytes(bytes(data), "release.zip", Config())
    assert result.error is None
    assert any("not a valid zip archive" in note for note in result.notes)
    assert [f.preview for f in result.findings] == [f"ak_…{key[-4:]}"]


def test_a_zip_entry_with_an_empty_name_is_scanned() -> None:
    # Found by fuzz/fuzz_archives.py: zipfile's is_dir() raised IndexError on it.
    key = fake_key()
    data = _zip({"a.js": f'var k = "{key}";\n'.encode()})
    data = data.replace(b"a.js", b"\0\0\0\0")  # zipfile ends a name at its first NUL
    result = scan_bytes(data, "release.zip", Config())
    assert result.error is None
    assert [f.preview for f in result.findings] == [f"ak_…{key[-4:]}"]


def test_truncated_tarball_keeps_what_was_scanned() -> None:
    key = fake_key()
    data = _tar(
        {"a.js": f'var k = "{key}";\n'.encode(), "b.js": os.urandom(300_000).hex().encode()}
    )
    result = scan_bytes(data[: len(data) // 2], "pkg.tgz", Config())
    assert [f.path for f in result.findings] == ["pkg.tgz!a.js"]
    assert any("truncated" in note or "corrupt" in note for note in result.notes)


def test_member_count_and_total_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [fake_key() for _ in range(3)]
    data = _zip({f"m{i}.js": f'var k = "{k}";\n'.encode() for i, k in enumerate(keys)})
    monkeypatch.setattr(unpack, "MAX_ARCHIVE_MEMBERS", 2)
    result = scan_bytes(data, "x.zip", Config())
    assert len(result.findings) == 2
    assert result.unscanned == [("x.zip", "more than 2 members: the rest not scanned")]


def test_per_file_ignores_cover_an_archive_like_a_directory(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.zip").write_bytes(
        _zip({"static/a.js": f'var k = "{fake_key()}";\n'.encode()})
    )
    config = Config(root=tmp_path, per_file_ignores=(("vendor/lib.zip", ("AG102",)),))
    report = scan_paths([tmp_path], config)
    assert report.findings == [] and report.suppressed == 1


def test_cli_reports_archive_member_in_sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = fake_key()
    (tmp_path / "pkg-1.0-py3-none-any.whl").write_bytes(
        _zip({"pkg/client.py": f'API_KEY = "{key}"\n'.encode()})
    )
    (tmp_path / "app.js.gz").write_bytes(gzip.compress(_bundle(key)))
    code, out, _ = run("scan", "--format", "sarif", ".")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    uris = sorted(
        unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results
    )
    assert uris == ["app.js.gz", "pkg-1.0-py3-none-any.whl!pkg/client.py"]
    assert key not in out
