"""What rules see of one file: its text, kind, place and the keys the scanners found in it.

Scanner work is done lazily and at most once per file, however many rules ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Protocol

from .config import Config
from .exposure import Regions, regions_of
from .keys import KeyMatcher, fingerprint, redact
from .model import FileKind, Finding, Fix, Place, RelatedLocation, Severity, Span
from .scanners import KeyOccurrence
from .textio import LineIndex

if TYPE_CHECKING:
    from .verify import KeyCollector

# How much of a line a snippet shows on each side of a finding: enough to recognise the code,
# never a whole minified bundle.
SNIPPET_CONTEXT = 40


@dataclass(frozen=True)
class ScanSettings:
    """Per-run switches that change what findings contain."""

    show_secrets: bool = False
    show_placeholders: bool = False


@dataclass
class FileContext:
    """One file as the rules see it. Holds the raw text: never serialised."""

    path: str
    kind: FileKind
    place: Place
    text: str
    config: Config
    matcher: KeyMatcher
    settings: ScanSettings = field(default_factory=ScanSettings)
    notes: list[str] = field(default_factory=list)
    # False when `text` is a window of a file too large to read whole (see `chunks.py`):
    # offsets are then relative to the window, and Python is scanned as text.
    whole_file: bool = True
    # Set only for `scan --verify`: receives the raw keys behind findings (see `finding`).
    key_collector: Optional[KeyCollector] = field(default=None, repr=False)
    _occurrences: Optional[list[KeyOccurrence]] = None
    _lines: Optional[LineIndex] = None
    _regions: Optional[Regions] = None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    @property
    def regions(self) -> Regions:
        """Where parts of the file have another place than the file (computed once)."""
        if self._regions is None:
            self._regions = regions_of(self.path, self.kind, self.text, self.place)
        return self._regions

    def place_at(self, offset: int) -> Place:
        """The place of the code at `offset`: Astro frontmatter or PHP code is server-side."""
        return self.regions.at(offset)

    def may_hold(self, place: Place) -> bool:
        """True when some part of the file is in `place`."""
        return place is self.place or place in self.regions.places

    @property
    def key_occurrences(self) -> list[KeyOccurrence]:
        """Every key in the file, found by the scanner for its kind (computed once)."""
        if self._occurrences is None:
            from .scanners.text import scan_text

            if self.kind is FileKind.SOURCE_MAP:
                from .scanners.sourcemap import scan_source_map

                occurrences, notes = scan_source_map(self.text, self.matcher, self.path)
                self.notes.extend(notes)
            elif self.kind is FileKind.PYTHON:
                occurrences = list(scan_text(self.text, self.matcher))
                # libcst (slow to import and to run) only for a Python file with something to
                # place or join; `scan_python` returns the text scanner's answer otherwise.
                if self.whole_file and (occurrences or self.matcher.has_open_key_start(self.text)):
                    from .scanners.python import scan_python

                    occurrences, notes = scan_python(self.text, self.matcher)
                    self.notes.extend(notes)
            else:
                from .scanners.script import with_joined

                occurrences = with_joined(
                    self.text, self.matcher, scan_text(self.text, self.matcher)
                )
            self._occurrences = occurrences
        return self._occurrences

    def span(self, start: int, end: int) -> Span:
        """The Span of character offsets [start, end), clipped to the first line."""
        first = self.lines.position(start)
        line_end = self.text.find("\n", start, end)
        last = self.lines.position(end if line_end == -1 else line_end)
        return Span(first, last)

    def snippet(self, start: int, end: int, shown: str) -> tuple[str, int]:
        """The line around [start, end) clipped to a window, with `shown` in place of the
        matched text and every other key on it redacted; returns (snippet, caret column).

        Looks only at the window, never at the whole line: cheap on a 50 MB bundle line."""
        text = self.text
        newline = text.find("\n", start, end)
        if newline != -1:
            end = newline
        left = max(0, start - SNIPPET_CONTEXT)
        newline = text.rfind("\n", left, start)
        line_start = newline + 1 if newline != -1 else 0 if left == 0 else -1
        left = max(left, line_start)
        right = min(len(text), end + SNIPPET_CONTEXT)
        newline = text.find("\n", end, right)
        line_end = newline if newline != -1 else len(text) if right == len(text) else -1
        if line_end != -1:
            right = line_end
        before = self._redact_window(text[left:start])
        after = self._redact_window(text[end:right])
        prefix = "…" if left != line_start else ""
        suffix = "…" if right != line_end else ""
        line = f"{prefix}{before}{shown}{after}".replace("\t", " ").rstrip("\r") + suffix
        return line, len(prefix) + len(before)

    def _redact_window(self, text: str) -> str:
        if self.settings.show_secrets:
            return text
        pieces = []
        last = 0
        for hit in self.matcher.find(text):
            pieces.append(text[last : hit.start])
            pieces.append(redact(hit.key))
            last = hit.end
        pieces.append(text[last:])
        return "".join(pieces)

    def shown_key(self, key: str) -> str:
        return key if self.settings.show_secrets else redact(key)

    def finding(
        self,
        rule: RuleLike,
        start: int,
        end: int,
        message: str,
        *,
        key: Optional[str] = None,
        identity: Optional[str] = None,
        suggestion: str = "",
        fix: Optional[Fix] = None,
        encoding: str = "",
        placeholder: bool = False,
        related: tuple[RelatedLocation, ...] = (),
        severity: Optional[Severity] = None,
    ) -> Finding:
        """Build a Finding for `rule` at [start, end). A key is hashed, never stored on the
        Finding; with a `key_collector` (live check requested) a real key is also handed to
        it, in memory, so that it can be checked once per run."""
        if key is not None:
            print_fp = fingerprint(key)
            shown = self.shown_key(key)
            if self.key_collector is not None and not placeholder:
                self.key_collector.add(key)
        else:
            # Rule and matched text only: reports and baselines pair it with the path as they
            # spell it (repository- or baseline-relative), never with the working directory.
            print_fp = fingerprint(f"{rule.CODE}\0{identity or ''}")
            shown = self.text[start:end]
        snippet, caret = self.snippet(start, end, shown)
        level = severity or self.config.severity_for(rule.CODE, rule.SEVERITY)
        if placeholder:
            level = Severity.INFO
        return Finding(
            code=rule.CODE,
            name=rule.NAME,
            message=message,
            path=self.path,
            kind=self.kind,
            span=self.span(start, end),
            severity=level,
            fingerprint=print_fp,
            preview=shown if key is not None else "",
            suggestion=suggestion,
            snippet=snippet,
            snippet_caret=(caret, max(1, len(shown))),
            fix=fix,
            encoding=encoding,
            placeholder=placeholder,
            related=related,
        )


class RuleLike(Protocol):
    """The attributes of a rule class that building a finding needs."""

    @property
    def CODE(self) -> str: ...
    @property
    def NAME(self) -> str: ...
    @property
    def SEVERITY(self) -> Severity: ...
