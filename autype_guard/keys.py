"""The only home of what an Autype key looks like.

Autype accepts only keys with the ``ak_`` prefix and does not publish the body format,
so the body pattern is one documented, configurable default (``key-pattern``). This module
also knows the placeholders that are not secrets, how keys hide behind encodings, how to
redact a key for display and how to fingerprint it.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, Optional, Protocol

from .lazy_regex import lazy_compile
from .prefilter import Confirmation

PREFIX = "ak_"
# The documented default body: at least 16 URL-safe characters after the prefix.
DEFAULT_KEY_PATTERN = r"ak_[A-Za-z0-9_-]{16,}"
DEFAULT_ENV_VAR = "AUTYPE_API_KEY"
# The placeholder used in Autype's own documentation.
DOCS_PLACEHOLDER = "ak_your_api_key_here"
ROTATE_HINT = "rotate it in the Autype dashboard (Settings -> API Keys)"

# Bytes of which at least one must appear in a file for it to possibly hold a key in any
# spelling the scanners decode (a cheap prefilter run before decoding a file):
# - the prefix written plainly, "ak_";
# - "ak" closing a literal or opening a template hole, for keys joined from literals
#   (`['ak', '...'].join('_')`, `` `ak${'_...'}` ``; in a source map's JSON strings a double
#   quote is written `\"`);
# - the prefix with at least one of its characters escaped: then that character's escape
#   (%XX, \u00XX or \xXX, hex digits in either case) occurs;
# - the three base64 alignments of "ak_": "YWtf" (at a multiple of 3 bytes), "FrX" (one
#   byte after) and "ha18"/"ha19" (two bytes after: the last sextet also holds the top two
#   bits of the first body character, 00 or 01 for every character a key may contain).
# NOTE: keep this in step with the scanners: a spelling they decode whose bytes hold none of
# these markers would never be scanned.
PREFILTER_MARKERS: tuple[bytes, ...] = (
    b"ak_",
    b"ak'",
    b'ak"',
    b"ak`",
    b'ak\\"',
    b"ak${",
    *(
        esc + code
        for esc in (b"%", b"\\u00", b"\\x")
        for code in (b"61", b"6b", b"6B", b"5f", b"5F")
    ),
    b"YWtf",
    b"FrX",
    b"ha18",
    b"ha19",
    # Ruby word arrays that may be joined into a key: `%w[ak 3hQ9...].join("_")`.
    b"%w[ak ",
    b"%w(ak ",
    b"%W[ak ",
    b"%W(ak ",
)
# The markers of an escaped prefix character.
_ESCAPE_MARKERS = frozenset(
    m
    for m in PREFILTER_MARKERS
    if m.startswith((b"%", b"\\")) and not m.startswith(b"%w") and not m.startswith(b"%W")
)


def _may_start_key(data: bytes, start: int, end: int) -> bool:
    """A plain "ak_" at `start` starts a key only at a left boundary (`is_left_boundary`,
    here on the bytes: `peak_`, `break_` never do)."""
    if start == 0 or data[start - 1] not in _IDENT_BYTES:
        return True
    lo = max(0, start - 6)
    while lo > 0 and data[lo - 1] == 0x5C:  # the whole run of backslashes before the key
        lo -= 1
    before = data[lo:start].decode("latin-1")
    return _preceded_by_escape(before, len(before))


def _may_close_join_literal(data: bytes, start: int, end: int) -> bool:
    """An `ak'`-like marker at `start` (a literal closing on "ak") can start a joined key only
    where "ak" is not glued to an identifier before it (`"break"`, `'weak'` cannot), or
    follows a JSON escape (`\\nak\\"` in a source map's string)."""
    if start == 0 or data[start - 1] not in _GLUED_BYTES:
        return True
    if start >= 2 and data[start - 2] == 0x5C and data[start - 1] in b"nrtbf":
        return True
    return (
        start >= 6
        and data[start - 6 : start - 4] == b"\\u"
        and all(c in _HEX_BYTES for c in data[start - 4 : start])
    )


def _in_escaped_prefix(data: bytes, start: int, end: int) -> bool:
    """An escaped "a", "k" or "_" at data[start:end] can only matter inside a spelling of the
    whole prefix (`%61k_`, `a\\x6b\\x5f`)."""
    hi = min(len(data), end + _PREFIX_REACH)
    m = _ENCODED_PREFIX_BYTES.search(data, max(0, start - _PREFIX_REACH), hi)
    while m is not None and m.start() <= start:
        if m.end() >= end:
            return True
        m = _ENCODED_PREFIX_BYTES.search(data, m.start() + 1, hi)
    return False


# Bytes that glue "ak" to what comes before it (see `scanners.script._HEAD`).
_GLUED_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$-")
_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")
_IDENT_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _base64_key_may_follow(data: bytes, start: int, end: int) -> bool:
    """A base64 marker (the encoded "ak_") at data[start:end] is only part of a default key
    when the base64 around it, decoded at the alignment the marker implies, is "ak_" and 16
    key characters. In a source map's raw JSON an escape may split the run ("\\/"): kept."""
    lead, skip = _BASE64_ALIGNMENT[data[start:end]]
    group = start - lead
    if group < 0:
        return False
    if b"\\" in data[group : group + 40]:
        return True
    run = _BASE64_CHARS.match(data, group, group + 28)
    chars = run.group() if run is not None else b""
    chars = chars[: len(chars) - 1] if len(chars) % 4 == 1 else chars
    try:
        decoded = binascii.a2b_base64(chars.translate(_URLSAFE) + b"=" * (-len(chars) % 4))
    except (binascii.Error, ValueError):
        return False
    key = decoded[skip : skip + 19]
    return len(key) == 19 and key[:3] == b"ak_" and all(c in _KEY_BYTES for c in key[3:])


# Per base64 marker: how many characters of its 4-character group come before it, and how
# many decoded bytes of that group come before "ak_" (see `PREFILTER_MARKERS`).
_BASE64_ALIGNMENT = {b"YWtf": (0, 0), b"FrX": (2, 1), b"ha18": (3, 2), b"ha19": (3, 2)}
_BASE64_CHARS = lazy_compile(rb"[A-Za-z0-9+/_-]*")
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_KEY_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def marker_confirmations(key_pattern: str) -> dict[bytes, Confirmation]:
    """What the prefilter checks around each occurrence of these markers before counting it
    (see `prefilter.Prefilter`). The base64 check assumes the default body length."""
    confirm: dict[bytes, Confirmation] = {
        m: _may_close_join_literal for m in PREFILTER_MARKERS if m[:2] == b"ak" and m != b"ak_"
    }
    confirm[b"ak_"] = _may_start_key
    confirm.update((m, _in_escaped_prefix) for m in _ESCAPE_MARKERS)
    if key_pattern == DEFAULT_KEY_PATTERN:
        confirm.update((m, _base64_key_may_follow) for m in (b"YWtf", b"FrX", b"ha18", b"ha19"))
    return confirm


_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class KeyHit:
    """A key found in text: character offsets of its (possibly encoded) spelling."""

    start: int
    end: int
    key: str  # the decoded key; never leaves the scanner unredacted
    encoding: str = ""  # "", "url", "escape" or "base64"


def redact(key: str) -> str:
    """Return the display form of a key: the prefix, an ellipsis and the last 4 characters."""
    return f"{PREFIX}…{key[-4:]}" if len(key) > len(PREFIX) + 4 else f"{PREFIX}…"


# What a key cut by an edge of the visible text shows: its true last characters are unknown.
CUT_KEY = f"{PREFIX}…"
# Characters keys are spelled with, plainly or encoded (escapes, URL encoding, base64): a
# run of them that an edge cuts may hold part of a key.
_SPELLING_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-%\\+/="
)
_BASE64_PREFIX = lazy_compile(r"YWtf|FrX|ha1[89]")


