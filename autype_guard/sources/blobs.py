"""One file's content, whatever it is packed in: compressed assets and archives are
opened (see `archives`) and every plain part goes to the engine."""

from __future__ import annotations

from typing import Optional

from ..config import Config
from ..engine import Engine, ScanOptions, engine_for
from ..model import FileResult
from .archives import packing_of, scan_packed


def scan_bytes(
    data: bytes,
    display: str,
    config: Config,
    options: Optional[ScanOptions] = None,
    *,
    relpath: Optional[str] = None,
) -> FileResult:
    """Scan one file's content as if it lived at `display`. Never raises.

    Compressed assets and archives are scanned inside (see `archives`), before any binary
    check.
    """
    engine = engine_for(config, options or ScanOptions())
    return scan_blob(engine, data, display, relpath if relpath is not None else display)


def scan_blob(engine: Engine, data: bytes, display: str, relpath: str) -> FileResult:
    """`scan_bytes` with the engine at hand (what sources that scan many files call)."""
    packing = packing_of(display, data)
    if packing is not None:
        return scan_packed(packing, data, display, relpath, engine.scan_plain)
    return engine.scan_plain(data, display, relpath)
