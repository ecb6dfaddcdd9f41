"""autype-guard: find hardcoded Autype API keys before they ship.

The public names below load on first use (PEP 562), so the command-line entry point
(`quickscan.main`) starts without importing the scanner it may not need.
"""

from __future__ import annotations

from importlib import import_module

from .version import __version__

TYPE_CHECKING = False  # `typing` itself costs milliseconds of start-up
if TYPE_CHECKING:
    from typing import Any

    from .api import ScanOptions, ScanReport, load_config, scan_bytes, scan_paths, scan_text
    from .config import Config, ConfigError
    from .model import Finding, Severity, Span

# Each public name and the module that defines it.
_HOMES = {
    "ScanOptions": ".api",
    "ScanReport": ".api",
    "load_config": ".api",
    "scan_bytes": ".api",
    "scan_paths": ".api",
    "scan_text": ".api",
    "Config": ".config",
    "ConfigError": ".config",
    "Finding": ".model",
    "Severity": ".model",
    "Span": ".model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'autype_guard' has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