@dataclass(frozen=True)
class Mask:
    """Text to show in place of text[start:end]."""

    start: int
    end: int
    shown: str


def key_masks(
    text: str, lo: int, hi: int, matcher: KeyMatcher, *, cut_lo: bool, cut_hi: bool
) -> list[Mask]:
    """What to show instead of the keys in text[lo:hi], ordered by start.

    Every key the matcher finds is redacted whole; its last 4 characters are shown only when
    its true end is known. A run of key-spelling characters that touches an edge of the
    range beyond which the text goes on unseen (`cut_lo`, `cut_hi`: a window, chunk or
    truncation edge) may be part of a key whose rest lies beyond: it is masked whole, as
    `CUT_KEY` when it holds a prefix spelling and as an ellipsis otherwise.
    """
    edges: list[Mask] = []
    head = lo
    while head < hi and text[head] in _SPELLING_CHARS:
        head += 1
    if head == hi and (cut_lo or cut_hi) and hi > lo:
        edges.append(mask_run(text, lo, hi))  # one run fills the range
    else:
        if cut_lo and head > lo:
            edges.append(mask_run(text, lo, head))
        tail = hi
        while tail > head and text[tail - 1] in _SPELLING_CHARS:
            tail -= 1
        if cut_hi and tail < hi:
            edges.append(mask_run(text, tail, hi))
    out = list(edges)
    for hit in matcher.find(text[lo:hi]):
        start, end = lo + hit.start, lo + hit.end
        if any(e.start < end and start < e.end for e in edges):
            continue
        true_end = end < hi or not cut_hi
        if true_end and (start > lo or not cut_lo) and is_builtin_placeholder(hit.key):
            continue  # no secret: shown as written
        out.append(Mask(start, end, redact(hit.key) if true_end else CUT_KEY))
    out.sort(key=lambda m: m.start)
    return out


def mask_run(text: str, start: int, end: int) -> Mask:
    """Mask text[start:end], a run that may hold part of a key."""
    run = text[start:end]
    prefix = PREFIX in run or _ENCODED_PREFIX.search(run) or _BASE64_PREFIX.search(run)
    return Mask(start, end, CUT_KEY if prefix else "…")


def fingerprint(key: str) -> str:
    """SHA-256 of the key, hex: identifies a key across runs without storing it."""
    import hashlib  # start-up time: only files with findings need it

    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def has_marker(data: bytes) -> bool:
    """True when `data` may hold a key in some spelling; False means it certainly does not."""
    return any(marker in data for marker in PREFILTER_MARKERS)


def _preceded_by_escape(text: str, i: int) -> bool:
    """True when the identifier character before `i` ends an escape sequence.

    `\\nak_...` inside a JSON string and `%3Dak_...` in an encoded URL start a key;
    `peak_...` does not.
    """
    if i >= 2 and text[i - 2] == "\\" and text[i - 1] in "ntrbfv0":
        # `\nak_`, and `\\nak_` in JSON inside JSON (a HAR capture's postData): after one
        # more round of decoding both are a line break before the key.
        return True
    if i >= 2 and text[i - 2] == "\\":
        backslashes = 0
        j = i - 2
        while j >= 0 and text[j] == "\\":
            backslashes += 1
            j -= 1
        return backslashes % 2 == 1
    if i >= 3 and text[i - 3] == "%" and text[i - 2] in _HEX and text[i - 1] in _HEX:
        return True
    if i >= 6 and text[i - 6 : i - 4] == "\\u" and all(c in _HEX for c in text[i - 4 : i]):
        return True
    return i >= 4 and text[i - 4 : i - 2] == "\\x" and all(c in _HEX for c in text[i - 2 : i])


def is_left_boundary(text: str, i: int) -> bool:
    """True when a key may start at offset `i`: not glued to a preceding identifier."""
    return i == 0 or text[i - 1] not in _IDENT_CHARS or _preceded_by_escape(text, i)


