"""AG301 bearer-auth."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Optional

from ..autype_context import (
    NearSearch,
    OnePerLine,
    UrlIndex,
    header_audience,
    is_autype_context,
    is_autype_host,
    is_comment_line,
    line_names_autype,
    mentions_autype,
)
from ..context import FileContext
from ..dataflow import LocalFlow
from ..keys import PREFIX, ROTATE_HINT
from ..lazy_regex import lazy_compile
from ..model import Applicability, FileKind, Finding, Fix, Severity, Span
from ..testing import Invalid, Valid
from .base import Rule

# The spellings of the scheme the rule looks at, and the client calls that send it without
# spelling it (Laravel's `withToken(`, resty's `SetAuthToken(`, RestSharp's
# `JwtAuthenticator(`, a space before the parenthesis allowed); MARKERS lists the same bytes.
_BEARER_SPELLINGS = ("Bearer", "bearer", "BEARER")
_IMPLIED_BEARER = ("withToken", "SetAuthToken", "JwtAuthenticator")
# `Bearer` as a word, or a call of a client helper that sends it: `.setBearerAuth(`,
# `.bearer_auth(`, `auth=BearerAuth(`, Ktor's `bearerAuth(` and `BearerTokens(`,
# Alamofire's `.authorization(bearerToken: k)`. (Definitions such as `class BearerAuth(...)`
# are told apart in `_is_definition`.) It starts with lookbehinds, so `re` would try it at
# every offset: it is tried only where `_BEARER_NEEDLES` occur, at most `_BEARER_BACK`
# characters before (`setBearerAuth(`, `withBearer...`).
_BEARER = lazy_compile(
    r"(?<![A-Za-z])(Bearer|bearer|BEARER)(?![A-Za-z_])"
    r"|(?<![A-Za-z0-9_])(?P<call>(?:set|with)?(?:Bearer|bearer)_?(?:Auth|auth|Token|token)s?"
    r"|withToken|SetAuthToken|JwtAuthenticator)[ \t]*\("
    r"|(?<=authorization\()(?P<label>bearerToken)[ \t]*:"
)
# Each needle with the prefilter markers that show it may occur. "earer" is what the two
# common spellings share: one needle is one `str.find` pass, where several would be a regex
# alternation starting on letters as common as "b" (several times slower over a bundle).
_BEARER_NEEDLES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("earer", (b"Bearer", b"bearer")),
    ("EARER", (b"BEARER",)),
    ("withToken", (b"withToken",)),
    ("SetAuthToken", (b"SetAuthToken",)),
    ("JwtAuthenticator", (b"JwtAuthenticator",)),
)
_BEARER_BACK = len("withB")  # `withBearerToken(` starts 5 characters before its "earer"
# The word before a helper's name that makes the line its definition, not a call.
_LAST_WORD = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_CALL_KEYWORDS = frozenset({"new", "return", "await", "yield", "then", "do", "else", "in"})
# What follows the scheme when a credential is attached, one alternative per language:
# interpolation `${x}`, `#{x}`, `{x}`, `{{x}}`, `$(cmd)`, `$X`, `$env:X`, `<your-key>`,
# Swift's `\(x)`; a format slot `%s`/`%v`/`{}`/`{0}`; or the string closes and is joined:
# `" + x`, `' . $x` (PHP, Perl), `" % x`, `" .. x` (Lua), `" <> x` (Elixir), `" & x` (VB),
# `".concat(x)` (Java, JS); or a literal token; or the scheme is its own argument, as in
# .NET's `new AuthenticationHeaderValue("Bearer", key)`.
_VALUE = lazy_compile(
    r"[ \t]+(?P<interp>\$\{[^}\n]{1,200}\}|#\{[^}\n]{1,200}\}|\{\{[^}\n]{1,200}\}\}"
    r"|\{[^}\n]{1,200}\}|\$\([^)\n]{1,200}\)|\$[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_][A-Za-z0-9_]*)?"
    r"|<[^<>\n]{1,100}>|\\\([^)\n]{1,200}\))"
    r"|[ \t]+(?P<slot>%[sv]|\{[0-9]*\})"
    r"|[ \t]*\\?[\"'`][ \t]*"
    r"(?P<join>\+|\.\.(?!\.)|<>|&(?!&)|\.concat\(|\.(?=\$|[ \t]+[$A-Za-z_(])|%)"
    r"[ \t]*(?P<joined>[^\n]{1,200})"
    r"|[ \t]+(?P<literal>[A-Za-z0-9._~+/=-]{2,})"
    r"|\\?[\"'](?P<scheme_arg>[ \t]*,[ \t]*[^\n]{1,200})"
)
# The arguments of a format call after the format string: `", c.Key)` in
# `fmt.Sprintf("Bearer %s", c.Key)`, `".format(key)` in Python.
_FORMAT_ARGS = lazy_compile(
    r"[^\"'`\n]{0,100}\\?[\"'`][ \t]*(?:,|\.format\(|%)[ \t]*([^\n]{1,200})"
)
# The call whose first argument is the scheme: `new AuthenticationHeaderValue("`,
# `Authorization.of('`; the name must say auth, header or credentials. Faraday's
# `request :authorization, "Bearer", k` too. (Searched in an 80-character window only.)
_AUTH_CALLEE = lazy_compile(
    r"(?<![A-Za-z0-9_])[A-Za-z0-9_]*(?i:auth|header|credential)[A-Za-z0-9_]*\(\s*\\?[\"']$"
    r"|:authorization,[ \t]*\\?[\"']$"
)
# The scheme as a later argument of an auth call, the credential first: RestSharp's
# `new OAuth2AuthorizationRequestHeaderAuthenticator(k, "Bearer")`, superagent's
# `.auth(k, { type: 'bearer' })`. (Searched in a 200-character window only.)
_AUTH_CALL_FIRST_ARG = lazy_compile(
    r"(?<![A-Za-z0-9_])[A-Za-z0-9_]*(?i:auth)[A-Za-z0-9_]*\([ \t]*([^,()\n]{1,150}),[ \t]*"
    r"(?:\{[ \t]*type[ \t]*:[ \t]*)?\\?[\"']$"
)
# Options that name the scheme, the credential elsewhere: Symfony's `'auth_bearer' => $k`,
# curl's `--oauth2-bearer "$KEY"`, HTTPie's `--auth-type=bearer --auth=$KEY` / `-A bearer -a
# $KEY`.
_OPTION_VALUE = lazy_compile(r"\\?[\"']?[ \t]*(?:=>|:|=)[ \t]*([^\n]{1,200})")
_CURL_VALUE = lazy_compile(r"(?:[ \t]*=|[ \t]+)[ \t]*([^ \t\n;|&]{1,200})")
_HTTPIE_SCHEME = ("--auth-type=", "--auth-type ", "-A ", "-A=")
_HTTPIE_AUTH = lazy_compile(
    r"(?<![A-Za-z0-9_-])(?:--auth(?:=|[ \t]+)|-a[ \t]+)([^ \t\n;|&]{1,200})"
)
# PHP joins strings with a bare `.`: `'Bearer '.config('services.autype.key')`.
_PHP_JOIN = lazy_compile(r"[ \t]*[\"'][ \t]*\.[ \t]*([A-Za-z_\\$][^\n]{0,199})")
_PHP_SUFFIXES = (".php", ".phtml")
# The scheme as the first item joined with the credential: `" ".join(["Bearer", key])`,
# `String.join(" ", "Bearer", key)`, `strings.Join([]string{"Bearer", key}, " ")` (before the
# scheme, in an 80-character window) or `["Bearer", key].join(" ")` (after it).
_JOIN_BEFORE = lazy_compile(r"(?i:join)\((?:[^()\n]{0,40}[\[({,])?[ \t]*\\?[\"']$")
_LIST_OPEN = lazy_compile(r"\[[ \t]*\\?[\"']$")
_JOIN_AFTER = lazy_compile(r"[^\[\]\n]{0,200}\][ \t]*\.join\(")
# In an Autype context, on a line naming the Authorization header: the string closes right
# after the scheme and an operand follows, whatever joins them (`(str "Bearer " key)`,
# `"Bearer " ^ key`). Not a comparison, a call's end, a method of the string or a keyword
# (`"Bearer " in header`).
_ANY_OPERAND = lazy_compile(
    r"[ \t]*\\?[\"'`][ \t]*(?!(?:in|not|and|or|is|if|else|then)\b)"
    r"((?:[\^~|*]{1,2}[ \t]*)?[A-Za-z_$@(][^\n]{0,199})"
)
_AUTHORIZATION = lazy_compile(r"(?i:authorization)")
# A literal that stands for a variable: `YOUR_API_KEY`, `AUTYPE_API_KEY`.
_CONSTANT_NAME = lazy_compile(r"[A-Z][A-Z0-9_]*")
# Markdown: fenced code blocks (``` or ~~~); prose outside them only mentions Bearer.
# Matched only at the start of a line holding a fence (see `_fences`).
_FENCE = lazy_compile(r"[ \t]*(```|~~~)[ \t]*([A-Za-z0-9_+-]*)")
# Diffs: a removed line (`- headers = ...Bearer...`) shows what was fixed, not what is sent.
_DIFF_SUFFIXES = (".diff", ".patch")
_MARKDOWN = (".md", ".markdown", ".mdx")

_SUGGESTION = (
    "Autype rejects Bearer authentication: send the key in the X-API-Key header instead"
    " (`X-API-Key: <key>`, the key read from AUTYPE_API_KEY). If the key was ever committed, "
    + ROTATE_HINT
    + "."
)


class BearerAuth(Rule):
    """
    ## What it does
    Flags Autype API keys sent as Bearer tokens: `Authorization: Bearer ...` with a literal
    key, a variable or field named for Autype (`AUTYPE_API_KEY`, `settings.autype_api_key`),
    or any Bearer header in a file whose context is Autype (it calls `api.autype.com`, or
    its file or directory name mentions Autype). Any file kind counts, code blocks in docs included.
    The value may be built in any common language: interpolation (`"Bearer ${k}"`, Swift
    `"Bearer \\(k)"`), concatenation (`+`, `.`, Lua `..`, Elixir `<>`, VB `&`, `.concat(k)`),
    format strings, joins (`" ".join(["Bearer", k])`), or, on a line naming the Authorization
    header in an Autype context, any operand that follows the string `"Bearer "`.

    HTTP clients' own ways of sending a Bearer token count too: Python requests, httpx,
    aiohttp and urllib3 (`auth=BearerAuth(k)`, an `Authorization` header); fetch, node-fetch,
    axios (`headers.common.Authorization`, `axios.create({headers})`), got, ky and superagent
    (`.auth(k, {type: 'bearer'})`); Go net/http (`req.Header.Set`) and resty
    (`SetAuthToken(k)`); OkHttp, java.net.http, Spring (`setBearerAuth(k)`); .NET
    `AuthenticationHeaderValue("Bearer", k)`, RestSharp `JwtAuthenticator(k)` and
    `OAuth2AuthorizationRequestHeaderAuthenticator(k, "Bearer")`; Ruby Faraday
    (`request :authorization, "Bearer", k`), Net::HTTP, HTTParty; PHP Guzzle, Laravel
    `Http::withToken(k)`, Symfony `'auth_bearer' => k`; Rust reqwest `bearer_auth(k)`;
    Swift URLSession and Alamofire `.authorization(bearerToken: k)`; Ktor `bearerAuth(k)`,
    `BearerTokens(k, ...)`; Dart http and dio; curl (`--oauth2-bearer`, `-H`), HTTPie
    (`--auth-type=bearer`, `-A bearer`) and wget (`--header=`).

    The credential is followed by name within the file: a variable assigned the Autype key
    (`token = os.environ["AUTYPE_API_KEY"]`, `$key = config('services.autype.key')`, a key
    literal), directly or through a chain of plain assignments (`t = key`, `t = f"{key}"`),
    is the key where it is used in the same function or module. A request made by an
    Autype-named client (`autype_client.headers[...]`) goes to Autype.

    ## Why is this bad?
    Autype's Developer API does not support Bearer authentication or JWTs: every such request
    fails with HTTP 401, and the key ends up in places (proxies, logs, tracing) that treat
    the Authorization header as a user token.

    ## Example
    ```python
    headers = {"Authorization": f"Bearer {settings.AUTYPE_API_KEY}"}
    ```

    ## Use instead
    ```python
    headers = {"X-API-Key": settings.AUTYPE_API_KEY}
    ```

    ## Fix safety
    Display only: the header name and the value format both change.

    ## Options
    None. Prose that merely mentions Bearer is not a finding (in Markdown only fenced code
    blocks are read), nor is a Bearer header sent to another service (named for it, assigned
    from a credential named for it, or sent to another host). Calls into other functions
    and other files are not followed.
    """

    CODE = "AG301"
    NAME = "bearer-auth"
    SEVERITY = Severity.MEDIUM
    MARKERS = tuple(s.encode() for s in _BEARER_SPELLINGS + _IMPLIED_BEARER)
    VALID = (
        Valid('headers = {"X-API-Key": os.environ["AUTYPE_API_KEY"]}\n', path="autype.py"),
        Valid(
            "Autype does not accept `Authorization: Bearer ...`; send the key in X-API-Key.\n",
            path="docs/troubleshooting.md",
        ),
        Valid(
            "* Bearer auth not supported by Autype, switch the client to X-API-Key\n",
            path="notes.txt",
        ),
        Valid(
            "const r = await fetch('https://api.llm.example/v1/complete', {\n"
            "  headers: { Authorization: `Bearer ${process.env.LLM_API_KEY}` },\n"
            "});\n",
            path="server/other_apis.js",
        ),
        Valid(
            "const up = await fetch('https://api.autype.com/api/v1/dev/images', { headers });\n"
            "const me = await fetch('https://auth.internal.example/userinfo', {\n"
            "  headers: { Authorization: `Bearer ${req.session.accessToken}` },\n"
            "});\n",
            path="routes/autype.js",
        ),
        Valid(
            'if (header.startsWith("Bearer ")) { token = header.slice(7); }\n',
            path="lib/autype/webhook.ts",
        ),
        Valid(
            'local headers = { Authorization = "Bearer " .. github_token }\n',
            path="lua/autype/publish.lua",
        ),
    )
    INVALID = (
        Invalid(
            'headers = {"Authorization": f"Bearer {settings.AUTYPE_API_KEY}"}\n',
            span=Span.of((1, 31), (1, 37)),
            path="letters/services/pdf.py",
        ),
        Invalid(
            'req.Header.Set("Authorization", "Bearer "+c.Key)\n',
            span=Span.of((1, 34), (1, 40)),
            path="internal/autype/client.go",
        ),
        Invalid(
            "```bash\n"
            'curl https://api.autype.com/api/v1/dev/images -H "Authorization: Bearer $KEY"\n'
            "```\n",
            span=Span.of((2, 66), (2, 72)),
            path="README.md",
        ),
        Invalid(
            'req["Authorization"] = "Bearer #{ENV.fetch(\'AUTYPE_API_KEY\')}"\n',
            span=Span.of((1, 25), (1, 31)),
            path="app/services/pdf_client.rb",
        ),
        Invalid(
            'req.setValue("Bearer \\(key)", forHTTPHeaderField: "Authorization")\n',
            span=Span.of((1, 15), (1, 21)),
            path="ios/Receipts/AutypeClient.swift",
        ),
        Invalid(
            'return b.header("Authorization", "Bearer ".concat(autypeKey));\n',
            span=Span.of((1, 35), (1, 41)),
            path="src/main/java/zoo/RenderClient.java",
        ),
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.text
        if ctx.absent.issuperset(cls.MARKERS):
            return  # (the engine runs the rule only where one occurs; for other callers)
        in_context: Optional[bool] = None  # computed on first need
        lines = OnePerLine(text)
        code_ranges = _markdown_code(text) if ctx.path.lower().endswith(_MARKDOWN) else None
        whole_diff = ctx.path.lower().endswith(_DIFF_SUFFIXES)
        prose = ctx.kind in (FileKind.DOCS, FileKind.NOTEBOOK)
        php = ctx.path.lower().endswith(_PHP_SUFFIXES)
        urls: Optional[UrlIndex] = None
        flow: Optional[LocalFlow] = None
        # Whether an expression holds a key literal, once per expression (a bundle sends the
        # same few credential expressions many times).
        held: dict[str, bool] = {}

        def holds_key(v: str) -> bool:
            if v not in held:
                held[v] = any(True for _ in ctx.matcher.find(v))
            return held[v]

        needles = tuple(
            needle for needle, markers in _BEARER_NEEDLES if not ctx.absent.issuperset(markers)
        )
        bearer = NearSearch(_BEARER, text, needles, _BEARER_BACK)
        for m in lines.unreported(bearer):
            in_diff = whole_diff
            if code_ranges is not None:
                i = bisect_right(code_ranges, (m.start(), len(text), True)) - 1
                if i < 0 or m.start() >= code_ranges[i][1]:
                    continue  # Markdown prose
                in_diff = code_ranges[i][2]
            if in_diff and _is_removed_line(text, m.start()):
                continue
            elif prose and _in_inline_code(text, m.start()):
                continue  # a sentence quoting the header: `Authorization: Bearer $KEY`
            if not prose and is_comment_line(text, m.start()):
                continue
            if m.group("call") and _is_definition(text, m.start()):
                continue  # `class BearerAuth(AuthBase):`, `fun bearerAuth(token: String)`
            value = _credential(text, m, php)
            if value is None:
                # Any operand joined to the scheme in a header value, in an Autype context.
                value = _any_operand(text, m)
                if value is None:
                    continue
                if in_context is None:
                    in_context = is_autype_context(ctx.path, text, ctx.absent)
                if not in_context:
                    continue
            autype: Optional[bool] = True
            if not holds_key(value) and not mentions_autype(value):
                # Whose credential: followed through the file's assignments, then by its
                # name and the URL it is sent to, then by the client on the line.
                if flow is None:
                    flow = LocalFlow(text, holds_key)
                origin = flow.origin(value, m.start())
                if origin is not None:
                    autype = origin.autype
                else:
                    if urls is None:
                        urls = UrlIndex(text)
                    autype = header_audience(urls, m.start(), value)
                    if autype is None and line_names_autype(text, m.start()):
                        autype = True  # `autype_client.headers["Authorization"] = ...`
            if autype is None:
                if in_context is None:
                    in_context = is_autype_context(ctx.path, text, ctx.absent)
                autype = in_context
            if not autype and _in_request_to_autype(text, m.start()):
                autype = True  # sent to api.autype.com, whatever the credential's name
            if not autype or not lines.admit(m.start()):
                continue
            name = m.lastgroup if m.lastgroup in ("call", "label") else None
            start, end = m.span(name or 1)
            yield ctx.finding(
                cls,
                start,
                end,
                "The Autype key is sent as a Bearer token; Autype only accepts the X-API-Key"
                " header",
                identity=f"Bearer {value.strip()}",
                suggestion=_SUGGESTION,
                fix=Fix("Send the key in the X-API-Key header", Applicability.DISPLAY_ONLY),
            )


# The host of an absolute URL.
_URL_HOST = lazy_compile(r"https?://([A-Za-z0-9.-]{1,253})")
_REQUEST_REACH = 600


def _in_request_to_autype(text: str, offset: int) -> bool:
    """True when the header at `offset` belongs to a request whose URL, written earlier in
    the same statement, is on an Autype host: `fetch("https://api.autype.com/...", {headers:
    {Authorization: "Bearer " + t}})`. Same statement: after the URL no bracket closes that
    was opened before it, and every line break is inside a bracket opened after it or
    follows a `,` or an opening bracket."""
    floor = max(0, offset - _REQUEST_REACH)
    scheme = max(text.rfind("http://", floor, offset), text.rfind("https://", floor, offset))
    url = _URL_HOST.match(text, scheme) if scheme != -1 else None
    if url is None or not is_autype_host(url.group(1).lower()):
        return False
    depth = 0
    last = ""
    for c in text[url.end() : offset]:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return False
        elif depth == 0 and (c == ";" or (c == "\n" and last not in ",([{")):
            return False
        if not c.isspace():
            last = c
    return True


def _is_definition(text: str, start: int) -> bool:
    """True when the helper named at `start` is being defined (`def bearer_auth(`,
    `class BearerAuth(`, `HttpHeaders setBearerAuth(`), not called."""
    floor = max(0, start - 200)
    line_start = text.rfind("\n", floor, start) + 1 or floor
    before = text[line_start:start].rstrip()
    if not before or not (before[-1].isalnum() or before[-1] == "_"):
        return False
    word = _LAST_WORD.search(before)
    return word is None or word.group() not in _CALL_KEYWORDS


def _credential(text: str, m: re.Match[str], php: bool = False) -> Optional[str]:
    """The credential expression sent after `Bearer`, or None when nothing is attached."""
    if m.group(1) is None:  # a helper call: its arguments are the credential
        close = text.find(")", m.end(), m.end() + 200)
        args = text[m.end() : close if close != -1 else m.end() + 200]
        return args if args.strip() else None
    v = _VALUE.match(text, m.end())
    if v is None:
        return _option_credential(text, m, php)
    if v.group("interp"):
        return v.group("interp")
    if v.group("joined"):
        return _until_statement_end(v.group("joined"))
    if v.group("scheme_arg"):
        # Only as the scheme argument of an auth-header constructor, not `split("Bearer", 1)`.
        window = (max(0, m.start() - 80), m.start())
        arg = _until_statement_end(v.group("scheme_arg").lstrip(" \t,"))
        if _AUTH_CALLEE.search(text, *window):
            return arg
        # Joined words (`" ".join(["Bearer", "tokens"])`) are text, not a credential.
        joined = _JOIN_BEFORE.search(text, *window) or (
            _LIST_OPEN.search(text, *window) and _JOIN_AFTER.match(text, m.end())
        )
        return arg if joined and arg[:1] not in ('"', "'", "`") else None
    if v.group("slot"):
        call = _FORMAT_ARGS.match(text, v.end())
        return _until_statement_end(call.group(1)) if call else v.group("slot")
    # A bare word after the scheme is prose or a literal string ("Bearer token"); only a key
    # or a constant-style name standing for one (`Bearer YOUR_API_KEY`) is a credential.
    literal = v.group("literal") or ""
    if PREFIX in literal or (_CONSTANT_NAME.fullmatch(literal) and "_" in literal):
        return literal
    return _option_credential(text, m, php)


def _option_credential(text: str, m: re.Match[str], php: bool) -> Optional[str]:
    """The credential when the scheme is named by an option or a later argument rather than
    written before the value: `'auth_bearer' => $k`, `--oauth2-bearer $KEY`,
    `-A bearer -a $KEY`, `.auth(k, {type: 'bearer'})`, `Authenticator(k, "Bearer")`, or
    joined with PHP's bare `.`."""
    start = m.start()
    if text.endswith("auth_", max(0, start - 5), start):
        o = _OPTION_VALUE.match(text, m.end())
        return _until_statement_end(o.group(1)) if o else None
    if text.endswith("--oauth2-", max(0, start - 9), start):
        o = _CURL_VALUE.match(text, m.end())
        return o.group(1) if o else None
    if any(text.endswith(s, max(0, start - len(s)), start) for s in _HTTPIE_SCHEME):
        floor = max(0, start - 1000)
        line_start = text.rfind("\n", floor, start) + 1 or floor
        line_end = text.find("\n", start, start + 1000)
        line = text[line_start : line_end if line_end != -1 else start + 1000]
        a = _HTTPIE_AUTH.search(line)
        return a.group(1) if a else None
    first = _AUTH_CALL_FIRST_ARG.search(text, max(0, start - 200), start)
    if first is not None:
        return first.group(1).strip()
    if php:
        j = _PHP_JOIN.match(text, m.end())
        if j is not None:
            return _until_statement_end(j.group(1))
    return None


