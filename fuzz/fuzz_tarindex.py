#!/usr/bin/env python3
"""Coverage-guided fuzzing of the tar header reader of image layers (`sources.tarindex`).

Each input is either a layer's raw bytes (selector byte even) or describes a layer the
harness builds with `tarfile` (odd): ustar, GNU or pax format; members of every type
(regular, directory, links, an unknown type letter) whose names, sizes and pax records
(`path`, `size`, a sparse key, others) come from the input; then up to three bytes of the
result overwritten. Properties:

- `read_index` raises nothing but `Unsupported`, and returns (a header leading back into
  the archive must not loop: `-timeout` fails the run otherwise);
- members come in archive order: each one's bytes start after the previous member's
  header, and a regular member's bytes lie inside the archive;
- for a built layer left intact, the regular members are exactly those `tarfile` reads:
  the same names, data offsets and sizes.

    python fuzz/fuzz_tarindex.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/tarindex
"""

from __future__ import annotations

import io
import sys
import tarfile
import warnings

import atheris

with atheris.instrument_imports():
    from autype_guard.sources.tarindex import BLOCK, Unsupported, read_index

FORMATS = (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT)
TYPES = (
    tarfile.REGTYPE,
    tarfile.AREGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.CONTTYPE,
    b"Z",
)
PAX_KEYS = ("path", "size", "comment", "linkpath", "GNU.sparse.size", "mtime")


def _build(fdp: atheris.FuzzedDataProvider) -> bytes:
    out = io.BytesIO()
    fmt = FORMATS[fdp.ConsumeIntInRange(0, len(FORMATS) - 1)]
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        for _ in range(fdp.ConsumeIntInRange(0, 5)):
            info = tarfile.TarInfo(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 300)))
            info.type = TYPES[fdp.ConsumeIntInRange(0, len(TYPES) - 1)]
            data = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 2000))
            info.size = len(data) if info.type in tarfile.REGULAR_TYPES else 0
            if fmt == tarfile.PAX_FORMAT and fdp.ConsumeBool():
                key = PAX_KEYS[fdp.ConsumeIntInRange(0, len(PAX_KEYS) - 1)]
                info.pax_headers = {key: fdp.ConsumeUnicodeNoSurrogates(12)}
            try:
                archive.addfile(info, io.BytesIO(data) if info.size else None)
            except (ValueError, tarfile.TarError, UnicodeError):
                continue  # a name or value this format cannot hold
    return out.getvalue()


def _tarfile_regular(data: bytes) -> list[tuple[str, int, int]] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
                return [(m.name, m.offset_data, m.size) for m in archive if m.isreg()]
    except (tarfile.TarError, ValueError, EOFError, OverflowError, UnicodeError):
        return None


def test_one_input(raw: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(raw)
    built = fdp.ConsumeIntInRange(0, 1) == 1
    data = bytearray(_build(fdp) if built else fdp.ConsumeBytes(fdp.remaining_bytes()))
    intact = True
    for _ in range(fdp.ConsumeIntInRange(0, 3) if built else 0):
        if data:
            data[fdp.ConsumeIntInRange(0, len(data) - 1)] = fdp.ConsumeInt(1) & 0xFF
            intact = False
    layer = bytes(data)
    try:
        index = read_index(lambda at, n: layer[at : at + n], len(layer))
    except Unsupported:
        return
    end = 0
    for member in index.members:
        if member.offset < end + BLOCK or member.size < 0:
            raise AssertionError(f"member out of order or negative: {member}")
        if member.isreg() and member.offset + member.size > len(layer):
            raise AssertionError(f"member past the archive's end: {member}")
        end = member.offset
    if built and intact and index.problem is None:
        expected = _tarfile_regular(layer)
        got = [(m.name, m.offset, m.size) for m in index.members if m.isreg()]
        if expected is not None and got != expected:
            raise AssertionError(f"tarindex {got} != tarfile {expected}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