# The prefix "ak_" with any of its characters written as a %XX, \u00XX or \xXX escape.
_PREFIX_SPELLINGS = (
    r"(?:a|%61|\\u0061|\\x61)(?:k|%6[bB]|\\u006[bB]|\\x6[bB])(?:_|%5[fF]|\\u005[fF]|\\x5[fF])"
)
# One key character, plain or written as a %XX, \uXXXX or \xXX escape.
_BODY_UNIT = r"(?:[A-Za-z0-9_-]|%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})"
# Matches "ak_" and a key body where any character may be written as a %XX, \uXXXX or
# \xXX escape. Each alternative starts with a distinct character, so matching is linear.
_ENCODED_KEY = lazy_compile(_PREFIX_SPELLINGS + _BODY_UNIT + "+")
_ENCODED_PREFIX = lazy_compile(_PREFIX_SPELLINGS)
_ENCODED_PREFIX_BYTES = lazy_compile(_PREFIX_SPELLINGS.encode("ascii"))
# A plain "ak_" and a key body holding at least one escape (the first after plain characters).
_PLAIN_PREFIX_ESCAPED_KEY = lazy_compile(
    r"ak_[A-Za-z0-9_-]*(?:%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})" + _BODY_UNIT + "*"
)
# The prefix in any spelling and as many key characters (in any spelling) as follow.
_ENCODED_KEY_START = lazy_compile(_PREFIX_SPELLINGS + _BODY_UNIT + "*")
# Key characters in any spelling, as many as follow: after a plain "ak_" and up to a quote,
# how a string literal ends in the start of a key.
_BODY_RUN = lazy_compile(_BODY_UNIT + "*")
# What joins a string literal, after its closing quote, to the next: spaces, line
# continuations, comments and closing parentheses, then `+` or another literal's opening
# quote (after a Python string prefix such as f or rb).
# A comment counts only with its line end: `#[^\n]*` alone could split a run of `#` in
# exponentially many ways before failing.
_JOINED_TO_NEXT = lazy_compile(r"""(?:\s|\\\n|#[^\n]*\n|\))*(?:\+|[rRbBuUfF]{0,2}["'])""")
# The longest spelling of two prefix characters (two \u00XX escapes): an escaped prefix
# character at offset q means the prefix starts at most this far before q.
_PREFIX_REACH = 12
# An escaped "a", "k" or "_" written with % or with a backslash. Two patterns, each starting
# with one literal character, so the regex engine skips ahead to the next "%" or backslash.
_PERCENT_ESCAPE = lazy_compile(r"%(?:6[1bB]|5[fF])")
_BACKSLASH_ESCAPE = lazy_compile(r"\\(?:u00|x)(?:6[1bB]|5[fF])")
# Percent, \u00 and \x escapes inside an encoded key (the only ones `_BODY_UNIT` allows).
_ESCAPE = lazy_compile(r"%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2}")
# Every spelling `_ESCAPE` matches -> the character it stands for.
_ESCAPED_CHAR = {
    f"{lead}{hi}{lo}": chr(int(hi + lo, 16))
    for lead in ("%", "\\u00", "\\x")
    for hi in "0123456789abcdefABCDEF"
    for lo in "0123456789abcdefABCDEF"
}
# A run of base64 (standard or URL-safe alphabet) long enough to hold a key.
_BASE64_RUN = lazy_compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
# The characters of such a run: a run starts after none of them.
_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
# The last character before a run of base64 that reaches the end of the searched range:
# finds where the run around a marker starts, scanning each character once.
_BEFORE_BASE64_TAIL = lazy_compile(r"[^A-Za-z0-9+/_-](?=[A-Za-z0-9+/_-]*\Z)")
# The base64 markers, each found by a pattern that starts at its rarest character (so the
# regex engine's literal scan skips ahead) and checks the rest around it; the number is how
# far the marker starts before the match, and which `PREFILTER_MARKERS` it stands for.
_BASE64_MARKER_SEARCH = (
    (re.compile(r"Wtf(?<=YWtf)"), 1, frozenset({b"YWtf"})),
    (re.compile(r"X(?<=FrX)"), 2, frozenset({b"FrX"})),
    (re.compile(r"1[89](?<=ha1[89])"), 2, frozenset({b"ha18", b"ha19"})),
)


def _unescape(raw: str) -> str:
    # The stretches between escapes and the escapes, each found in one pass in C, then
    # interleaved: no Python call per escape (a `sub` callback cost ten times more on a
    # megabyte of escapes).
    literals = _ESCAPE.split(raw)
    if len(literals) == 1:
        return raw
    pieces = [""] * (2 * len(literals) - 1)
    pieces[::2] = literals
    pieces[1::2] = map(_ESCAPED_CHAR.__getitem__, _ESCAPE.findall(raw))
    return "".join(pieces)


def _find_all(text: str, needle: str) -> Iterator[int]:
    i = text.find(needle)
    while i != -1:
        yield i
        i = text.find(needle, i + 1)


# --- compiling the key pattern ------------------------------------------------------------


class KeyMatch(Protocol):
    """What the scanners use of a match: code-point offsets into the text and the key."""

    def start(self) -> int: ...

    def end(self) -> int: ...

    def group(self) -> str: ...


class KeyPattern(Protocol):
    """A compiled key pattern, whichever engine compiled it (see `compile_key_pattern`)."""

    def finditer(self, text: str, /) -> Iterator[KeyMatch]: ...

    def match(self, text: str, pos: int = 0, /) -> Optional[KeyMatch]: ...

    def fullmatch(self, text: str, /) -> Optional[KeyMatch]: ...


class KeyPatternError(ValueError):
    """A `key-pattern` that cannot be run in linear time; the message says why, as a
    predicate of the pattern (`"is not a valid regex: ..."`)."""


