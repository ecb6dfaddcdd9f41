"""Files on disk: read one discovered file (whole, or in windows when large) and scan it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Optional, Union

from ..classify import classify
from ..config import Config
from ..engine import Engine, ScanOptions, engine_for
from ..model import BINARY, CLEAN, FileResult, is_clean
from ..paths import relative_to_root
from .archives import packing_of
from .blobs import scan_blob
from .chunks import scan_chunked
from .reading import open_regular, read_fd
from .walk import Candidate


def scan_file(
    candidate: Candidate, config: Config, options: Optional[ScanOptions] = None
) -> FileResult:
    """Read and scan one discovered file. Never raises; read errors become `error`.

    A file larger than `options.chunk_size` is read and scanned in overlapping windows.
    """
    engine = engine_for(config, options or ScanOptions())
    outcome = _scan_candidate(candidate, engine, quick=False)
    assert isinstance(outcome, FileResult)
    return outcome


def scan_candidate(candidate: Candidate, engine: Engine) -> Union[FileResult, str]:
    """`scan_file` for large runs: a file with nothing to report comes back as CLEAN or
    BINARY, decided with as little work as possible. Never raises."""
    return _scan_candidate(candidate, engine, quick=True)


def scan_candidates(
    candidates: Iterable[Candidate], config: Config, options: ScanOptions
) -> Iterator[tuple[Candidate, Union[FileResult, str]]]:
    """Scan each candidate with the engine of its own config (`config` when it has none).
    Yields each candidate with its result."""
    scan = CandidateScanner(config, options)
    for candidate in candidates:
        yield candidate, scan(candidate)


class CandidateScanner:
    """`scan_candidate` with the engine of each candidate's own config (`config` when it
    has none): one engine per config, looked up only when the config changes from one file
    to the next (a run with one config never does)."""

    def __init__(self, config: Config, options: ScanOptions) -> None:
        self.config = config
        self.options = options
        self._engine = engine_for(config, options)
        self._current: Optional[Config] = None

    def __call__(self, candidate: Candidate) -> Union[FileResult, str]:
        if candidate.config is not self._current:
            self._current = candidate.config
            own = self._current if self._current is not None else self.config
            self._engine = engine_for(own, self.options)
        return _scan_candidate(candidate, self._engine, quick=True)


def _scan_candidate(candidate: Candidate, engine: Engine, *, quick: bool) -> Union[FileResult, str]:
    try:
        fd, size = open_regular(candidate.path)
    except OSError as exc:
        return _read_error(candidate, exc)
    relpath = candidate.relpath
    try:
        if relpath is None:
            relpath = relative_to_root(Path(candidate.path), engine.config.root)
        # Compressed files and archives are read whole (`archives` bounds what they expand to).
        if size > engine.options.chunk_size and packing_of(candidate.display, _pread2(fd)) is None:
            result = scan_chunked(fd, size, candidate.display, relpath, engine)
            if quick and is_clean(result):
                return BINARY if result.skipped == "binary" else CLEAN
            return result
        data = read_fd(fd, size)
        if quick and packing_of(candidate.display, data) is None:
            # The common case, without building a FileResult or classifying the file.
            verdict = engine.is_clean(data)
            if verdict is not None:
                return verdict
        result = scan_blob(engine, data, candidate.display, relpath)
        return BINARY if quick and is_clean(result) and result.skipped == "binary" else result
    except OSError as exc:
        return _read_error(candidate, exc)
    except Exception as exc:
        return FileResult(
            candidate.display,
            classify(candidate.display),
            error=f"internal error while scanning: {type(exc).__name__}: {exc}",
        )
    finally:
        os.close(fd)


def _pread2(fd: int) -> bytes:
    """The first two bytes of an open file (gzip's magic number), leaving its offset at 0."""
    head = os.read(fd, 2)
    os.lseek(fd, 0, os.SEEK_SET)
    return head


def _read_error(candidate: Candidate, exc: OSError) -> FileResult:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return FileResult(candidate.display, classify(candidate.display), error=reason)
