"""AG105 ak-key-other-service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

from ..autype_context import (
    NEUTRAL_NAME_WORDS,
    SECRET_WORDS,
    is_autype_host,
    mentions_autype,
    names_autype_endpoint,
    words,
)
from ..context import FileContext
from ..keys import placeholder_reason
from ..lazy_regex import lazy_compile
from ..model import Applicability, FileKind, Finding, Fix, Severity, Span
from ..suggest import other_service_suggestion
from ..testing import Invalid, Valid
from .base import Rule


@dataclass(frozen=True)
class Service:
    """Another service a key's context names: its display name, what named it (a host or a
    variable name) and the environment variable to keep its key in."""

    name: str
    named_by: str
    env_var: str


class AkKeyOtherService(Rule):
    """
    ## What it does
    Flags `ak_` keys that belong to another service, not to Autype: keys whose context
    names another service's API host or a variable named for another service, and nothing
    names Autype.

    Other services issue `ak_` keys too. How the owner of a key is decided:
    1. The key's *statement*: the innermost object literal, call or list around it (the
       line that opens it included), else the key's own line. If it names Autype (the word
       `autype` in any case style, the `api.autype.com` host, an `AUTYPE_..._URL`-style
       name), the key is Autype's. Otherwise, if it names another service, the key is that
       service's: an absolute URL whose host is not Autype's (`baseUrl:
       "https://api.jsearch.com/v1"`), or an API credential's name (API and a secret word:
       key, token, secret) with a word that is neither generic nor says what the key is
       for (`JSEARCH_API_KEY`, `X-RapidAPI-Key`, `openaiApiKey`; not `API_KEY`,
       `FALLBACK_KEY`, `PROD_API_KEY`).
    2. Else the *file*: if nothing in the file or its path names Autype and the file
       names exactly one other service, through an API host (`api.<name>.<tld>`, or a URL
       with an `/api/` or `/v1`-style path) or credential names, the key is that service's.
       Bundles, source maps and files over 256 KB are never judged as a whole: they join
       many modules.
    3. Otherwise the key is Autype's and an AG1xx rule reports it.

    Local and documentation hosts (`localhost`, `example.com`, ...) name no service.

    ## Why is this bad?
    A committed key is a leaked key whoever issued it: anyone who reads the code can use
    it and bill its owner. It is reported separately from Autype keys (medium severity),
    with that service's advice, so that nobody looks for it in the Autype dashboard.

    ## Example
    ```js
    const jsearch = {
      apiKey: "ak_3hQ9xLr2Vt8mW1pZ",
      baseUrl: "https://api.jsearch.com/v1",
    };
    ```

    ## Use instead
    ```js
    const jsearch = {
      apiKey: process.env.JSEARCH_API_KEY,
      baseUrl: "https://api.jsearch.com/v1",
    };
    ```
    Then revoke the exposed key with the service that issued it and create a new one.

    ## Fix safety
    Display only: the key is not Autype's, so `autype-guard fix` does not move it.

    ## Options
    Disabling this rule (`disable = ["AG105"]`) does not hide these keys: every `ak_` key
    is then taken for an Autype key and reported by AG101-AG104 as before. Hide one key
    that is not Autype's with a suppression comment or the allowlist instead. If a key
    reported here is Autype's after all, rotate it in the Autype dashboard under
    Settings -> API Keys, and name Autype next to it (`AUTYPE_API_KEY`).
    """

    CODE = "AG105"
    NAME = "ak-key-other-service"
    SEVERITY = Severity.MEDIUM
    NEEDS_KEY = True
    VALID = (
        Valid('key = "ak_your_api_key_here"  # JSEARCH_API_KEY\n'),
        Valid('JSEARCH_API_KEY = os.environ["JSEARCH_API_KEY"]\n'),
        Valid(
            'url = "https://api.jsearch.com/v1"\nkey = os.environ["JSEARCH_API_KEY"]\n',
            path="jobs.py",
        ),
    )
    INVALID = (
        Invalid(
            'const jsearch = {\n  apiKey: "ak_3hQ9xLr2Vt8mW1pZ",\n'
            '  baseUrl: "https://api.jsearch.com/v1",\n};\n',
            span=Span.of((2, 12), (2, 31)),
            path="server/jobs.ts",
        ),
        Invalid(
            "JSEARCH_API_KEY = 'ak_3hQ9xLr2Vt8mW1pZ'\n",  # autype-guard: ignore[AG101]
            span=Span.of((1, 20), (1, 39)),
            path="jobs.py",
        ),
        Invalid(
            'BASE = "https://api.jsearch.com/v1"\n\nKEY = "ak_3hQ9xLr2Vt8mW1pZ"\n',
            span=Span.of((3, 8), (3, 27)),
            path="jobs.py",
        ),
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        occurrences = ctx.key_occurrences
        if not occurrences:
            return
        file_owner: Optional[Service] = None
        file_done = False
        for occ in occurrences:
            start, end = occ.hit.start, occ.hit.end
            reason = placeholder_reason(occ.hit.key)
            if reason is not None and not ctx.settings.show_placeholders:
                continue
            lo, hi = statement_bounds(ctx.text, start, end)
            around = ctx.text[lo:start] + ctx.text[end:hi]
            if names_autype(around):
                continue
            service = other_service(around)
            if service is None:
                if not file_done:
                    file_owner = _file_service(ctx)
                    file_done = True
                service = file_owner
            if service is None:
                continue
            message = (
                f"`ak_` key {ctx.shown_key(occ.hit.key, end)} belongs to {service.name}, "
                f"not Autype (named by {service.named_by})"
            )
            if reason is not None:
                message = f"Placeholder, not a secret ({reason}): {message}"
            yield ctx.finding(
                cls,
                start,
                end,
                message,
                key=occ.hit.key,
                suggestion=other_service_suggestion(
                    ctx.path, ctx.kind, service.env_var, service.name
                ),
                fix=Fix(f"Read the key from {service.env_var}", Applicability.DISPLAY_ONLY),
                encoding=occ.hit.encoding,
                placeholder=reason is not None,
                related=occ.related,
            )


# How far around a key its statement may reach.
_REACH = 2000


def statement_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """[lo, hi) of the statement around text[start:end]: the innermost bracket pair (object
    literal, call, list) holding it, with what opens it on its line (`const jsearch = {`,
    `new Client(`), else the key's own line; cut at a `;` outside inner brackets (statements
    of a function body, of a minified line) and never more than `_REACH` characters from the
    key. Quotes are not tracked: a bracket inside a string can only widen or narrow the
    statement by a little."""
    floor = max(0, start - _REACH)
    ceiling = min(len(text), end + _REACH)
    depth = 0
    i = start - 1
    opener = -1
    lo = floor
    while i >= floor:
        c = text[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                opener = i
                break
            depth -= 1
        elif depth == 0 and (c == ";" or (c == "\n" and lo == floor and opener == -1)):
            if c == ";":
                lo = i + 1
                break
            lo = i + 1  # the key's line starts here; an opener may lie further back
        i -= 1
    if opener != -1:
        lo = opener
        head_floor = max(floor, opener - 200)
        while lo > head_floor and text[lo - 1] not in ";\n{}":
            lo -= 1
    depth = 0
    j = end
    while j < ceiling:
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return lo, j + 1 if opener != -1 else j
            depth -= 1
        elif depth == 0 and (c == ";" or (c == "\n" and opener == -1)):
            return lo, j
        j += 1
    return lo, ceiling


def names_autype(text: str) -> bool:
    """True when `text` names Autype: the word, its API host or an Autype endpoint name."""
    return mentions_autype(text) or names_autype_endpoint(text)


# An absolute http(s) URL: its host and the start of its path.
_URL = lazy_compile(r"(?i:https?)://([A-Za-z0-9.-]{1,253})(/[A-Za-z0-9._~/-]{0,80})?")
# The secret word of a credential name, in any case; the name around it is found by
# `_credential_names` (a search for the literal word keeps this linear on long runs of
# identifier characters, where a pattern for the whole name would backtrack).
_SECRET_WORD = lazy_compile(r"(?i:key|token|secret)")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$-")
_NAME_REACH = 80


def _credential_names(text: str) -> Iterator[str]:
    """Every identifier (dashes allowed, for header names) of at most `_NAME_REACH`
    characters either side of a secret word in `text`, once per identifier."""
    done = -1
    for m in _SECRET_WORD.finditer(text):
        if m.start() < done:
            continue
        lo = m.start()
        floor = max(0, lo - _NAME_REACH)
        while lo > floor and text[lo - 1] in _NAME_CHARS:
            lo -= 1
        hi = m.end()
        ceiling = min(len(text), hi + _NAME_REACH)
        while hi < ceiling and text[hi] in _NAME_CHARS:
            hi += 1
        done = hi
        yield text[lo:hi]


# An API path: `/api/`, `/v1`, `/v2/`, `/rest/`, `/graphql`.
_API_PATH = lazy_compile(r"/(?:api|rest|graphql)\b|/v[0-9]{1,2}\b")
# Hosts that name no service: local, private, documentation and code-hosting hosts.
_NEUTRAL_HOSTS = lazy_compile(
    r"(?:^|\.)(?:localhost|example\.(?:com|org|net)|test|invalid|local|internal"
    r"|github\.com|githubusercontent\.com|gitlab\.com|npmjs\.(?:com|org)|pypi\.org"
    r"|w3\.org|schema\.org|mozilla\.org|python\.org|readthedocs\.io|stackoverflow\.com)$"
    r"|^(?:[0-9.]+|\[)"
)
# Second-level labels under which the service is the label before: `api.foo.co.uk`.
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu"})
# Words of a credential name that say nothing about whose it is: the Autype context's
# neutral words, and words of environments, places, roles and placeholders.
_GENERIC = (
    SECRET_WORDS
    | NEUTRAL_NAME_WORDS
    | frozenset(
        {
            "access",
            "account",
            "admin",
            "app",
            "application",
            "backup",
            "bot",
            "cached",
            "customer",
            "data",
            "demo",
            "dev",
            "development",
            "doc",
            "docs",
            "document",
            "documents",
            "dummy",
            "environ",
            "example",
            "expo",
            "external",
            "fake",
            "fallback",
            "fixture",
            "generator",
            "get",
            "getenv",
            "global",
            "here",
            "import",
            "internal",
            "live",
            "local",
            "main",
            "master",
            "meta",
            "mock",
            "new",
            "next",
            "nuxt",
            "old",
            "org",
            "organization",
            "os",
            "party",
            "pdf",
            "placeholder",
            "primary",
            "process",
            "prod",
            "production",
            "project",
            "public",
            "react",
            "recorded",
            "render",
            "renderer",
            "root",
            "sample",
            "sandbox",
            "saved",
            "secondary",
            "secrets",
            "self",
            "session",
            "set",
            "stage",
            "staging",
            "stored",
            "stub",
            "system",
            "team",
            "temp",
            "template",
            "templates",
            "tenant",
            "test",
            "testing",
            "third",
            "this",
            "tmp",
            "user",
            "value",
            "vite",
            "workspace",
        }
    )
)


def service_of_host(host: str) -> Optional[str]:
    """The service a host belongs to, by its registrable label (`api.jsearch.com` ->
    jsearch, `api.foo.co.uk` -> foo); None for Autype and neutral hosts."""
    host = host.lower().rstrip(".")
    if is_autype_host(host) or _NEUTRAL_HOSTS.search(host):
        return None
    labels = host.split(".")
    if len(labels) < 2:
        return None
    labels = labels[:-1]
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    label = labels[-1]
    return label if label.isascii() and any(c.isalpha() for c in label) else None


def service_of_name(name: str) -> Optional[str]:
    """The service a credential name is named for (`JSEARCH_API_KEY` -> jsearch,
    `X-RapidAPI-Key` -> rapid), or None when it is no credential name or only generic."""
    parts = words(name)
    if "autype" in parts or not any(p in SECRET_WORDS for p in parts):
        return None
    # NOTE: only API credentials name a service (`JSEARCH_API_KEY`, `rapidApiKey`): a word
    # before a bare KEY says what the key is for as often as whose it is (`FALLBACK_KEY`,
    # `RECORDED_KEY`, `SIGNING_SECRET`).
    if "api" not in parts and "apikey" not in parts:
        return None
    named = [p for p in parts if p not in _GENERIC and not p.isdigit() and len(p) > 1]
    return named[0] if named else None


# An environment variable's name: `JSEARCH_API_KEY`.
_ENV_NAME = lazy_compile(r"[A-Z][A-Z0-9_]*")


def _env_var(service: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", service.upper()).strip("_") + "_API_KEY"


def other_service(text: str, *, api_hosts_only: bool = False) -> Optional[Service]:
    """The one other service `text` names by a URL host or a credential name; None when it
    names none or several. `api_hosts_only`: only URLs that look like API endpoints (an
    `api.` host or an API path) count, as a file's other URLs are mostly documentation."""
    found: dict[str, Service] = {}
    for m in _URL.finditer(text):
        host = m.group(1)
        if api_hosts_only and not (
            host.lower().startswith("api.") or _API_PATH.match(m.group(2) or "")
        ):
            continue
        service = service_of_host(host)
        if service is not None:
            found.setdefault(service, Service(service, host.lower(), _env_var(service)))
    for name in _credential_names(_URL.sub(" ", text)):
        if name.startswith("ak_"):
            continue  # a key (or a placeholder), not a name
        service = service_of_name(name)
        if service is None:
            continue
        env = name if _ENV_NAME.fullmatch(name) else _env_var(service)
        known = found.get(service)
        # A host names the service more plainly than a variable; a variable in upper snake
        # case is the environment variable to keep its key in.
        found[service] = Service(service, known.named_by if known else name, env)
    return next(iter(found.values())) if len(found) == 1 else None


# Files too large, or made of many modules, to speak for one service as a whole.
_FILE_LIMIT = 256 * 1024
_MIXED_KINDS = (FileKind.BUNDLE, FileKind.SOURCE_MAP)


def _file_service(ctx: FileContext) -> Optional[Service]:
    """The other service the whole file names, when nothing in it names Autype. Bundles,
    source maps, windows of large files and files over `_FILE_LIMIT` name none: they join
    many modules, and a URL in one says nothing about a key in another."""
    if ctx.kind in _MIXED_KINDS or not ctx.whole_file or len(ctx.text) > _FILE_LIMIT:
        return None
    if names_autype(ctx.path) or names_autype(ctx.text):
        return None
    return other_service(ctx.text, api_hosts_only=True)


__all__ = ["AkKeyOtherService", "Service", "other_service", "statement_bounds"]
