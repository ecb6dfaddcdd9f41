"""How worker processes start: forked on Linux while this process runs no other thread (cheap:
they share the imported modules), else spawned (forking a process with threads can copy a
lock some thread holds). One decision for every pool (`parallel`, `treepool`,
`sources.fetchpool`)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any


def can_fork() -> bool:
    """True when new workers may be forked: Linux, and no other thread runs here."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


def start_context() -> Any:
    """The multiprocessing context new workers start in."""
    import multiprocessing  # start-up time: a tree scan's pool (`forked.py`) does without

    if can_fork() and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


__all__ = ["can_fork", "start_context"]
