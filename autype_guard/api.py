"""The library entry points: `scan_paths`, `scan_bytes`, `scan_text` and `scan_urls`, and the
live check.

A thin facade over the layers below (see docs/architecture.md): `run` for runs over many
files, `sources` for one file's or blob's content, `engine` for the per-file pipeline.
Never prints, never exits, never raises for a bad file: problems come back as
`FileResult.error` (could not scan) or notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from . import config as _config
from .config import Config
from .engine import ScanOptions, may_have_findings
from .model import BINARY, CLEAN, FileResult, ScanReport, is_clean
from .rules import rule_codes
from .run import (
    SMALL_RUN,
    GitTarget,
    RunOutcome,
    RunRequest,
    effective_jobs,
    execute,
    scan_paths,
    verify_findings,
)
from .sources.blobs import scan_bytes
from .sources.files import scan_file
from .sources.reading import open_regular, read_fd, read_file


def load_config(start: Path, explicit: Optional[Path] = None) -> Config:
    """Read the config that applies to `start` (or `explicit`), its rule codes checked
    against the rule table; raise ConfigError if invalid."""
    return _config.load_config(start, explicit, codes=rule_codes())


def scan_text(
    text: str,
    path: str = "<stdin>",
    config: Optional[Config] = None,
    options: Optional[ScanOptions] = None,
) -> FileResult:
    """Scan a string as if it were the file `path`. Never raises."""
    return scan_bytes(text.encode("utf-8"), path, config or Config(), options)


def scan_urls(
    urls: tuple[str, ...],
    config: Optional[Config] = None,
    options: Optional[ScanOptions] = None,
    **limits: Any,
) -> ScanReport:
    """Fetch what a browser gets from `urls` and scan it (`autype-guard scan-url`).
    `limits` are the other fields of `sources.web.UrlTarget` (depth, allow_origins,
    headers, cookie, timeout, deadline, concurrency, max_files, max_bytes,
    max_file_bytes). `options.jobs` worker processes fetch and scan a large site. Never
    raises for network trouble; raises `sources.web.UrlError` for a start URL that is not
    absolute http(s)."""
    from .engine import engine_for
    from .sources import web  # start-up time: only URL scans load the HTTP client

    options = options or ScanOptions()
    target = web.UrlTarget(tuple(web.check_start_url(u) for u in urls), **limits)
    engine = engine_for(config or Config(), options)
    return web.scan_urls(target, engine, effective_jobs(options.jobs))


__all__ = [
    "BINARY",
    "CLEAN",
    "SMALL_RUN",
    "GitTarget",
    "RunOutcome",
    "RunRequest",
    "ScanOptions",
    "ScanReport",
    "effective_jobs",
    "execute",
    "is_clean",
    "load_config",
    "may_have_findings",
    "open_regular",
    "read_fd",
    "read_file",
    "scan_bytes",
    "scan_file",
    "scan_paths",
    "scan_text",
    "scan_urls",
    "verify_findings",
]