def _any_operand(text: str, m: re.Match[str]) -> Optional[str]:
    """What follows a scheme that ends a string on a line naming the Authorization header:
    the operand of any join (`(str "Bearer " key)` -> `key`), or None."""
    if m.group(1) is None:
        return None
    o = _ANY_OPERAND.match(text, m.end())
    if o is None:
        return None
    floor = max(0, m.start() - 1000)
    line_start = max(floor, text.rfind("\n", floor, m.start()) + 1)
    line_end = text.find("\n", m.end(), m.end() + 1000)
    line = text[line_start : line_end if line_end != -1 else m.end() + 1000]
    if not _AUTHORIZATION.search(line):
        return None
    value = _until_statement_end(o.group(1)).strip()
    return value or None


def _until_statement_end(rest: str) -> str:
    """The expression at the start of `rest`, up to a `,`, `;` or unmatched closing bracket."""
    depth = 0
    for i, c in enumerate(rest):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return rest[:i]
            depth -= 1
        elif c in ",;" and depth == 0:
            return rest[:i]
    return rest


def _in_inline_code(text: str, offset: int) -> bool:
    """True when `offset` sits inside a backtick span of a line that has prose around it.

    Looks at most 1000 characters either side (notebook outputs have very long lines).
    """
    floor = max(0, offset - 1000)
    newline = text.rfind("\n", floor, offset)
    start = floor if newline == -1 else newline + 1
    end = text.find("\n", offset, offset + 1000)
    line = text[start : min(len(text), offset + 1000) if end == -1 else end]
    at = offset - start
    before = line[:at].count("`")
    if before % 2 == 0 or "`" not in line[at:]:
        return False
    outside = re.sub(r"`[^`]*`", " ", line)
    return len(re.findall(r"[A-Za-z]{2,}", outside)) >= 3


