"""Paths as config globs match them, and reading a file named on the command line."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Union


def relative_to_root(path: Path, root: Path) -> str:
    """The path relative to `root` with `/` separators, or the absolute path outside it."""
    try:
        return PurePosixPath(path.resolve().relative_to(root)).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


class NotRegularFileError(OSError):
    """A named file is a FIFO, device, socket or directory: never read, never waited on."""


def read_regular_file(path: Union[str, Path], limit: int) -> bytes:
    """Read at most `limit` + 1 bytes of a regular file (a caller sees the file is too big).
    Never blocks on a FIFO or device: the file is opened without waiting and anything but
    a regular file raises NotRegularFileError (strerror "not a regular file"). Raises
    OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(0, "not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
