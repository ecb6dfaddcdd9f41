"""Reading container image archives and layer blobs for `image`: never extracted, read
forward.

- A *store* is an image archive (a tar, whose plain members are read from the file
  directly) or an image directory; names that climb out (`..`) or blobs that are links out
  of the directory are never read, FIFOs and devices never opened.
- `Layered` is a layer's tar stream, whatever the compression (gzip; zstd with the optional
  `zstandard` package), cut at a cap; `ReadAhead` decompresses in a thread ahead of the
  reader; `Forward` lets `tarfile` read it in its random-access mode, seeking forward only
  and without copying its buffer on every read (its stream mode does).
- `EntryReader` reads a large entry at offsets for `chunks`: forward from the stream; a
  read further back reads the layer again from its start.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import tarfile
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Optional, Protocol, Union, cast

from .reading import open_regular

# JSON documents (manifests, configs, indexes) larger than this are not read.
MAX_JSON_BYTES = 16 << 20
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# How much a read asks of a layer at a time.
READ_SIZE = 1 << 20


class Store:
    """Named files of an image archive or directory (`manifest.json`, `blobs/sha256/x`)."""

    def open(self, name: str) -> Optional[tuple[IO[bytes], int]]:
        """A fresh binary stream of `name` and its size, or None when there is none."""
        raise NotImplementedError

    def locate(self, name: str) -> Optional[tuple[str, int, int]]:
        """Where the bytes of `name` lie as they are in a regular file: its path, the offset
        and the size; None when they do not (a link inside an archive, a sparse member) or
        when there is no such blob. What lies there is read with `reading.open_regular`."""
        return None

    def read(self, name: str, cap: int = MAX_JSON_BYTES) -> Optional[bytes]:
        """The whole of a small file, None when missing or larger than `cap`."""
        opened = self.open(name)
        if opened is None:
            return None
        fh, size = opened
        with fh:
            if size > cap:
                return None
            return fh.read(cap + 1)[:cap]

    def close(self) -> None:
        pass


class DirStore(Store):
    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)

    def open(self, name: str) -> Optional[tuple[IO[bytes], int]]:
        clean = normal_name(name)
        if clean is None:
            return None
        path = os.path.realpath(os.path.join(self.root, clean))
        # NOTE: a manifest naming `../x` (or a blob that is a symlink out of the layout)
        # never reads outside the image directory.
        if not path.startswith(self.root + os.sep):
            return None
        try:
            fd, size = open_regular(path)  # never blocks on a FIFO or device
        except OSError:
            return None
        return os.fdopen(fd, "rb"), size

    def locate(self, name: str) -> Optional[tuple[str, int, int]]:
        opened = self.open(name)  # the same checks
        clean = normal_name(name)
        if opened is None or clean is None:
            return None
        fh, size = opened
        fh.close()
        return os.path.realpath(os.path.join(self.root, clean)), 0, size


class TarStore(Store):
    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.members: dict[str, tarfile.TarInfo] = {}
        for info in archive.getmembers():
            clean = normal_name(info.name)
            if clean is not None:
                self.members.setdefault(clean, info)

    def open(self, name: str) -> Optional[tuple[IO[bytes], int]]:
        clean = normal_name(name)
        info = self.members.get(clean) if clean is not None else None
        if info is None:
            return None
        if info.isreg() and info.sparse is None and self.archive.name is not None:
            # A plain member: read from the archive file directly (no tarfile wrappers).
            try:
                fd, _ = open_regular(os.fsdecode(self.archive.name))
            except OSError:
                return None
            raw = os.fdopen(fd, "rb")
            return cast(IO[bytes], FileSlice(raw, info.offset_data, info.size)), info.size
        try:
            # Links resolve to other members of the same archive, never to the disk.
            fh = self.archive.extractfile(info)
        except (KeyError, tarfile.TarError, OSError):
            return None
        if fh is None:
            return None
        size = fh.seek(0, os.SEEK_END)  # of the member a link resolves to
        fh.seek(0)
        return fh, size

    def locate(self, name: str) -> Optional[tuple[str, int, int]]:
        clean = normal_name(name)
        info = self.members.get(clean) if clean is not None else None
        if info is None or not info.isreg() or info.sparse is not None:
            return None
        if self.archive.name is None:
            return None
        return os.fsdecode(self.archive.name), info.offset_data, info.size

    def close(self) -> None:
        self.archive.close()


class FileSlice(io.RawIOBase):
    """`size` bytes of an open file from `offset` on, read forward."""

    def __init__(self, raw: IO[bytes], offset: int, size: int) -> None:
        super().__init__()
        self.raw = raw
        self.raw.seek(offset)
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1, /) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = self.raw.read(n) if n > 0 else b""
        self.left -= len(out)
        return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def normal_name(name: str) -> Optional[str]:
    """A `/`-separated name inside the image with `./` and leading `/` dropped; None when it
    climbs out (`..`)."""
    if (
        name
        and name[0] not in "/."
        and name[-1] != "/"
        and "//" not in name
        and "/." not in name
        and "\\" not in name
    ):
        return name  # the common case, already normal
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def open_store(path: Path) -> Union[Store, str]:
    """The store at `path`, or why it is no image."""
    if path.is_dir():
        if (path / "manifest.json").is_file() or (path / "index.json").is_file():
            return DirStore(path)
        return "not a container image: no manifest.json or index.json in the directory"
    try:
        fd, _ = open_regular(path)  # never blocks on a FIFO or device
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    with os.fdopen(fd, "rb") as fh:
        magic = fh.read(4)
    if magic[:2] == GZIP_MAGIC or magic == ZSTD_MAGIC:
        return "compressed image archive: decompress it first (gunzip, zstd -d)"
    try:
        archive = tarfile.open(path, mode="r:")  # noqa: SIM115 (the store closes it)
    except (tarfile.TarError, OSError, ValueError) as exc:
        return f"not a container image archive ({exc})"
    try:
        store = TarStore(archive)
    except Exception as exc:  # tarfile raises many kinds for bad input
        archive.close()
        return f"not a container image archive ({type(exc).__name__}: {exc})"
    if "manifest.json" not in store.members and "index.json" not in store.members:
        store.close()
        return "not a container image: no manifest.json or index.json in the archive"
    return store


class Reader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class Forward:
    """A stream read forward that `tarfile` may open in its random-access mode: `seek` only
    moves forward (by reading), reads are served from a buffer without copying what is left
    of it (tarfile's own stream mode copies its buffer on every read)."""

    def __init__(self, source: Reader) -> None:
        self.source = source
        self.buf = b""
        self.at = 0  # position of self.buf[0] in the stream
        self.pos = 0  # read position within self.buf

    def tell(self) -> int:
        return self.at + self.pos

    def seekable(self) -> bool:
        return True  # forward only (see `seek`)

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            n = 1 << 62
        if self.pos + n <= len(self.buf):
            out = self.buf[self.pos : self.pos + n]
            self.pos += n
            return out
        parts = [self.buf[self.pos :]] if self.pos < len(self.buf) else []
        want = n - (len(self.buf) - self.pos)
        self.at += len(self.buf)
        self.buf, self.pos = b"", 0
        if want >= READ_SIZE:
            # A large read goes straight to the source: no copy through the buffer.
            while want > 0:
                piece = self.source.read(want)
                if not piece:
                    break
                parts.append(piece)
                self.at += len(piece)
                want -= len(piece)
        else:
            while want > 0:
                self.buf = self.source.read(READ_SIZE)
                if not self.buf:
                    break
                take = self.buf[:want]
                self.pos = len(take)
                parts.append(take)
                want -= len(take)
                if want > 0:
                    self.at += len(self.buf)
                    self.buf, self.pos = b"", 0
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self.tell() + offset
        if whence not in (0, 1) or target < self.tell():
            raise OSError("a layer is read forward only")
        while self.tell() < target:
            if not self.read(min(target - self.tell(), READ_SIZE * 8)):
                break
        return self.tell()


def content_digest(store: Store, name: str) -> Optional[str]:
    """The SHA-256 of a blob's bytes as stored, None when it cannot be read."""
    opened = store.open(name)
    if opened is None:
        return None
    sha = hashlib.sha256()
    with opened[0] as raw:
        try:
            for block in iter(lambda: raw.read(READ_SIZE), b""):
                sha.update(block)
        except OSError:
            return None
    return "sha256:" + sha.hexdigest()


class Layered:
    """The uncompressed tar stream of a layer blob, read forward; stops at `cap` bytes.

    `packing` is "gzip", "zstd" or "tar"; `capped` tells whether the cap cut it."""

    def __init__(self, raw: Reader, cap: Optional[int]) -> None:
        self.raw = raw
        self.cap = cap
        self.out = 0
        self.capped = False
        self.pending = raw.read(4)
        self.packing = (
            "gzip"
            if self.pending[:2] == GZIP_MAGIC
            else "zstd"
            if self.pending == ZSTD_MAGIC
            else "tar"
        )
        self._gz: Optional[zlib._Decompress] = None
        self._zstd: Optional[IO[bytes]] = None
        self._done = False
        if self.packing == "gzip":
            self._gz = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.packing == "zstd":
            import zstandard  # type: ignore[import-not-found,unused-ignore]

            raw_stream = _Prefixed(self.pending, raw)
            self.pending = b""
            self._zstd = zstandard.ZstdDecompressor().stream_reader(
                raw_stream,  # type: ignore[arg-type,unused-ignore]  # only read() is used
                read_across_frames=True,
            )
        else:
            self.cap = None

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = READ_SIZE
        if self.cap is not None:
            room = self.cap - self.out
            if room <= 0:
                if not self._done and self._more():
                    self.capped = True
                return b""
            n = min(n, room)
        data = self._read(n)
        self.out += len(data)
        return data

    def _more(self) -> bool:
        """Whether anything is left past the cap (one byte is decompressed to tell)."""
        return bool(self._read(1))

    def _read(self, n: int) -> bytes:
        if self._done:
            return b""
        if self.packing == "tar":
            if self.pending:
                out, self.pending = self.pending[:n], self.pending[n:]
                return out
            return self.raw.read(n)
        if self._zstd is not None:
            out = self._zstd.read(n)
            if not out:
                self._done = True
            return out
        return self._gunzip(n)

    def _gunzip(self, n: int) -> bytes:
        while True:
            d = self._gz
            assert d is not None
            if d.unconsumed_tail:
                out = d.decompress(d.unconsumed_tail, n)
            else:
                chunk = self.pending or self.raw.read(READ_SIZE)
                self.pending = b""
                if not chunk:
                    if not d.eof:
                        raise zlib.error("truncated gzip data")
                    self._done = True
                    return b""
                out = d.decompress(chunk, n)
            if d.eof and d.unused_data:
                rest = d.unused_data
                if rest[:2] == GZIP_MAGIC:  # concatenated gzip members
                    self._gz = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self.pending = rest
                else:
                    self._done = True
                    return out
            if out:
                return out


class _Prefixed:
    """A forward reader: `head`, then `rest`."""

    def __init__(self, head: bytes, rest: Reader) -> None:
        self.head = head
        self.rest = rest

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out = self.head if n < 0 else self.head[:n]
            self.head = self.head[len(out) :]
            return out
        return self.rest.read(n)


class ReadAhead:
    """Reads a stream in a thread, up to `depth` pieces ahead of the reader. An exception
    in the thread is raised to the reader where the stream would have raised it."""

    def __init__(self, source: Reader, depth: int = 8) -> None:
        self.source = source
        self.queue: queue.Queue[Union[bytes, BaseException]] = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.buf = b""
        self.pos = 0
        self.done = False
        self.thread = threading.Thread(target=self._run, name="autype-guard-layer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                piece = self.source.read(READ_SIZE)
                self._put(piece)
                if not piece:
                    return
        except BaseException as exc:  # handed to the reader
            self._put(exc)

    def _put(self, item: Union[bytes, BaseException]) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            n = 1 << 62
        parts = []
        while n > 0:
            if self.pos >= len(self.buf):
                if self.done:
                    break
                item = self.queue.get()
                if isinstance(item, BaseException):
                    self.done = True
                    raise item
                if not item:
                    self.done = True
                    break
                self.buf, self.pos = item, 0
            piece = self.buf[self.pos : self.pos + n]
            self.pos += len(piece)
            n -= len(piece)
            parts.append(piece)
        return b"".join(parts)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


class Slice:
    """The next `size` bytes of a stream."""

    def __init__(self, stream: Reader, size: int) -> None:
        self.stream = stream
        self.left = size

    def read(self, n: int = -1, /) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = self.stream.read(n) if n else b""
        self.left -= len(out)
        return out


class EntryReader:
    """Reads at offsets of one tar entry that is read as a stream, for `chunks`: keeps the
    entry's head and what lies after the last read; a read further back reads the layer
    again from its start (`reopen`) up to there, which only a window with findings on a
    long line asks for."""

    HEAD = 256 << 10

    def __init__(
        self, fh: Reader, size: int, first: bytes, reopen: Callable[[], Optional[Reader]]
    ) -> None:
        self.fh = fh
        self.size = size
        self.buf = first  # the entry's bytes from buf_start on
        self.buf_start = 0
        self.reopen = reopen
        self.again: Optional[tuple[Reader, int]] = None  # a re-read stream and its offset
        self._fill(min(size, self.HEAD))
        self.head = self.buf[: self.HEAD]

    def _fill(self, end: int) -> None:
        need = end - self.buf_start - len(self.buf)
        parts = [self.buf]
        while need > 0:
            part = self.fh.read(need)
            if not part:
                raise OSError("layer ends inside a file")
            parts.append(part)
            need -= len(part)
        if len(parts) > 1:
            self.buf = b"".join(parts)

    def read_at(self, offset: int, length: int) -> bytes:
        end = min(self.size, offset + length)
        if offset >= end:
            return b""
        if end <= len(self.head):
            return self.head[offset:end]
        if offset >= self.buf_start:
            # Reads move forward (a window, then the next one overlapping it): what lies
            # before this one's start is dropped first, so only the overlap is copied.
            if offset > self.buf_start:
                self.buf = self.buf[offset - self.buf_start :]
                self.buf_start = offset
            self._fill(end)
            return self.buf[: end - offset]
        return self._read_again(offset, end)

    def _read_again(self, offset: int, end: int) -> bytes:
        if self.again is None or self.again[1] > offset:
            stream = self.reopen()
            if stream is None:
                raise OSError("the layer could not be read again")
            self.again = (stream, 0)
        stream, at = self.again
        while at < offset:
            skipped = stream.read(min(READ_SIZE * 8, offset - at))
            if not skipped:
                raise OSError("layer ends inside a file")
            at += len(skipped)
        out = stream.read(end - offset)
        self.again = (stream, at + len(out))
        return out


def skip_bytes(stream: Reader, count: int) -> None:
    while count > 0:
        part = stream.read(min(READ_SIZE * 8, count))
        if not part:
            return
        count -= len(part)


__all__ = [
    "GZIP_MAGIC",
    "MAX_JSON_BYTES",
    "READ_SIZE",
    "ZSTD_MAGIC",
    "DirStore",
    "EntryReader",
    "FileSlice",
    "Forward",
    "Layered",
    "ReadAhead",
    "Reader",
    "Slice",
    "Store",
    "TarStore",
    "content_digest",
    "normal_name",
    "open_store",
    "skip_bytes",
]