# Without RE2 a custom pattern must have the default's shape: the prefix, one character
# class and a count. `re` runs that without backtracking: a match attempt reads one run of
# class characters, so a failed attempt costs at most the minimum count (hence its cap).
_SIMPLE_PATTERN = lazy_compile(r"ak_\[(?:[^\\\[\]]|\\.)+\]\{([0-9]+)(?:,[0-9]*)?\}")
_SIMPLE_MAX_MIN_COUNT = 256
_SIMPLE_SHAPE = (
    "the prefix, one character class and a count, such as ak_[A-Za-z0-9_-]{16,}, "
    f"ak_[a-f0-9]{{32}} or ak_[A-Za-z0-9]{{20,64}} (minimum at most {_SIMPLE_MAX_MIN_COUNT})"
)
# What RE2 reads (UTF-8) cannot hold a lone surrogate, which decoded escapes may yield.
_LONE_SURROGATE = lazy_compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _re2_module() -> Any:
    """The `re2` module of google-re2, or None where it is not installed (no wheel for the
    platform: see pyproject.toml). Imported on first use: only custom patterns need it."""
    try:
        import re2
    except ImportError:  # pragma: no cover - platforms without a google-re2 wheel
        return None
    return re2


def have_re2() -> bool:
    """True when custom key patterns are compiled with RE2 (any pattern then runs in linear
    time); False when only the simple shape is accepted."""
    return _re2_module() is not None


def compile_key_pattern(pattern: str) -> KeyPattern:
    """Compile a `key-pattern` so that searching text with it takes time linear in the text.

    The default pattern is compiled with `re` (it is linear, and the fast paths are tuned to
    it). Any other pattern, which a repository's config controls, is compiled with RE2,
    which never backtracks; where RE2 is not installed, only the simple shape of the default
    is accepted. Offsets of matches are code points of the text either way. Raises
    KeyPatternError with a one-line reason otherwise.
    """
    if pattern == DEFAULT_KEY_PATTERN:
        return re.compile(pattern)
    re2 = _re2_module()
    if re2 is None:
        return _compile_simple(pattern)
    options = re2.Options()
    options.log_errors = False  # RE2 would print the error to stderr as well
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = reason.replace("\r", "\\r").replace("\n", "\\n")  # it quotes the pattern
        hint = ""
        if reason.startswith(("invalid perl operator", "invalid escape", "bad repetition op")):
            hint = " (RE2 has no lookarounds, backreferences, atomic groups or possessive counts)"
        raise KeyPatternError(f"is not a valid regex for RE2: {reason}{hint}") from None
    return _Re2Pattern(compiled)


def _compile_simple(pattern: str) -> KeyPattern:
    """`re.compile(pattern)` if it has the simple shape (see `_SIMPLE_PATTERN`)."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise KeyPatternError(f"is not a valid regex: {exc}") from None
    shape = _SIMPLE_PATTERN.fullmatch(pattern)
    if shape is None or int(shape.group(1)) > _SIMPLE_MAX_MIN_COUNT:
        raise KeyPatternError(
            f"must be {_SIMPLE_SHAPE} where RE2 is not installed (pip install google-re2)"
        )
    return compiled


class _Re2Pattern:
    """A pattern compiled with RE2. The google-re2 wrapper encodes text to UTF-8 and gives
    back code-point offsets into the text as passed."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def finditer(self, text: str, /) -> Iterator[KeyMatch]:
        matches: Iterator[KeyMatch] = self._compiled.finditer(_encodable(text))
        return matches

    def match(self, text: str, pos: int = 0, /) -> Optional[KeyMatch]:
        m: Optional[KeyMatch] = self._compiled.match(_encodable(text), pos)
        return m

    def fullmatch(self, text: str, /) -> Optional[KeyMatch]:
        m: Optional[KeyMatch] = self._compiled.fullmatch(_encodable(text))
        return m


