from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from autype_guard.config import Config
from autype_guard.engine import ScanOptions
from autype_guard.model import ScanReport
from autype_guard.parallel import OrderedPool
from autype_guard.sources import image as image_module
from autype_guard.sources.image import scan_images
from autype_guard.sources.tarindex import MAX_CHAIN, Unsupported, read_index

from .conftest import fake_key
from .test_cli import run
from .test_image_scan import Image, Layer, bundle, docker_archive, link, sha


def members_of(data: bytes) -> list[tuple[str, bytes, int, int]]:
    index = read_index(lambda at, n: data[at : at + n], len(data))
    assert index.problem is None
    return [(m.name, m.type, m.offset, m.size) for m in index.members]


def tarfile_members(data: bytes) -> list[tuple[str, bytes, int, int]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        return [(m.name, m.type, m.offset_data, m.size) for m in archive.getmembers()]


def build(entries: list[tarfile.TarInfo | tuple[str, bytes]], fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as archive:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                archive.addfile(entry)
            else:
                name, data = entry
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 1_700_000_000.5  # a pax mtime record in PAX_FORMAT
                archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _info(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def sample_entries(long_ok: bool) -> list[tarfile.TarInfo | tuple[str, bytes]]:
    entries: list[tarfile.TarInfo | tuple[str, bytes]] = [
        _info("srv/app", tarfile.DIRTYPE),
        ("srv/app/index.js", b"console.log(1);\n"),
        ("./srv/app/empty.txt", b""),
        ("srv/app/" + "p" * 90 + "/" + "q" * 90 + ".js", b"x = 1\n"),  # ustar prefix
        _info("srv/app/link", tarfile.SYMTYPE, "index.js"),
        _info("srv/app/hard", tarfile.LNKTYPE, "srv/app/index.js"),
        ("srv/app/big.bin", os.urandom(5000)),
    ]
    if long_ok:
        entries += [
            ("srv/" + "long-name-" * 40 + ".js", b"y = 2\n"),
            ("srv/ünïcødé/名前.txt", "text ✓\n".encode()),
            _info("srv/" + "d" * 150 + "/", tarfile.DIRTYPE),
            _info("srv/link", tarfile.SYMTYPE, "t" * 200),
        ]
    return entries


@pytest.mark.parametrize(
    "fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT], ids=str
)
def test_members_are_tarfiles_members(fmt: int) -> None:
    data = build(sample_entries(long_ok=fmt != tarfile.USTAR_FORMAT), fmt)
    assert members_of(data) == tarfile_members(data)


def test_gnu_long_names_and_pax_paths_are_read() -> None:
    name = "srv/" + "n" * 300 + ".js"
    for fmt, marker in ((tarfile.GNU_FORMAT, b"././@LongLink"), (tarfile.PAX_FORMAT, b"path=")):
        data = build([(name, b"z = 3\n")], fmt)
        assert marker in data
        ((got, kind, offset, size),) = members_of(data)
        assert (got, kind, data[offset : offset + size]) == (name, b"0", b"z = 3\n")


def test_a_pax_global_header_and_base256_size_are_read() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.pax_headers = {"comment": "global"}
        info = tarfile.TarInfo("a.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    data = buf.getvalue()
    assert members_of(data) == tarfile_members(data)
    # The GNU base-256 form of a size field (written by tar for files of 8 GiB and more).
    header = bytearray(build([("b.txt", b"hello")], tarfile.USTAR_FORMAT)[:512])
    header[124:136] = b"\x80" + (5).to_bytes(11, "big")
    header[148:156] = b"        "
    header[148:156] = f"{sum(header):06o}".encode() + b"\0 "
    data = bytes(header) + b"hello".ljust(512, b"\0") + b"\0" * 1024
    assert members_of(data) == [("b.txt", b"0", 512, 5)]


def _checksummed(header: bytearray) -> bytearray:
    header[148:156] = b"        "
    header[148:156] = f"{sum(header):06o}".encode() + b"\0 "
    return header


def test_corrupt_headers_end_the_index_with_a_reason() -> None:
    good = build([("a.txt", b"A" * 600), ("b.txt", b"B")], tarfile.USTAR_FORMAT)
    second = 512 + 1024  # the second member's header
    bad = bytearray(good)
    bad[second + 10] ^= 0x55  # its checksum no longer holds
    index = read_index(lambda at, n: bytes(bad[at : at + n]), len(bad))
    assert [m.name for m in index.members] == ["a.txt"]
    assert index.problem is not None and "checksum" in index.problem
    # A member running past the end of the archive.
    cut = good[: 512 + 300]
    index = read_index(lambda at, n: cut[at : at + n], len(cut))
    assert index.members == [] and index.problem is not None and "ends inside" in index.problem
    # A header cut short.
    short = good[: second + 100]
    index = read_index(lambda at, n: short[at : at + n], len(short))
    assert [m.name for m in index.members] == ["a.txt"]
    assert index.problem is not None and "truncated" in index.problem
    # An endless chain of pax headers in front of one member.
    pax = build([("c.txt", b"C")], tarfile.PAX_FORMAT)  # an x header, its records, c.txt
    chain = pax[:1024] * (MAX_CHAIN + 2) + pax[1024:]
    index = read_index(lambda at, n: chain[at : at + n], len(chain))
    assert index.members == [] and index.problem is not None and "extension" in index.problem


def test_a_header_leading_back_ends_the_index_instead_of_looping() -> None:
    # A pax `size` of -1536 on a member of an unknown type pointed the next header back at
    # the pax header itself: the reader went round for ever (found by fuzz_tarindex).
    weird = _info("weird", b"Z")
    weird.pax_headers = {"size": "-1536", "comment": "x"}
    data = build([weird, ("a.txt", b"abc")], tarfile.PAX_FORMAT)
    index = read_index(lambda at, n: data[at : at + n], len(data))
    assert index.members == []
    assert index.problem is not None and "negative size" in index.problem


def test_not_a_tar_or_sparse_is_left_to_tarfile() -> None:
    for data in (b"", b"{}" * 400, os.urandom(2048)):
        with pytest.raises(Unsupported):
            read_index(lambda at, n, d=data: d[at : at + n], len(data))
    header = _checksummed(bytearray(build([("s", b"x")], tarfile.GNU_FORMAT)[:512]))
    header[156:157] = b"S"
    sparse = bytes(_checksummed(header)) + b"\0" * 1536
    with pytest.raises(Unsupported):
        read_index(lambda at, n: sparse[at : at + n], len(sparse))


# --- in image scans ----------------------------------------------------------------------------


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_corrupt_header_mid_layer_is_listed_and_exits_2(here: Path) -> None:
    key = fake_key()
    env = f"AUTYPE_API_KEY={key}\n".encode()
    tar = bytearray(build([("srv/a.env", env), ("srv/b.txt", b"after")], tarfile.USTAR_FORMAT))
    tar[1024 + 100] ^= 0x41  # the second header's mode field: its checksum no longer holds
    layer = Layer(bytes(tar), bytes(tar))
    docker_archive(here / "image.tar", Image([layer]))
    code, out, err = run("scan", "--image", "image.tar")
    assert code == 2, out + err
    assert "layer is truncated or corrupt (bad header checksum" in out + err
    assert "Traceback" not in err
    assert "srv/a.env" in out  # found before the bad header


def test_uncompressed_large_files_are_scanned_in_windows(here: Path) -> None:
    key = fake_key()
    text = "// start\n" + "a = 1;\n" * 30_000 + "x" * 200_000 + f' k="{key}"\n' + "b;\n" * 9
    # Markers that the prefilter's confirmation rules out ("break" closes no key literal).
    quiet = b'for (;;) { if (x) break"; }\n' * 20_000
    layer = Layer.of({"srv/app/server.js": text.encode(), "srv/app/quiet.js": quiet})
    path = docker_archive(here / "image.tar", Image([layer]))
    small = ScanOptions(chunk_size=64 << 10, chunk_overlap=8 << 10)
    report = scan_images([os.path.relpath(path)], Config(), small)
    (finding,) = report.findings
    assert (finding.line, finding.column) == (30_002, 200_005)
    assert report.clean_uncounted == 2 and len(report.files) == 1  # quiet.js, the config


def summary(report: ScanReport) -> list[object]:
    return [
        (
            r.path,
            r.kind,
            r.error,
            r.unscanned,
            [(f.code, f.line, f.column, f.message) for f in r.findings],
        )
        for r in report.files
    ] + [report.clean_uncounted, report.binary_uncounted, report.skipped]


def test_two_jobs_find_what_one_finds_in_the_same_order(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image_module, "POOL_MIN_FILES", 4)
    monkeypatch.setattr(image_module, "POOL_MIN_BYTES", 1)
    monkeypatch.setattr(image_module, "BATCH_FILES", 7)
    keys = [fake_key() for _ in range(30)]
    files: dict[str, bytes | tarfile.TarInfo] = {}
    for i in range(120):
        if i % 4 == 0:
            files[f"usr/share/nginx/html/m{i}.js"] = bundle(keys[i // 4])
        elif i % 4 == 1:
            files[f"srv/app/m{i}.bin"] = b"\0\1\2" * 100
        elif i % 4 == 2:
            files[f"srv/app/m{i}.txt"] = b"nothing here\n"
        else:
            files[f"srv/app/d{i}"] = link("m0.js")
    first = Layer.of(files)
    # A later layer: the same key at the same path (one finding, the first layer's), a
    # whiteout (still in the image) and a large file read in windows.
    later = Layer.of(
        {
            "usr/share/nginx/html/m0.js": bundle(keys[0]),
            "usr/share/nginx/html/.wh.m4.js": b"",
            "srv/big.js": b"a = 1;\n" * 20_000 + f'k = "{keys[29]}";\n'.encode(),
        }
    )
    path = docker_archive(here / "image.tar", Image([first, later]))
    options = ScanOptions(chunk_size=32 << 10, chunk_overlap=4 << 10)
    alone = scan_images([os.path.relpath(path)], Config(), options)
    started: list[OrderedPool] = []

    def pool() -> OrderedPool:
        started.append(OrderedPool(2))
        return started[-1]

    pooled = scan_images([os.path.relpath(path)], Config(), options, pool=pool)
    assert len(started) == 1  # the first layer went to the pool (the second is small)
    assert summary(pooled) == summary(alone)
    assert len(alone.findings) == 31
    assert any("still in the image" in f.message for f in alone.findings)
    assert alone.binary_uncounted == 30 and not alone.errors
    assert sha(first.tar) in {f.path.split("!")[1].split("/")[0] for f in alone.findings}


def test_excludes_by_directory_name_and_by_path_glob(here: Path) -> None:
    from dataclasses import replace

    key = fake_key()
    files: dict[str, bytes | tarfile.TarInfo] = {
        f"srv/{where}/x.js": bundle(key)
        for where in ("node_modules/lib", "lib/deep", "keep", "keep/node_modules")
    }
    files["srv/lib.js"] = bundle(key)
    path = docker_archive(here / "image.tar", Image([Layer.of(files)]))
    config = Config()
    config = replace(config, extend_exclude=("srv/lib/**",))
    report = scan_images([os.path.relpath(path)], config)
    assert sorted(f.path.split("/", 1)[1] for f in report.findings) == [
        "srv/keep/x.js",
        "srv/lib.js",
    ]
    assert report.stats.excluded == 3