def _is_removed_line(text: str, offset: int) -> bool:
    floor = max(0, offset - 1000)
    newline = text.rfind("\n", floor, offset)
    if newline == -1 and floor > 0:
        return False
    start = newline + 1
    return text.startswith("-", start) and not text.startswith("---", start)


def _markdown_code(text: str) -> list[tuple[int, int, bool]]:
    """Offsets of the fenced code blocks of a Markdown file, and whether each is a diff."""
    ranges: list[tuple[int, int, bool]] = []
    opened: Optional[int] = None
    fence = ""
    is_diff = False
    for m in _fences(text):
        if opened is None:
            opened, fence = m.end(), m.group(1)
            is_diff = m.group(2).lower() in ("diff", "patch")
        elif m.group(1) == fence:
            ranges.append((opened, m.start(), is_diff))
            opened = None
    if opened is not None:
        ranges.append((opened, len(text), is_diff))
    return ranges


def _fences(text: str) -> Iterator[re.Match[str]]:
    """The fence lines of a Markdown text, in order: a line whose first non-blank characters
    are ``` or ~~~ (found with `str.find`, then `_FENCE` matched at the line's start)."""
    done = -1  # the start of the last fence line
    for hit in sorted(_all(text, "```") + _all(text, "~~~")):
        start = hit
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if start <= done or (start > 0 and text[start - 1] != "\n"):
            continue  # a second fence on the line, or text before it
        m = _FENCE.match(text, start)
        if m is not None:
            done = start
            yield m


def _all(text: str, needle: str) -> list[int]:
    out = []
    at = text.find(needle)
    while at != -1:
        out.append(at)
        at = text.find(needle, at + 1)
    return out
