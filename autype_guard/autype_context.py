"""What ties text to Autype without a key literal: names, the API host, and whom a header is for.

The exposure and misuse rules (AG2xx, AG3xx) share these helpers so that "does this file talk
to Autype", "does this name hold an Autype key" and "is this header meant for another service"
are decided the same way everywhere. Every regex here is linear: alternations of literals and
single character classes, no nested quantifiers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Optional

from .lazy_regex import lazy_compile

# The spellings of "autype" that rules accept, as bytes for the prefilter. A rule that matches
# Autype names uses `AUTYPE_WORD`, which accepts exactly these, so the prefilter never drops
# a file the rule would flag.
AUTYPE_MARKERS: tuple[bytes, ...] = (b"autype", b"Autype", b"AUTYPE", b"AuType")
# The same spellings as text.
AUTYPE_WORD = lazy_compile(r"autype|Autype|AUTYPE|AuType")
_AUTYPE_SPELLINGS = tuple(m.decode() for m in AUTYPE_MARKERS)
# The Autype API host inside a URL or a base-URL string: `api.autype.com` (any case for the
# parts that are not the marker word). Any path counts.
AUTYPE_HOST = lazy_compile(r"(?i:api)\.(?:autype|Autype|AUTYPE|AuType)\.(?i:com)\b")
# An absolute http(s) URL's host: `https://api.example.com/...`. Written from its literal
# `://` (the scheme checked behind it), so `re` skips to each `://`.
_URL_HOST = lazy_compile(r"://(?:(?<=(?i:http)://)|(?<=(?i:https)://))([A-Za-z0-9.-]{1,253})")
# Words of an identifier: camelCase parts, ACRONYMS and digit runs (after splitting on
# anything that is not a letter or digit).
_WORD = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NON_ALNUM = lazy_compile(r"[^A-Za-z0-9]+")
# Identifier-like names in an expression, dotted paths included: `settings.AUTYPE_API_KEY`,
# `process.env.X`, `$config`, `Autype:ApiKey`.
NAME = lazy_compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|::|:|-)[A-Za-z_$][A-Za-z0-9_$]*)*")
# A line that is only a comment in JS/TS, C-like languages, HTML, Python, shell or YAML.
_COMMENT_LINE = lazy_compile(r"\s*(?://|/\*|\*|<!--|#(?![{!]))")

# Words that make a name hold a secret.
SECRET_WORDS = frozenset({"key", "keys", "apikey", "token", "secret", "secretkey"})
# Words that may follow the secret word and still name the key itself: `AUTYPE_API_KEY_PROD`.
QUALIFIERS = frozenset(
    {
        "prod",
        "production",
        "staging",
        "stage",
        "dev",
        "development",
        "test",
        "testing",
        "live",
        "local",
        "sandbox",
        "preview",
        "primary",
        "secondary",
        "new",
        "old",
        "value",
    }
)
# First words of a name that holds a flag about the key, not the key: `HAS_AUTYPE_KEY`.
_FLAG_WORDS = frozenset({"has", "is", "use", "uses", "enable", "enabled", "show", "missing", "no"})
# Words of a credential's name that say nothing about whose it is (shared with AG105's wider
# list in `rules/ak_key_other_service.py`).
NEUTRAL_NAME_WORDS = frozenset(
    {
        "api",
        "auth",
        "authorization",
        "header",
        "headers",
        "x",
        "my",
        "our",
        "your",
        "the",
        "default",
        "env",
        "config",
        "cfg",
        "conf",
        "settings",
        "options",
        "opts",
        "client",
        "service",
        "server",
        "private",
        "shared",
        "raw",
        "credentials",
        "creds",
        "credential",
    }
)
# Words that say nothing about which service a credential belongs to. A key or token name
# made only of these (plus the Autype word) is assumed to be Autype's in an Autype context.
_GENERIC_WORDS = (
    SECRET_WORDS
    | QUALIFIERS
    | NEUTRAL_NAME_WORDS
    | frozenset({"bearer", "current", "get", "read", "load"})
)
# Words that mark a credential as a user's or another protocol's, never an Autype key.
_FOREIGN_WORDS = frozenset(
    {"session", "user", "oauth", "jwt", "refresh", "access", "id", "identity"}
)
# Object paths whose last segment is the name that matters: `process.env.X`, `import.meta.env.X`.
_PATH_SEPARATORS = lazy_compile(r"\.|::|:|->|\[|\]|\(|\)|['\"`$]")
# An environment read as a whole expression: `process.env.X`, `process.env["X"]`,
# `import.meta.env.X`, `Deno.env.get("X")`, `Bun.env.X`.
_ENV_EXPRESSION = lazy_compile(
    r"(?:process\.env|import\.meta\.env|Bun\.env)(?:\.|\?\.|\[\s*[\"'`])([A-Za-z_][A-Za-z0-9_]*)"
    r"|Deno\.env\.get\(\s*[\"'`]([A-Za-z_][A-Za-z0-9_]*)"
)
# An identifier naming an Autype base URL: the Autype word, then (within the same name)
# URL, BASE, HOST or ENDPOINT in any common case.
_AUTYPE_ENDPOINT_NAME = lazy_compile(
    r"(?:autype|Autype|AUTYPE|AuType)[A-Za-z0-9_]{0,40}?"
    r"(?:URL|Url|url|BASE|Base|base|HOST|Host|host|ENDPOINT|Endpoint|endpoint)"
)
# How far back to look for the URL a header is sent to.
_URL_LOOKBACK_LINES = 10
# How far (in characters) any helper looks around an offset: keeps per-match work bounded
# on multi-megabyte minified lines.
_MAX_LINE_LOOKBACK = 4096


class NearSearch:
    """`pattern.search` for a pattern that Python's `re` cannot skip ahead for (it starts
    with a character class, an alternation, `\\b` or a lookbehind): the pattern is tried
    only at the `back + 1` positions up to each occurrence of one of `needles`. Exact when
    every match of `pattern` holds one of `needles` starting at most `back` characters after
    the match's start.

    The needles are found by one regex alternation of them (a single pass that `re` runs
    as a tight scan for their first characters; several `str.find` passes cost several
    times more on text with non-ASCII characters), a single needle by `str.find`; the next
    occurrence is kept between searches, so a pass with increasing `pos` reads the text
    once plus the tries.
    """

    def __init__(
        self,
        pattern: re.Pattern[str],
        text: str,
        needles: tuple[str, ...],
        back: int,
        endpos: Optional[int] = None,
    ) -> None:
        self.pattern = pattern
        self.text = text
        self.back = back
        self.endpos = len(text) if endpos is None else min(endpos, len(text))
        self._needle = needles[0] if len(needles) == 1 else None
        self._any = None if len(needles) == 1 else _alternation(needles)
        self._next = -2  # the next needle's offset at or after `_pos`; -1: none left
        self._pos = 0  # the `pos` the kept offset was found from

    def _hit(self, tried: int) -> int:
        """The first offset at or after `tried` where a needle starts, or -1."""
        if self._next == -1 or self._next >= tried:
            return self._next
        if self._needle is not None:
            self._next = self.text.find(self._needle, tried, self.endpos)
        else:
            assert self._any is not None
            m = self._any.search(self.text, tried, self.endpos)
            self._next = -1 if m is None else m.start()
        return self._next

    def search(self, pos: int = 0) -> Optional[re.Match[str]]:
        """The first match at or after `pos`, as `pattern.search(text, pos, endpos)`."""
        text, end = self.text, self.endpos
        if pos < self._pos:
            self._next = -2  # searching backwards: forget what was found
        self._pos = pos
        tried = pos
        while True:
            hit = self._hit(tried)
            if hit == -1:
                return None
            for start in range(max(tried, hit - self.back), hit + 1):
                m = self.pattern.match(text, start, end)
                if m is not None:
                    return m
            tried = hit + 1


@lru_cache(maxsize=256)
def _alternation(needles: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching any of `needles` (longest first, so the leftmost start is found
    whichever needle begins there)."""
    return re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))


