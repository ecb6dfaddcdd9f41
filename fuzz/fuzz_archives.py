#!/usr/bin/env python3
"""Coverage-guided fuzzing of compressed assets and archives (`sources.archives`).

Each input either is a file's raw bytes under an archive name (selector byte even), or
describes an archive that the harness builds (odd): zip, tar, tar.gz, gz or br around
members whose names and contents come from the input (`@KEY@` markers become fake keys),
members that are archives themselves (nesting past `MAX_ARCHIVE_DEPTH`), repeated content
(small decompression bombs), encrypted-flagged zip members, and a few corrupted bytes of the
result. Properties:

- `scan_bytes` never raises; time and memory stay bounded (`-timeout` and `-rss_limit_mb`
  fail the run otherwise);
- every finding's path is the archive's own name, or the archive's name and a `!`-joined
  chain of member names (for a built archive: names of members the harness put there, with
  control characters shown as `?`);
- no report format shows a found planted key beyond its last 4 characters.

    python fuzz/fuzz_archives.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/archives
"""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
import warnings
import zipfile

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_bytes
    from autype_guard.sources import archives

import brotli
from fuzzlib import CONFIG, check_result, plant

FORMATS = ("zip", "tar", "tar.gz", "gz", "br", "jar")
NAMES = {
    "zip": "release.zip",
    "tar": "dist.tar",
    "tar.gz": "pkg-1.0.tar.gz",
    "gz": "dist/assets/app.js.gz",
    "br": "dist/assets/app.js.br",
    "jar": "lib/app.jar",
}
RAW_NAMES = (*NAMES.values(), "app.whl", "a.tgz", "a.tar.xz", "a.tar.bz2", "x.apk", "m.css.gz")
INNER = ("app.js", "config/.env", "src/main.py", "README.md", "x.js.map", "a\x1b[31m.js")


def _pack(fmt: str, members: list[tuple[str, bytes]], encrypt: bool) -> bytes:
    out = io.BytesIO()
    if fmt in ("zip", "jar"):
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name.split("\0")[0] or "x")
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        raw = bytearray(out.getvalue())
        if encrypt:  # set the encrypted flag of the first member's local and central header
            for magic, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
                i = raw.find(magic)
                if i != -1:
                    raw[i + at] |= 1
        return bytes(raw)
    if fmt in ("tar", "tar.gz"):
        mode = "w:gz" if fmt == "tar.gz" else "w"
        with tarfile.open(fileobj=out, mode=mode, format=tarfile.GNU_FORMAT) as archive:
            for name, data in members:
                info = tarfile.TarInfo(name.split("\0")[0] or "x")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return out.getvalue()
    data = members[0][1] if members else b""
    return gzip.compress(data, mtime=0) if fmt == "gz" else brotli.compress(data)


def build(fdp: atheris.FuzzedDataProvider, depth: int) -> tuple[str, bytes, set[str]]:
    """(format, bytes, member labels) of an archive described by the input."""
    fmt = FORMATS[fdp.ConsumeIntInRange(0, len(FORMATS) - 1)]
    members: list[tuple[str, bytes]] = []
    labels: set[str] = set()
    for _ in range(fdp.ConsumeIntInRange(0, 3)):
        choice = fdp.ConsumeIntInRange(0, 7)
        if choice == 0 and depth < 3:
            inner_fmt, data, inner = build(fdp, depth + 1)
            name = "nested." + inner_fmt
            labels |= {f"{name}!{label}" for label in inner} | {name}
        else:
            name = INNER[choice % len(INNER)] if choice < 6 else fdp.ConsumeUnicodeNoSurrogates(24)
            data = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 512))
            if choice == 7:  # a small bomb: one piece repeated up to 64 KB (more keys than
                # that take seconds each, too slow a unit; the caps are tested in tests/)
                data *= fdp.ConsumeIntInRange(1, (64 << 10) // max(1, len(data)))
        members.append((name, data))
        labels.add(name)
    encrypt = fdp.ConsumeBool()
    packed = _pack(fmt, members, encrypt)
    # zip and tar both end a name at its first NUL.
    labels = {archives._label(label.split("\0")[0] or "x") for label in labels}
    return fmt, packed, labels


def test_one_input(data: bytes) -> None:
    if not data:
        return
    if data[0] % 2 == 0:
        name = RAW_NAMES[(data[0] // 2) % len(RAW_NAMES)]
        content, keys = plant(data[1:])
        labels = None
    else:
        planted, keys = plant(data[1:])
        fdp = atheris.FuzzedDataProvider(planted)
        fmt, content, labels = build(fdp, 0)
        name = NAMES[fmt]
        flips = fdp.ConsumeIntInRange(0, 3)
        if flips and content:
            corrupt = bytearray(content)
            for _ in range(flips):
                corrupt[fdp.ConsumeIntInRange(0, len(corrupt) - 1)] = fdp.ConsumeInt(1) & 0xFF
            content = bytes(corrupt)
            labels = None  # a corrupted name is still a member's name, but not one we know
    result = scan_bytes(content, name, CONFIG)
    for finding in result.findings:
        if finding.path == name:
            continue
        if not finding.path.startswith(name + "!"):
            raise AssertionError(f"finding path {finding.path!r} outside {name!r}")
        if labels is not None and finding.path[len(name) + 1 :] not in labels:
            raise AssertionError(f"finding path {finding.path!r} names no member")
    check_result(result, content, keys, plain=False)


def main() -> None:
    warnings.simplefilter("ignore")  # zipfile warns of duplicate member names
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
