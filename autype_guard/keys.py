"""The only home of what an Autype key looks like.

Autype accepts only keys with the ``ak_`` prefix and does not publish the body format,
so the body pattern is one documented, configurable default (``key-pattern``). This module
also knows the placeholders that are not secrets, how keys hide behind encodings, how to
redact a key for display and how to fingerprint it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

PREFIX = "ak_"
# The documented default body: at least 16 URL-safe characters after the prefix.
DEFAULT_KEY_PATTERN = r"ak_[A-Za-z0-9_-]{16,}"
DEFAULT_ENV_VAR = "AUTYPE_API_KEY"
# The placeholder used in Autype's own documentation.
DOCS_PLACEHOLDER = "ak_your_api_key_here"
ROTATE_HINT = "rotate it in the Autype dashboard (Settings -> API Keys)"

# Bytes that must appear in a file for it to possibly hold a key in any spelling the
# scanner decodes: plain, URL-encoded, JSON/JS escapes and the three base64 alignments
# of "ak_", and "ak" closing a literal (`['ak', '...'].join('_')`). Used as a cheap
# prefilter before decoding a file.
PREFILTER_MARKERS: tuple[bytes, ...] = (
    b"ak_",
    b"ak'",
    b'ak"',
    b"ak`",
    b"ak%5",
    b"\\u00",
    b"\\x",
    b"%61",
    b"YWtf",
    b"FrX",
    b"ha19",
    b"ha18",
)

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


def fingerprint(key: str) -> str:
    """SHA-256 of the key, hex: identifies a key across runs without storing it."""
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


# Matches "ak_" and a key body where any character may be written as a %XX, \uXXXX or
# \xXX escape. Each alternative starts with a distinct character, so matching is linear.
_ENCODED_KEY = re.compile(
    r"(?:a|%61|\\u0061|\\x61)(?:k|%6[bB]|\\u006[bB]|\\x6[bB])(?:_|%5[fF]|\\u005[fF]|\\x5[fF])"
    r"(?:[A-Za-z0-9_-]|%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})+"
)
# Percent, \u and \x escapes inside an encoded key.
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
# A run of base64 (standard or URL-safe alphabet) long enough to hold a key.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
_BASE64_MARKERS = ("YWtf", "FrX", "ha19", "ha18")


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        return chr(int(m.group(1) or m.group(2) or m.group(3), 16))

    return _ESCAPE.sub(one, raw)


class KeyMatcher:
    """Finds keys in text with one compiled pattern; linear in the length of the text."""

    def __init__(self, pattern: str = DEFAULT_KEY_PATTERN) -> None:
        self.source = pattern
        self.pattern = re.compile(pattern)

    def find(self, text: str) -> Iterator[KeyHit]:
        """Yield every key in `text`, plain or encoded, ordered by start offset.

        Never raises on odd input; a hit's offsets cover the text as written.
        """
        hits: dict[int, KeyHit] = {}
        for m in self.pattern.finditer(text):
            if is_left_boundary(text, m.start()):
                hits[m.start()] = KeyHit(m.start(), m.end(), m.group())
        if "%" in text or "\\" in text:
            for hit in self._find_escaped(text):
                old = hits.get(hit.start)
                if old is None or hit.end > old.end:
                    hits[hit.start] = hit
        if any(marker in text for marker in _BASE64_MARKERS):
            for hit in self._find_base64(text):
                hits.setdefault(hit.start, hit)
        yield from (hits[k] for k in sorted(hits))

    def _find_escaped(self, text: str) -> Iterator[KeyHit]:
        for m in _ENCODED_KEY.finditer(text):
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

    def _find_base64(self, text: str) -> Iterator[KeyHit]:
        for m in _BASE64_RUN.finditer(text):
            run = m.group()
            if not any(marker in run for marker in _BASE64_MARKERS):
                continue
            decoded = _b64decode(run)
            if decoded is None:
                continue
            for km in self.pattern.finditer(decoded):
                if is_left_boundary(decoded, km.start()):
                    yield KeyHit(m.start(), m.end(), km.group(), "base64")
                    break


def _b64decode(run: str) -> Optional[str]:
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
_VERSION_TOKEN = re.compile(r"[A-Za-z]?[0-9]{1,4}")
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
    ]
)
# Splits an identifier-like chunk into camelCase words, acronyms and digit runs.
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_VOWELS = frozenset("aeiouyAEIOUY")
# Characters that only occur in template holes or masks, never in a key body.
_HOLE_CHARS = frozenset("${}<>%*.")


def _is_word(part: str) -> bool:
    if part.isdigit():
        return False
    if len(part) == 1:
        return False
    return any(c in _VOWELS for c in part) or part.lower() in _ABBREVIATIONS


def _reads_as_words(body: str) -> bool:
    parts: list[str] = []
    for chunk in re.split(r"[_-]+", body):
        if not chunk or _VERSION_TOKEN.fullmatch(chunk):
            continue
        found = _CAMEL_PART.findall(chunk)
        if "".join(found) != chunk:
            return False
        parts.extend(found)
    if not parts:
        return True
    # One long lowercase run is more likely random than a 16-letter word.
    return len(parts) >= 2 and all(_is_word(p) for p in parts)


def _longest_run(body: str) -> int:
    best = run = 1
    for a, b in zip(body, body[1:]):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def _has_sequence(body: str, length: int = 6) -> bool:
    run = 1
    for a, b in zip(body, body[1:]):
        run = run + 1 if ord(b) - ord(a) == 1 else 1
        if run >= length:
            return True
    return False


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
        if word in body or word.upper() in body:
            return f"contains the placeholder word {word!r}"
    compact = body.replace("_", "").replace("-", "")
    if len(set(compact.lower())) <= max(2, min(4, len(compact) // 4)) or _longest_run(compact) >= 5:
        return "a run of repeated characters"
    if _has_sequence(compact):
        return "a counting sequence"
    if _reads_as_words(body):
        return "reads as words, like an identifier"
    return None


def is_real_key(key: str) -> bool:
    """True when `key` looks like a real, random Autype key."""
    return placeholder_reason(key) is None
