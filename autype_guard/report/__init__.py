"""Reporters: one module per output format; each turns a ScanReport into a string."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..api import ScanReport


@dataclass(frozen=True)
class ReportOptions:
    """How to render: colour for terminals, and whether keys are shown in full."""

    color: bool = False
    show_secrets: bool = False


Reporter = Callable[[ScanReport, ReportOptions], str]


def get_reporter(name: str) -> Reporter:
    """The reporter for a format name (see FORMATS); imports only that module."""
    if name == "text":
        from .text import render
    elif name == "json":
        from .json import render
    elif name == "sarif":
        from .sarif import render
    else:
        raise KeyError(name)
    return render


FORMATS: tuple[str, ...] = ("text", "json", "sarif")

__all__ = ["FORMATS", "ReportOptions", "Reporter", "get_reporter"]