def finditer_near(
    pattern: re.Pattern[str],
    text: str,
    needles: tuple[str, ...],
    back: int = 0,
    pos: int = 0,
    endpos: Optional[int] = None,
) -> Iterator[re.Match[str]]:
    """The matches of `pattern.finditer(text, pos, endpos)`, found by trying the pattern only
    near the occurrences of `needles` (see `NearSearch`: every match must hold a needle
    starting at most `back` characters after its start)."""
    searcher = NearSearch(pattern, text, needles, back, endpos)
    while True:
        m = searcher.search(pos)
        if m is None:
            return
        yield m
        pos = m.end() if m.end() > m.start() else m.start() + 1


def words(name: str) -> list[str]:
    """The lower-case words of a name in any case style: `AutypeAPIKey` -> autype, api, key."""
    out: list[str] = []
    # The Autype word is one word however it is cased or glued: `AuTypeKey`, `AUTYPEKEY`.
    name = AUTYPE_WORD.sub("_autype_", name)
    for chunk in _NON_ALNUM.split(name):
        out.extend(w.lower() for w in _WORD.findall(chunk))
    return out


def mentions_autype(text: str) -> bool:
    """True when `text` names Autype in one of the spellings the prefilter admits."""
    return any(word in text for word in _AUTYPE_SPELLINGS)


