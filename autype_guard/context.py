"""What rules see of one file: its text, kind, place and the keys the scanners found in it.

Scanner work is done lazily and at most once per file, however many rules ask.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Optional, Protocol

from .config import Config
from .exposure import Regions, regions_of
from .keys import (
    CUT_KEY,
    PREFIX,
    KeyMatcher,
    Mask,
    fingerprint,
    key_masks,
    mask_run,
    redact,
)
from .model import (
    EditKind,
    EditSite,
    FileKind,
    Finding,
    Fix,
    Place,
    RelatedLocation,
    Severity,
    Span,
)
from .scanners import KeyOccurrence
from .textio import LineIndex

# How much of a line a snippet shows on each side of a finding: enough to recognise the code
# on a wide terminal (the text format cuts it to the terminal's width), never a whole
# minified bundle.
SNIPPET_CONTEXT = 120
# How far past the window keys are looked for before it is cut, so that a key the window cuts
# is masked whole; a run of key characters longer than this at the window's edge is masked.
SNIPPET_SLACK = 512


class KeySink(Protocol):
    """Receives the raw keys behind findings, in memory, when the live check was asked for
    (`verify.KeyCollector`)."""

    def add(self, key: str) -> bool: ...


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
    # False when `text` is a window of a file too large to read whole (see `sources/chunks.py`):
    # offsets are then relative to the window, and Python is scanned as text.
    whole_file: bool = True
    # Set only for `scan --verify`: receives the raw keys behind findings (see `finding`).
    key_collector: Optional[KeySink] = field(default=None, repr=False)
    # True when the text goes on unseen before its start or after its end (a window of a
    # large file, a decompression cut short): keys touching such an edge are masked whole.
    cut_before: bool = False
    cut_after: bool = False
    # Prefilter markers known not to occur in `text` (empty when not known): lets a rule skip
    # a search of the whole text for a word the byte search already failed to find.
    absent: frozenset[bytes] = frozenset()
    _occurrences: Optional[list[KeyOccurrence]] = None
    _lines: Optional[LineIndex] = None
    _regions: Optional[Regions] = None
    _key_spans: Optional[list[tuple[int, int, str]]] = None

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
        line_end = self.lines.line_end(start, end)
        last = self.lines.position(end if line_end == -1 else line_end)
        return Span(first, last)

    def snippet(self, start: int, end: int, shown: Optional[str]) -> tuple[str, int, int]:
        """The line around [start, end) clipped to a window, with `shown` (when None, the
        text itself) in place of [start, end); returns (snippet, caret column, caret width).

        Keys are masked before the line is cut (see `keys.key_masks`), over a range
        `SNIPPET_SLACK` wider than the window on each side, so a key the window would cut is
        masked whole, and a masked key is never cut. Looks only at that range, never at the
        whole line: cheap on a 50 MB bundle line."""
        text = self.text
        newline = self.lines.line_end(start, end)
        if newline != -1:
            end = newline
        left = max(start - SNIPPET_CONTEXT, self._line_start(start, SNIPPET_CONTEXT))
        right = min(end + SNIPPET_CONTEXT, self._line_end(end, SNIPPET_CONTEXT))
        swaps: list[Mask] = [] if shown is None else [Mask(start, end, shown)]
        if not self.settings.show_secrets:
            lo = self._line_start(left, SNIPPET_SLACK)
            hi = self._line_end(right, SNIPPET_SLACK)
            cut_lo = (lo > 0 and text[lo - 1] not in "\r\n") or (lo == 0 and self.cut_before)
            cut_hi = (hi < len(text) and text[hi] not in "\r\n") or (
                hi == len(text) and self.cut_after
            )
            masks = key_masks(text, lo, hi, self.matcher, cut_lo=cut_lo, cut_hi=cut_hi)
            for mask in _merged(masks + self._found_keys(lo, hi)):
                if mask.end <= left or mask.start >= right:
                    continue  # outside the window
                if shown is not None and mask.start < end and start < mask.end:
                    # The finding's own key: `shown` stands for it; a run masked with it
                    # stays masked on either side.
                    parts = []
                    if mask.start < start:
                        parts.append(mask_run(text, mask.start, start))
                    if mask.end > end:
                        parts.append(mask_run(text, end, mask.end))
                else:
                    parts = [mask]
                for part in parts:
                    swaps.append(part)
                    left, right = min(left, part.start), max(right, part.end)
        swaps.sort(key=lambda m: m.start)
        pieces: list[str] = []
        width = 0  # characters in `pieces`
        caret = caret_end = -1
        at = left
        for swap in swaps:
            if swap.start < at:
                continue
            if caret == -1 and swap.start >= start:
                width += _put(pieces, text[at:start])
                caret, at = width, start
            width += _put(pieces, text[at : swap.start])
            if caret == -1 and swap.end > start:
                caret = width  # the finding starts inside a masked run
            width += _put(pieces, swap.shown)
            at = swap.end
            if caret_end == -1 and caret != -1 and at >= end:
                caret_end = width
        if caret == -1:
            width += _put(pieces, text[at:start])
            caret, at = width, start
        if caret_end == -1:
            width += _put(pieces, text[at:end])
            caret_end, at = width, end
        _put(pieces, text[at:right])
        prefix = "…" if left > 0 and text[left - 1] not in "\r\n" else ""
        suffix = "…" if right < len(text) and text[right] not in "\r\n" else ""
        body = "".join(pieces).replace("\t", " ")
        if not suffix:
            body = body.rstrip("\r")
        return prefix + body + suffix, len(prefix) + caret, max(1, caret_end - caret)

    def _spans(self) -> list[tuple[int, int, str]]:
        """(start, end, key) of every key the scanner found, ordered (computed once)."""
        if self._key_spans is None:
            found = self._occurrences or []
            self._key_spans = sorted((o.hit.start, o.hit.end, o.hit.key) for o in found)
        return self._key_spans

    def _found_keys(self, lo: int, hi: int) -> list[Mask]:
        """Masks for the keys the file's scanner found in text[lo:hi]. The matcher, run on
        the raw text, need not see them all: a key found in decoded content (a source map's
        `sourcesContent` after `\\x`) can sit in the raw text where it reads as no key."""
        if self._occurrences is None:
            return []
        spans = self._spans()
        i = max(0, bisect.bisect_left(spans, (lo, 0, "")) - 1)
        out = []
        while i < len(spans) and spans[i][0] < hi:
            start, end, key = spans[i]
            if end > lo:
                out.append(
                    Mask(max(start, lo), min(end, hi), redact(key) if end <= hi else CUT_KEY)
                )
            i += 1
        return out

    def _line_start(self, offset: int, reach: int) -> int:
        """Where the line holding `offset` starts, or `offset - reach` if that is nearer."""
        lo = max(0, offset - reach)
        start = self.lines.line_start(lo, offset)
        return start if start != -1 else lo

    def _line_end(self, offset: int, reach: int) -> int:
        """Where the line holding `offset` ends, or `offset + reach` if that is nearer."""
        hi = min(len(self.text), offset + reach)
        end = self.lines.line_end(offset, hi)
        return end if end != -1 else hi

    def masked(self, words: str) -> str:
        """`words` (a message built from the file's text) with every key in it redacted."""
        if self.settings.show_secrets:
            return words
        masks = key_masks(words, 0, len(words), self.matcher, cut_lo=False, cut_hi=False)
        for mask in reversed(masks):
            words = words[: mask.start] + mask.shown + words[mask.end :]
        if PREFIX in words and self._occurrences:
            # A key glued to a name taken from the text (`\ufffdak_…=` gives the name
            # `ufffdak_…`) is no key to the matcher, but the scanner found it: mask it too.
            keys = {key for _, _, key in self._spans()}
            lengths = sorted({len(key) for key in keys}, reverse=True)
            at = words.rfind(PREFIX)
            while at != -1:
                for n in lengths:
                    if words[at : at + n] in keys:
                        words = words[:at] + redact(words[at : at + n]) + words[at + n :]
                        break
                at = words.rfind(PREFIX, 0, at)
        return words

    def shown_key(self, key: str, end: Optional[int] = None) -> str:
        """How a key found ending at `end` is shown: redacted unless `--show-secrets`; a key
        at a cut edge of the text (its true end unseen) without its last characters."""
        if self.settings.show_secrets:
            return key
        if end is not None and end >= len(self.text) and self.cut_after:
            return CUT_KEY
        return redact(key)

    def edit_site(self, occ: KeyOccurrence, kind: EditKind) -> EditSite:
        """Where `fix` edits the key `occ`: the offsets of its written form (and of the
        pieces that spell a joined key), never the key. A name hint that holds a key is
        dropped."""
        end = occ.hit.end if occ.written_end is None else occ.written_end
        hint = occ.env_name
        # NOTE: a fallback's variable name is any string literal, even a key.
        if hint is not None and next(self.matcher.find(hint), None) is not None:
            hint = None
        return EditSite(occ.hit.start, end, kind, occ.pieces, hint)

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
        aliases: tuple[str, ...] = (),
    ) -> Finding:
        """Build a Finding for `rule` at [start, end). A key is hashed, never stored on the
        Finding; with a `key_collector` (live check requested) a real key is also handed to
        it, in memory, so that it can be checked once per run."""
        if key is not None:
            print_fp = fingerprint(key)
            shown: Optional[str] = self.shown_key(key, end)
            if self.key_collector is not None and not placeholder:
                self.key_collector.add(key)
        else:
            # Rule and matched text only: reports and baselines pair it with the path as they
            # spell it (repository- or baseline-relative), never with the working directory.
            print_fp = fingerprint(f"{rule.CODE}\0{identity or ''}")
            shown = None
        snippet, caret, width = self.snippet(start, end, shown)
        level = severity or self.config.severity_for(rule.CODE, rule.SEVERITY)
        if placeholder:
            level = Severity.INFO
        return Finding(
            code=rule.CODE,
            name=rule.NAME,
            message=self.masked(message),
            path=self.path,
            kind=self.kind,
            span=self.span(start, end),
            severity=level,
            fingerprint=print_fp,
            preview=shown or "",
            suggestion=self.masked(suggestion),
            snippet=snippet,
            snippet_caret=(caret, width),
            fix=fix,
            encoding=encoding,
            placeholder=placeholder,
            related=tuple(
                replace(r, path=self.masked(r.path), message=self.masked(r.message))
                for r in related
            ),
            has_key=key is not None,
            aliases=aliases,
        )


class RuleLike(Protocol):
    """The attributes of a rule class that building a finding needs."""

    @property
    def CODE(self) -> str: ...
    @property
    def NAME(self) -> str: ...
    @property
    def SEVERITY(self) -> Severity: ...


def _merged(masks: list[Mask]) -> list[Mask]:
    """`masks` ordered by start, overlapping ones made one (shown without a last-4 hint)."""
    out: list[Mask] = []
    for mask in sorted(masks, key=lambda m: (m.start, -m.end)):
        if out and mask.start < out[-1].end:
            last = out[-1]
            if mask.end > last.end:
                out[-1] = Mask(last.start, mask.end, CUT_KEY)
            continue
        out.append(mask)
    return out


def _put(pieces: list[str], piece: str) -> int:
    """Append `piece` to `pieces`; returns its length."""
    pieces.append(piece)
    return len(piece)
