"""A progress bar for long runs (directory audits, history scans), drawn on one terminal line.

The library reports progress through a plain callback, `ProgressCallback`; it never writes
anywhere itself. `ProgressBar` is such a callback: it renders at most `interval` apart and
hands the text to a `write` function that the CLI supplies (stderr). Whether a bar is wanted at
all is `wants_progress`: only on a terminal, never in CI, hooks or when piped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Optional, Protocol

# files done, bytes done, files in total (None while unknown), bytes in total (None if unknown)
ProgressCallback = Callable[[int, int, Optional[int], Optional[int]], None]

# Environment variables that mean "not a person at a terminal": CI services set CI, the
# pre-commit framework sets PRE_COMMIT for the hooks it runs.
_NON_INTERACTIVE = ("CI", "PRE_COMMIT")
_CLEAR_LINE = "\r\x1b[K"


class _Stream(Protocol):
    def isatty(self) -> bool: ...


def wants_progress(
    stream: _Stream, *, disabled: bool = False, environ: Optional[Mapping[str, str]] = None
) -> bool:
    """True when a progress bar may be drawn on `stream`: a terminal, not CI, not a hook."""
    if disabled:
        return False
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in _NON_INTERACTIVE) or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# No ETA before this many seconds: the first files' rate says little about the rest.
ETA_AFTER = 1.0


def render_progress(
    files: int,
    nbytes: int,
    total_files: Optional[int],
    total_bytes: Optional[int],
    elapsed: float,
    width: int = 80,
    unit: str = "files",
) -> str:
    """One line of progress: bar and percentage (when the total is known), files and bytes
    done, throughput and ETA, shortened to fit `width` columns. Fields have fixed widths, so
    the line does not jitter as the numbers change; no ETA in the first `ETA_AFTER`
    seconds. Pure: no I/O."""
    rate = nbytes / elapsed if elapsed > 0 else 0.0
    fraction: Optional[float] = None
    eta: Optional[float] = None
    settled = elapsed >= ETA_AFTER
    if total_bytes and total_bytes > 0:
        fraction = min(nbytes / total_bytes, 1.0)
        if rate > 0 and settled:
            eta = max(total_bytes - nbytes, 0) / rate
    elif total_files:
        fraction = min(files / total_files, 1.0)
        if files and settled:
            eta = elapsed * max(total_files - files, 0) / files
    if total_files is not None:
        total = f"{total_files:,}"
        counts = f"{files:>{len(total)},}/{total} {unit}"
    else:
        counts = f"{files:>7,} {unit}"
    size = f"{_size(nbytes):>8}/{_size(total_bytes)}" if total_bytes else f"{_size(nbytes):>8}"
    parts = [counts, size, f"{_size(rate):>8}/s"]
    parts.append(f"ETA {_duration(eta):<7}" if eta is not None else " " * 11)
    text = "  ".join(parts)
    if fraction is not None:
        percent = f"{fraction * 100:3.0f}%"
        room = width - len(text) - len(percent) - 5
        if room >= 10:
            bar_width = min(room, 30)
            done = int(fraction * bar_width)
            bar = "#" * done + "." * (bar_width - done)
            text = f"{percent} [{bar}] {text}"
        else:
            text = f"{percent} {text}"
    return text[: max(width - 1, 0)]


class ProgressBar:
    """A `ProgressCallback` that redraws one line through `write`, at most every `interval`,
    from `delay` seconds after it was made."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        unit: str = "files",
        interval: float = 0.1,
        delay: float = 0.5,
        width: Optional[Callable[[], int]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._unit = unit
        self._interval = interval
        self._width = width or _terminal_width
        self._clock = clock
        self._started = clock()
        # Nothing is drawn before `delay`: a scan of a few files ends without a bar flashing.
        self._next = self._started + delay
        self._drawn = False

    def __call__(
        self, files: int, nbytes: int, total_files: Optional[int], total_bytes: Optional[int]
    ) -> None:
        now = self._clock()
        if now < self._next:
            return
        self._next = now + self._interval
        line = render_progress(
            files, nbytes, total_files, total_bytes, now - self._started, self._width(), self._unit
        )
        self._write(_CLEAR_LINE + line)
        self._drawn = True

    def close(self) -> None:
        """Erase the bar so the report starts on a clean line."""
        if self._drawn:
            self._write(_CLEAR_LINE)
            self._drawn = False


def _terminal_width() -> int:
    import shutil  # start-up time: only a bar on a terminal needs it

    return shutil.get_terminal_size((80, 24)).columns