@lru_cache(maxsize=4096)
def is_autype_secret_name(name: str) -> bool:
    """True when `name` names an Autype key: it mentions Autype and ends in KEY/TOKEN/SECRET.

    `NEXT_PUBLIC_AUTYPE_API_KEY`, `autypeApiKey`, `services.autype.key`, `AUTYPE_TOKEN_PROD`
    are; `NEXT_PUBLIC_AUTYPE_API_URL`, `AUTYPE_TEMPLATE_ID`, `AUTYPE_API_KEY_FILE` and
    `has_autype_key` are not.
    """
    if not mentions_autype(name):
        return False
    parts = words(name)
    if "autype" not in parts or (parts and parts[0] in _FLAG_WORDS):
        return False
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in SECRET_WORDS:
            return all(w in QUALIFIERS or w.isdigit() for w in parts[i + 1 :])
    return False


def public_prefix(name: str, prefixes: Iterable[str]) -> Optional[str]:
    """The browser-exposed prefix `name` starts with (longest first), or None."""
    best: Optional[str] = None
    for prefix in prefixes:
        if name.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def server_env_read(expression: str, public_prefixes: Iterable[str]) -> bool:
    """True when `expression` reads a non-public environment variable
    (`process.env.AUTYPE_API_KEY`, `import.meta.env.AUTYPE_API_KEY`, `Deno.env.get(...)`).

    Bundlers never inline such variables into client code, so code that sends one is
    server code (a Remix action, a Next.js server component), not a browser call.
    """
    m = _ENV_EXPRESSION.match(expression.strip())
    if m is None:
        return False
    name = m.group(1) or m.group(2)
    return public_prefix(name, public_prefixes) is None


def calls_autype(text: str) -> bool:
    """True when `text` holds the Autype API host (a base URL or a request to it)."""
    return NearSearch(AUTYPE_HOST, text, _AUTYPE_SPELLINGS, len("api.")).search() is not None


def names_autype_endpoint(text: str, absent: frozenset[bytes] = frozenset()) -> bool:
    """True when `text` names an Autype base URL without spelling the host:
    `import.meta.env.VITE_AUTYPE_API_URL`, `autypeBaseUrl`, `AUTYPE_ENDPOINT` (`absent`: as
    for `is_autype_context`)."""
    if absent.issuperset(AUTYPE_MARKERS):
        return False
    return NearSearch(_AUTYPE_ENDPOINT_NAME, text, _AUTYPE_SPELLINGS, 0).search() is not None