def _encodable(text: str) -> str:
    """`text`, with each lone surrogate read as U+FFFD (one code point for one: offsets
    stay those of `text`)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


class KeyMatcher:
    """Finds keys in text with one compiled pattern; linear in the length of the text."""

    def __init__(self, pattern: str = DEFAULT_KEY_PATTERN) -> None:
        self.source = pattern
        self.pattern: KeyPattern = compile_key_pattern(pattern)

    def find(self, text: str, present: Optional[Collection[bytes]] = None) -> Iterator[KeyHit]:
        """Yield every key in `text`, plain or encoded, ordered by start offset.

        `present`, when given, holds the `PREFILTER_MARKERS` that occur in the text (as
        UTF-8): spellings whose markers are absent are not searched for, which saves whole
        passes over large texts. Never raises on odd input; a hit's offsets cover the text as
        written.
        """
        plain = present is None or b"ak_" in present
        hits: dict[int, KeyHit] = {}
        if plain:
            for m in self.pattern.finditer(text):
                if is_left_boundary(text, m.start()):
                    hits[m.start()] = KeyHit(m.start(), m.end(), m.group())
        if "%" in text or "\\" in text:
            prefix_escape = None if present is None else not _ESCAPE_MARKERS.isdisjoint(present)
            for hit in self._find_escaped(text, plain, prefix_escape):
                old = hits.get(hit.start)
                if old is None or hit.end > old.end:
                    hits[hit.start] = hit
        for hit in self._find_base64(text, present):
            hits.setdefault(hit.start, hit)
        yield from (hits[k] for k in sorted(hits))

    def key_at(
        self,
        text: str,
        start: int,
        end: int,
        encoding: str = "",
        pieces: Sequence[tuple[int, int]] = (),
    ) -> Optional[str]:
        """The key a scanner found written at [start, end) of `text`, spelled as `encoding`
        says (a `KeyHit.encoding`, or "joined": then spelled by the text of `pieces`, in
        order), read back from there alone; None when that range no longer holds a whole
        key so spelled. Never searches the rest of the text."""
        if not 0 <= start < end <= len(text):
            return None
        if encoding == "joined":
            if not pieces or any(not 0 <= a < b <= len(text) for a, b in pieces):
                return None
            joined = "".join(text[a:b] for a, b in pieces)
            return joined if self.pattern.fullmatch(joined) else None
        if encoding == "base64":
            run = _BASE64_RUN.match(text, start)
            if run is None or run.end() != end or (start and text[start - 1] in _BASE64_ALPHABET):
                return None  # not the whole run the scanner decoded
            decoded = _b64decode(run.group()) or ""
            for found in self.pattern.finditer(decoded):
                if is_left_boundary(decoded, found.start()):
                    return found.group()
            return None
        if not is_left_boundary(text, start):
            return None
        if encoding in ("url", "escape"):
            written = _ENCODED_KEY.match(text, start)
            if written is None or written.end() != end:
                return None
            km = self.pattern.match(_unescape(written.group()))
            return km.group() if km is not None else None
        plain = self.pattern.match(text, start)
        return plain.group() if plain is not None and plain.end() == end else None

    def restricted_to(self, text: str, present: Collection[bytes]) -> KeyMatcher:
        """This matcher, told which markers occur in `text`: `find(text)` on that very
        string object passes them on (see `find`); any other string is searched in full
        (the Python scanner also searches joined literal values, which may spell a key
        whose markers the raw text does not hold)."""
        return _RestrictedMatcher(self, text, frozenset(present))

    def _find_escaped(
        self, text: str, plain: bool = True, prefix_escape: Optional[bool] = None
    ) -> Iterator[KeyHit]:
        # The matches of `_ENCODED_KEY.finditer(text)`: one pass of the regex engine, which
        # skips ahead to the next "a", "%" or backslash, then one decode per match; matches
        # never overlap, so the work is linear in the text whatever the density of escapes
        # and near misses.
        #
        # Most texts have no escaped prefix character; then every match starts with a plain
        # "ak_", and the matches that hold an escape are those of one regex that the
        # engine's literal scan for "ak_" finds (a run from an earlier "ak_" without escapes
        # covers later ones only when they have none either).
        if prefix_escape is None:
            prefix_escape = _has_prefix_escape(text)
        if not prefix_escape:
            matches: Iterable[re.Match[str]] = (
                _PLAIN_PREFIX_ESCAPED_KEY.finditer(text) if plain else ()
            )
        else:
            matches = _ENCODED_KEY.finditer(text)
        for m in matches:
            raw = m.group()
            if "%" not in raw and "\\" not in raw:
                continue
            if not is_left_boundary(text, m.start()):
                continue
            decoded = _unescape(raw)
            km = self.pattern.match(decoded)
            if km is None:
                continue
            encoding = "url" if "%" in raw else "escape"
            yield KeyHit(m.start(), m.end(), km.group(), encoding)

    def has_open_key_start(self, text: str) -> bool:
        """True when a string literal in `text` ends in what may be the start of a key and
        is joined to what follows.

        That is a prefix in any spelling, not glued to a preceding identifier, then only key
        characters up to a quote, then `+` or another literal: a key split across literals
        (`"ak_3hQ9" "xLr2..."`) starts so. Decides whether the Python scanner needs to parse
        a file to join literals; `{'ak_gh': 'ak_GH.UTF-8'}` (a locale table) does not.
        Also true when such a literal may be one operand of an expression that assembles a
        key (see `_may_assemble_key`).
        """
        if "ak" in text and _may_assemble_key(text):
            return True
        # Quick no: without an escaped prefix character, a start needs "ak_", key
        # characters and a quote.
        if not _has_plain_key_start_quote(text) and not _has_prefix_escape(text):
            return False
        # A start inside the run of key characters of an earlier start ends where that run
        # does (prefix characters are key characters too), so each run is matched once:
        # `xak_xak_xak_...` costs linear time, not quadratic.
        run_end = -1
        joined = False
        for s in _prefix_starts(text):
            if s >= run_end:
                m = _ENCODED_KEY_START.match(text, s)
                if m is None:
                    continue
                run_end = m.end()
                joined = (
                    text[run_end : run_end + 1] in ("'", '"')
                    and _JOINED_TO_NEXT.match(text, run_end + 1) is not None
                )
            if joined and is_left_boundary(text, s):
                return True
        return False

    def _find_base64(
        self, text: str, present: Optional[Collection[bytes]] = None
    ) -> Iterator[KeyHit]:
        # Same hits as checking every `_BASE64_RUN` match for a marker, but only the runs
        # around a marker are looked at: a match is a maximal run of base64 characters (24 or
        # more, plus padding), so the run around a marker is found by scanning left from it.
        markers = sorted(
            m.start() - back
            for search, back, needs in _BASE64_MARKER_SEARCH
            if present is None or not needs.isdisjoint(present)
            for m in search.finditer(text)
        )
        done = -1
        for q in markers:
            if q < done:
                continue
            start = _base64_run_start(text, q)
            m = _BASE64_RUN.match(text, start)
            if m is None:
                done = q + 1
                continue
            done = m.end()
            run = m.group()
            decoded = _b64decode(run)
            if decoded is None:
                continue
            for km in self.pattern.finditer(decoded):
                if is_left_boundary(decoded, km.start()):
                    yield KeyHit(m.start(), m.end(), km.group(), "base64")
                    break


# A literal that may take part in assembling a key (the Python scanner's constant
# evaluator): `"ak"` or `"ak_..."` closed and followed by what continues an expression or
# ends a statement (`,` `)` `]` `+` `.` `%` `;` a comment or the line end: `PREFIX = "ak_"`,
# `["ak", ...]`, `"ak_".format`), or `"ak_` followed by a format slot (`"ak_%s"`,
# `"ak_{}"`, `f"ak_{body}"`). Not a dict key (`'ak_gh': ...`). "ak" is not glued to what
# comes before it (any letter: `"Działak"` is a word), so each run of key characters is
# tried once: linear.
_ASSEMBLY_HEAD = lazy_compile(
    r"""ak(?<![\w$-]ak)(?P<run>_[A-Za-z0-9_-]*)?"""
    r"""(?:["'][ \t]*(?P<next>[,)\]+.%;#\r\n]|\Z)|%|\{)"""
)
# A bare `"ak"` in a list, a call or a statement of its own (`["ak", body]`, `("ak", body)`,
# `PREFIX = "ak"`) only assembles a key with an underscore from a literal: a separator near it
# (`"_".join(...)`, `"%s_%s" % (...)`, `"{}_{}".format(...)`, `PREFIX + "_" + body`) or,
# anywhere in the file, a literal that starts with `_` and holds a key's worth of key
# characters (`BODY = "_3hQ9..."`). Without either (a list of syllables, a stemmer's suffix
# table) there is nothing to assemble.
_UNDERSCORE_SEPARATOR = lazy_compile(r"""["']_["']|_%|_\{""")
_UNDERSCORE_REACH = 300
_UNDERSCORE_BODY = lazy_compile(r"""["']_[A-Za-z0-9_-]{15,}["']""")


def _may_assemble_key(text: str) -> bool:
    """Whether a literal in `text` may be one operand of an expression assembling a key
    (see `_ASSEMBLY_HEAD` and `_UNDERSCORE_SEPARATOR`)."""
    bodies: Optional[bool] = None  # whether the file has a literal `_` + key characters
    for m in _ASSEMBLY_HEAD.finditer(text):
        follower = m.group("next")
        if m.group("run") or follower is None or follower in "+.%":
            return True
        lo, hi = max(0, m.start() - _UNDERSCORE_REACH), m.end() + _UNDERSCORE_REACH
        if _UNDERSCORE_SEPARATOR.search(text, lo, hi) is not None:
            return True
        if bodies is None:
            bodies = _UNDERSCORE_BODY.search(text) is not None
        if bodies:
            return True
    return False


def _has_plain_key_start_quote(text: str) -> bool:
    """True when a plain "ak_" and key characters (in any spelling) end at a quote; each run
    of key characters is looked at once (see `KeyMatcher.has_open_key_start`)."""
    i = text.find("ak_")
    while i != -1:
        run = _BODY_RUN.match(text, i + 3)
        end = run.end() if run is not None else i + 3
        if text[end : end + 1] in ("'", '"'):
            return True
        i = text.find("ak_", end)
    return False


def _has_prefix_escape(text: str) -> bool:
    return ("%" in text and _PERCENT_ESCAPE.search(text) is not None) or (
        "\\" in text and _BACKSLASH_ESCAPE.search(text) is not None
    )


def _prefix_starts(text: str, plain: bool = True) -> list[int]:
    """Sorted offsets where a prefix spelling starts: plain "ak_" (unless `plain` is False:
    the caller knows there is none), and every spelling with an escaped character."""
    if not _has_prefix_escape(text):
        return list(_find_all(text, "ak_")) if plain else []
    # Two prefix spellings never overlap (only the first character of one can spell "a",
    # and an escape spells one character), so one pass of `finditer` finds them all, each
    # character read once by the regex engine, however dense the escapes. (Trying each
    # offset within reach before every escape cost a dozen matches per escape.)
    return [m.start() for m in _ENCODED_PREFIX.finditer(text)]


def _base64_run_start(text: str, q: int) -> int:
    """The offset where the run of base64 characters holding offset `q` starts."""
    width = 256
    while True:
        lo = max(0, q - width)
        m = _BEFORE_BASE64_TAIL.search(text, lo, q)
        if m is not None:
            return m.end()
        if lo == 0:
            return 0
        width *= 4


class _RestrictedMatcher(KeyMatcher):
    """See `KeyMatcher.restricted_to`."""

    def __init__(self, base: KeyMatcher, text: str, present: frozenset[bytes]) -> None:
        self.source = base.source
        self.pattern = base.pattern
        self._text = text
        self._present = present

    def find(self, text: str, present: Optional[Collection[bytes]] = None) -> Iterator[KeyHit]:
        if present is None and text is self._text:
            present = self._present
        return super().find(text, present)


def _b64decode(run: str) -> Optional[str]:
    import base64  # only ever needed for the rare run that holds a marker

    body = run.rstrip("=")
    body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("latin-1")


# --- telling real keys from placeholders -------------------------------------------------

# Words that mark a value as a stand-in, matched in lower or upper case inside the body.
_PLACEHOLDER_WORDS = (
    "your",
    "example",
    "sample",
    "placeholder",
    "dummy",
    "fake",
    "changeme",
    "replace",
    "redacted",
    "insert",
    "todo",
    "test",
    "demo",
    "mock",
    "xxxx",
    "here",
)
# A body chunk between "_"/"-" separators that reads like a version tag: "v2", "01".
_VERSION_TOKEN = lazy_compile(r"[A-Za-z]?[0-9]{1,4}")
# Abbreviations without a vowel that identifiers are made of: `ak_pdf_export_clicked`,
# `ak_html_css_json_xml_parser`, `ak_PdfRenderQueue`. Random key bodies never split into
# nothing but these and real words.
_ABBREVIATIONS = frozenset(
    [
        "pdf",
        "csv",
        "tsv",
        "html",
        "htm",
        "xml",
        "css",
        "scss",
        "js",
        "ts",
        "jsx",
        "tsx",
        "sql",
        "db",
        "http",
        "https",
        "tcp",
        "udp",
        "dns",
        "cdn",
        "ssl",
        "tls",
        "ssh",
        "ftp",
        "sftp",
        "smtp",
        "svg",
        "png",
        "jpg",
        "gif",
        "bmp",
        "rtf",
        "pptx",
        "xlsx",
        "crm",
        "cms",
        "sdk",
        "jwt",
        "rpc",
        "grpc",
        "rbac",
        "gcp",
        "gke",
        "btn",
        "hdr",
        "lbl",
        "src",
        "dst",
        "pkg",
        "cmd",
        "ctx",
        "cnt",
        "msg",
        "cfg",
        "tmp",
        "txt",
        "pwd",
        "fn",
        "cb",
        "qr",
        "ms",
        "ns",
        "kb",
        "mb",
        "gb",
        "tz",
        "vm",
        "mq",
        "mgmt",
        "std",
        "lng",
        "lat",
        "px",
        "pt",
        "ttl",
        "secs",
        "cnf",
        "conn",
        "conns",
        "env",
        "evt",
        "req",
        "res",
        "resp",
        "idx",
        "lvl",
        "sig",
        "seq",
        "rps",
        "qps",
        "dlq",
        "img",
        "bg",
        "fg",
        "gw",
        "dn",
        "ws",
        "pg",
        "utc",
        "id",
        "ids",
        "uri",
        "url",
        "attr",
        "attrs",
        "sync",
        "pct",
        "gcs",
    ]
)
# Splits an identifier-like chunk into camelCase words, acronyms and digit runs.
_CAMEL_PART = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_VOWELS = frozenset("aeiouyAEIOUY")
# Characters that only occur in template holes or masks, never in a key body.
_HOLE_CHARS = frozenset("${}<>%*.")


def _is_word(part: str) -> bool:
    if part.isdigit():
        return False
    if len(part) == 1:
        return part in ("a", "A", "I")  # `ak_this_is_not_a_real_key`
    return any(c in _VOWELS for c in part) or part.lower() in _ABBREVIATIONS


# A camelCase version suffix: one capital and a digit run, `JobV2`, `CfgV10`.
_CAMEL_VERSION = lazy_compile(r"[A-Z][0-9]{1,3}")


def _reads_as_words(body: str) -> bool:
    parts: list[str] = []
    for chunk in re.split(r"[_-]+", body):
        if not chunk or _VERSION_TOKEN.fullmatch(chunk):
            continue
        found = _CAMEL_PART.findall(chunk)
        if "".join(found) != chunk:
            return False
        parts.extend(_join_versions(found))
    if not parts:
        return True
    # One long lowercase run is more likely random than a 16-letter word.
    return len(parts) >= 2 and all(
        _is_word(p) or _CAMEL_VERSION.fullmatch(p) is not None for p in parts
    )


def _join_versions(parts: list[str]) -> list[str]:
    """camelCase parts with a lone capital and its digit run joined (`V`, `2` -> `V2`) after
    three words, where they end the chunk (`InvoiceBatchJobV2`) or, for a `V` and at most two
    digits, a capitalised word follows (`tmpCfgV2TtlMs`)."""
    out: list[str] = []
    for i, part in enumerate(parts):
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if (
            part.isdigit()
            and len(out) >= 3
            and len(out[-1]) == 1
            and out[-1].isupper()
            and (not nxt or (out[-1] == "V" and len(part) <= 2 and len(nxt) >= 3 and nxt.istitle()))
        ):
            out[-1] += part
        else:
            out.append(part)
    return out


# One chunk of a snake_case (or kebab-case, SCREAMING_CASE) identifier, lowercased: a word
# or abbreviation with an optional number (`lookup`, `ttl`, `v2`, `oauth2`, `step3`), a
# number (`20250101`), possibly with a unit (`2024q3`, `1024mb`, `30s`) or a numeronym
# (`k8s`, `i18n`, `a3b`).
_SNAKE_CHUNK = lazy_compile(
    r"(?P<word>[a-z]+)(?P<version>[0-9]{1,4})?|(?P<number>[0-9]+)(?P<unit>[a-z]{1,2}[0-9]{0,2})?"
    r"|[a-z][0-9]{1,2}[a-z]"
)
# A run of letters that cannot be a word or an abbreviation: five consonants in a row.
_CONSONANT_RUN = lazy_compile(r"[b-df-hj-np-tv-xz]{5}")


def _reads_as_snake_identifier(body: str) -> bool:
    """True for a body made of three or more `_`/`-`-separated chunks in one case (all
    lower or all upper), each a word, an abbreviation, a number or a numeronym (see
    `_SNAKE_CHUNK`), none a run of 3 or more letters that is neither a known abbreviation
    nor pronounceable (a vowel, no five consonants in a row, at most 14 letters), and at
    least one the mark of a hand-made name: a known abbreviation, a version (`v3`), a
    number (with a known unit), or a numeronym: `org_id_lookup_ttl_secs`,
    `v3_backfill_20250101_job`, `tmp_cfg_v2_ttl_ms`. (Names of words alone are
    `_reads_as_words`'.)

    NOTE: a random base62 body almost never has three chunks in one case, and random
    lowercase chunks rarely keep digits at their ends only; `bench/classifier_fn_rate.py`
    measures how often random bodies pass anyway.
    """
    if body != body.lower() and body != body.upper():
        return False
    # One separator throughout, never doubled, never at an end: `a_b_c` or `a-b-c`.
    separator = "_" if "_" in body else "-"
    chunks = body.lower().split(separator)
    if len(chunks) < 3 or "" in chunks or ("-" in body and "_" in body):
        return False
    marks = 0
    odd = 0  # short chunks that are neither known nor a number: `w` in `img_thumb_w_px`
    for i, chunk in enumerate(chunks):
        m = _SNAKE_CHUNK.fullmatch(chunk)
        if m is None:
            return False
        word, number, unit = m.group("word"), m.group("number"), m.group("unit")
        if number is not None:
            if unit is not None and len(number) < 4 and unit.rstrip("0123456789") not in _UNITS:
                return False
            marks += 1
        elif word is None:
            marks += 1  # a numeronym
        elif (
            word in _ABBREVIATIONS
            or (word == "v" and m.group("version"))
            or (word in _UNITS and i == len(chunks) - 1)
        ):
            marks += 1
        elif len(word) < 3:
            odd += 1
        elif len(word) > 14 or not any(c in _VOWELS for c in word) or _CONSONANT_RUN.search(word):
            return False
    return marks >= 1 and odd <= 1


# Units after a number in an identifier: `30s`, `500ms`, `1024mb`, `3d`, `2024q3`.
_UNITS = frozenset({"s", "ms", "us", "ns", "m", "h", "d", "w", "y", "q", "kb", "mb", "gb", "px"})


def _repeats_a_short_period(compact: str) -> bool:
    """True when most of the body repeats one short unit: `c0ffeec0ffeec0ffee`,
    `abcdabcdabcdabcd`, `live_badf00dbadf00dbadf00d`: a stretch where each character equals
    the one `p` places before (p up to 12), covering at least 12 characters and three
    quarters of the body, with the unit (and at least 8 characters) repeated whole. A random
    body holds no such stretch: each repeated character matches with a chance of 1 in 16 at
    most (hex), so 8 in a row come up about once in 4 billion."""
    n = len(compact)
    need = max(12, (3 * n + 3) // 4)
    for p in range(1, min(12, n // 2) + 1):
        least = max(need - p, p, 8)
        run = 0
        for i in range(p, n):
            run = run + 1 if compact[i] == compact[i - p] else 0
            if run >= least:
                return True
    return False


def _longest_run(body: str) -> int:
    best = run = 1
    for a, b in pairwise(body):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def _has_sequence(body: str, length: int = 6) -> bool:
    run = 1
    for a, b in pairwise(body):
        run = run + 1 if ord(b) - ord(a) == 1 else 1
        if run >= length:
            return True
    return False


def _has_placeholder_word(body: str, word: str) -> bool:
    """Whether `word` (lower or upper case) occurs in `body` other than by chance inside a
    random run: an occurrence strictly inside a `_`/`-`-separated chunk whose other
    characters (at least 12) mix upper case, lower case and digits, as in
    `yW7KhwPtestTxP3HnDWwGK`, does not count; `test_3hQ9xLr2Vt8m`, `TEST3hQ9xLr2Vt8mW1`,
    `my_test_key` and `testkey` do."""
    for spelling in (word, word.upper()):
        i = body.find(spelling)
        while i != -1:
            if not _inside_random_run(body, i, i + len(spelling)):
                return True
            i = body.find(spelling, i + 1)
    return False


def _inside_random_run(body: str, start: int, end: int) -> bool:
    chunk_start = max(body.rfind("_", 0, start), body.rfind("-", 0, start)) + 1
    ends = [j for j in (body.find("_", end), body.find("-", end)) if j != -1]
    chunk_end = min(ends) if ends else len(body)
    if start == chunk_start or end == chunk_end:
        return False
    rest = body[chunk_start:start] + body[end:chunk_end]
    return (
        len(rest) >= 12
        and any(c.isupper() for c in rest)
        and any(c.islower() for c in rest)
        and any(c.isdigit() for c in rest)
    )


def placeholder_reason(key: str) -> Optional[str]:
    """Why `key` is a placeholder or identifier rather than a real key; None if it looks real.

    Real keys are random: no dictionary words, no long runs of one character, no counting
    sequences, no template holes.
    """
    body = key[len(PREFIX) :] if key.startswith(PREFIX) else key
    if key == DOCS_PLACEHOLDER:
        return "the documentation's placeholder"
    if any(c in _HOLE_CHARS for c in body):
        return "a template hole or mask"
    for word in _PLACEHOLDER_WORDS:
        if _has_placeholder_word(body, word):
            return f"contains the placeholder word {word!r}"
    compact = body.replace("_", "").replace("-", "")
    if len(set(compact.lower())) <= max(2, min(4, len(compact) // 4)) or _longest_run(compact) >= 5:
        return "a run of repeated characters"
    if _repeats_a_short_period(compact):
        return "a short unit repeated"
    if _has_sequence(compact):
        return "a counting sequence"
    if _reads_as_words(body) or _reads_as_snake_identifier(body):
        return "reads as words, like an identifier"
    return None


# Words of the built-in stand-ins that may be shown in full (`is_builtin_placeholder`): the
# classifier's placeholder words and the words placeholders are written with around them.
_BUILTIN_WORDS = frozenset(_PLACEHOLDER_WORDS) | frozenset(
    ("api", "key", "autype", "my", "the", "secret", "token", "value", "goes", "put")
)
# Separators between the words of a built-in stand-in.
_WORD_SEPARATORS = lazy_compile(r"[_-]+")


def is_builtin_placeholder(key: str) -> bool:
    """True for a built-in stand-in that is no secret and may be shown in full: the docs'
    `ak_your_api_key_here`, or a body made only of the classifier's placeholder words (and
    the words around them: api, key, ...) or of one repeated x or 0
    (`ak_example_api_key`, `ak_xxxxxxxxxxxxxxxx`). Anything else stays masked, placeholder
    or not: a real key with "test" in it is still somebody's key."""
    if key == DOCS_PLACEHOLDER:
        return True
    if not key.startswith(PREFIX):
        return False
    words = [w for w in _WORD_SEPARATORS.split(key[len(PREFIX) :]) if w]
    return bool(words) and all(
        w.lower() in _BUILTIN_WORDS or (set(w.lower()) <= {"x"} or set(w) <= {"0"}) for w in words
    )


# How advice asks for rotation (or revocation, for another service's key): cut from the
# advice of a placeholder finding, which has nothing to rotate.
_ROTATION_CLAUSE = lazy_compile(r",?\s+and\s+(?:rotate|revoke)\b[^.]*")
PLACEHOLDER_ADVICE = "A placeholder, not a secret: nothing to rotate."


def placeholder_advice(suggestion: str) -> str:
    """The advice for a placeholder finding: `suggestion` without its rotation clause, after
    saying there is nothing to rotate."""
    rest = _ROTATION_CLAUSE.sub("", suggestion).strip()
    if ROTATE_HINT in rest or "rotate" in rest.lower() or DOCS_PLACEHOLDER in rest:
        rest = ""  # a wording the clause does not cover, or "use the placeholder": say no more
    if rest and not rest.endswith("."):
        rest += "."
    return f"{PLACEHOLDER_ADVICE} {rest}" if rest else PLACEHOLDER_ADVICE


def is_real_key(key: str) -> bool:
    """True when `key` looks like a real, random Autype key."""
    return placeholder_reason(key) is None
