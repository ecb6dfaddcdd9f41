"""Reading files without blocking: regular files only, FIFOs and devices refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Union

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def open_regular(path: Union[str, Path]) -> tuple[int, int]:
    """Open a regular file for reading without blocking on FIFOs or devices swapped in after
    discovery; returns (fd, size). Raises OSError."""
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_fd(fd: int, size: int) -> bytes:
    """Read an open file to its end; `size` (from fstat) lets a file be read in one call."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    chunks = [data]  # a short read, or the file grew since fstat: read on to the end
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_file(path: Union[str, Path]) -> bytes:
    """Read a regular file without blocking on FIFOs or devices swapped in after discovery."""
    fd, size = open_regular(path)
    try:
        return read_fd(fd, size)
    finally:
        os.close(fd)