def path_names_autype(path: str) -> bool:
    """True when the file's name or its directory's name mentions Autype.

    Only the last two path segments count, so a repository or package called `autype-...`
    does not put every file in it into an Autype context.
    """
    return mentions_autype("/".join(path.replace("\\", "/").split("/")[-2:]))


def is_autype_context(path: str, text: str, absent: frozenset[bytes] = frozenset()) -> bool:
    """True when a file is about Autype: it calls the Autype host or its path names Autype.
    `absent`: markers known not to be in `text` (when every spelling of the Autype word is,
    the text is not searched)."""
    if path_names_autype(path):
        return True
    return not absent.issuperset(AUTYPE_MARKERS) and calls_autype(text)


def _line_start(text: str, offset: int) -> Optional[int]:
    """The start of the line holding `offset`, or None when it lies further back than
    `_MAX_LINE_LOOKBACK` (a minified line: searching back from every match would be
    quadratic)."""
    floor = max(0, offset - _MAX_LINE_LOOKBACK)
    newline = text.rfind("\n", floor, offset)
    if newline == -1:
        return 0 if floor == 0 else None
    return newline + 1


def is_comment_line(text: str, offset: int) -> bool:
    """True when the line holding `offset` starts with a comment marker.

    Bounded: on a line longer than a few KB (a bundle) nothing counts as a comment line.
    """
    start = _line_start(text, offset)
    return start is not None and _COMMENT_LINE.match(text, start) is not None


def line_names_autype(text: str, offset: int) -> bool:
    """True when the line holding `offset` names Autype: a request made by an Autype-named
    client (`autype_client.headers[...] = ...`, `AutypeClient.post(...)`). Bounded to 1000
    characters either side."""
    floor = max(0, offset - 1000)
    start = text.rfind("\n", floor, offset) + 1 or floor
    end = text.find("\n", offset, offset + 1000)
    return mentions_autype(text[start : end if end != -1 else offset + 1000])


class UrlIndex:
    """Every absolute URL of one text, found once; `nearest_host` answers in O(log n).

    Built per file by the rules that ask many times (one header per line of a bundle), so
    the text is searched for URLs once, not once per header.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = []
        self._hosts: list[str] = []
        for m in _URL_HOST.finditer(text):
            # The URL starts at its scheme: `http` or `https` before the `://`.
            self._starts.append(m.start() - (5 if text[m.start() - 1] in "sS" else 4))
            self._hosts.append(m.group(1).lower())

    def nearest_host(self, offset: int) -> Optional[str]:
        """The host of the absolute URL a request at `offset` most likely goes to, or None.

        The line itself wins (the URL nearest to the offset on it, either side); otherwise
        the nearest URL in the preceding lines, looking back a few lines only. A base URL
        set far away returns None and leaves the decision to the file as a whole.
        """
        if not self._starts:
            return None
        text = self.text
        line_start = _line_start(text, offset)
        left = offset - _MAX_LINE_LOOKBACK if line_start is None else line_start
        line_end = text.find("\n", offset, offset + _MAX_LINE_LOOKBACK)
        right = min(len(text), offset + _MAX_LINE_LOOKBACK) if line_end == -1 else line_end
        i = bisect_right(self._starts, offset)
        candidates = []
        if i > 0 and self._starts[i - 1] >= left:
            candidates.append((offset - self._starts[i - 1], self._hosts[i - 1]))
        if i < len(self._starts) and self._starts[i] < right:
            candidates.append((self._starts[i] - offset, self._hosts[i]))
        if candidates:
            return min(candidates)[1]
        if line_start is None or i == 0:
            return None
        window_start = line_start
        floor = max(0, line_start - _MAX_LINE_LOOKBACK)
        for _ in range(_URL_LOOKBACK_LINES):
            if window_start <= floor:
                break
            window_start = text.rfind("\n", floor, window_start - 1) + 1
            if window_start == 0:
                window_start = floor
        return self._hosts[i - 1] if self._starts[i - 1] >= window_start else None


def nearest_url_host(text: str, offset: int) -> Optional[str]:
    """`UrlIndex(text).nearest_host(offset)` for a single question."""
    return UrlIndex(text).nearest_host(offset)


class OnePerLine:
    """Admits the first of increasing offsets on each line, in linear time overall.

    Keyless findings (AG201 reads, AG202, AG203, AG301) are made once per rule and line: a
    rule that would report the same call or read many times on one minified line keeps the
    first and skips the rest cheaply. Key findings never go through this: each key is one.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_end = -1

    def taken(self, offset: int) -> bool:
        """True when an offset on the same line was admitted already (nothing to do)."""
        return offset <= self._line_end

    def resume(self, offset: int) -> int:
        """Where to look next from `offset`: past the end of an admitted line."""
        return max(offset, self._line_end + 1)

    def unreported(self, search: NearSearch) -> Iterator[re.Match[str]]:
        """The matches of `search`, in order, on lines not admitted yet; lines admitted
        meanwhile are skipped whole (a minified line holds many headers)."""
        pos = 0
        while True:
            m = search.search(self.resume(pos))
            if m is None:
                return
            pos = m.end()
            if not self.taken(m.start()):
                yield m

    def admit(self, offset: int) -> bool:
        if offset <= self._line_end:
            return False
        end = self.text.find("\n", offset)
        self._line_end = len(self.text) if end == -1 else end
        return True


