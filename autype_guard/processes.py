"""How worker processes start: forked on Linux while this process runs no other thread (cheap:
they share the imported modules), else spawned (forking a process with threads can copy a
lock some thread holds). One decision for every pool (`parallel`, `sources.fetchpool`)."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from typing import Any


def start_context() -> Any:
    """The multiprocessing context new workers start in."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


__all__ = ["start_context"]
