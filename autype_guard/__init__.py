"""autype-guard: find hardcoded Autype API keys before they ship."""

from __future__ import annotations

from .api import ScanOptions, ScanReport, load_config, scan_bytes, scan_paths, scan_text
from .config import Config, ConfigError
from .model import Finding, Severity, Span
from .version import __version__

__all__ = [
    "Config",
    "ConfigError",
    "Finding",
    "ScanOptions",
    "ScanReport",
    "Severity",
    "Span",
    "__version__",
    "load_config",
    "scan_bytes",
    "scan_paths",
    "scan_text",
]