def is_autype_host(host: str) -> bool:
    """True for `api.autype.com` and any other host under `autype.com`."""
    return host == "autype.com" or host.endswith(".autype.com")


@lru_cache(maxsize=4096)
def names_other_service(expression: str) -> bool:
    """True when a credential expression is named for something other than Autype.

    Judged by the last segment of each name (`process.env.LLM_API_KEY` -> `LLM_API_KEY`):
    words beyond the generic ones (api, key, token, env, config...) name another service,
    as do words such as session, user or oauth anywhere in the path. In a settings path
    (`services.github.token`, `credentials.slack.key`) whose last segment is generic, the
    segment before it names the service.
    """
    if mentions_autype(expression):
        return False
    for m in NAME.finditer(expression):
        segments = [s for s in _PATH_SEPARATORS.split(m.group()) if s]
        if not segments:
            continue
        if any(w in _FOREIGN_WORDS for s in segments for w in words(s)):
            return True
        leaf = words(segments[-1])
        if any(w in SECRET_WORDS for w in leaf) and any(
            w not in _GENERIC_WORDS and not w.isdigit() for w in leaf
        ):
            return True
        if (
            len(segments) >= 3
            and any(w in SECRET_WORDS for w in leaf)
            and any(s.lower() in _SETTINGS_ROOTS for s in segments[:-2])
            and any(w not in _GENERIC_WORDS and not w.isdigit() for w in words(segments[-2]))
        ):
            return True
    return False


# The roots of settings paths whose next segments name a service: Laravel's
# `config('services.github.token')`, Rails' `credentials.slack.key`.
_SETTINGS_ROOTS = frozenset({"services", "credentials", "secrets", "settings", "config"})


def header_audience(urls: UrlIndex, offset: int, value: str) -> Optional[bool]:
    """Whom a credential header at `offset` with `value` is for.

    True: Autype (the value names Autype); False: another service (the value is named for
    one, or the request's URL is another host); None: cannot tell from the header alone.
    """
    if mentions_autype(value):
        return True
    if names_other_service(value):
        return False
    host = urls.nearest_host(offset)
    if host is not None:
        return is_autype_host(host)
    return None


__all__ = [
    "AUTYPE_HOST",
    "AUTYPE_MARKERS",
    "AUTYPE_WORD",
    "NAME",
    "NearSearch",
    "OnePerLine",
    "UrlIndex",
    "calls_autype",
    "finditer_near",
    "header_audience",
    "is_autype_context",
    "is_autype_host",
    "is_autype_secret_name",
    "is_comment_line",
    "line_names_autype",
    "mentions_autype",
    "names_autype_endpoint",
    "names_other_service",
    "nearest_url_host",
    "path_names_autype",
    "public_prefix",
    "server_env_read",
    "words",
]
