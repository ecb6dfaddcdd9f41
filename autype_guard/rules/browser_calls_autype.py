"""AG203 browser-calls-autype."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Optional

from ..autype_context import (
    NearSearch,
    OnePerLine,
    UrlIndex,
    header_audience,
    is_autype_context,
    is_comment_line,
    mentions_autype,
    names_autype_endpoint,
    server_env_read,
)
from ..context import FileContext
from ..dataflow import LocalFlow
from ..keys import ROTATE_HINT
from ..lazy_regex import lazy_compile
from ..model import Applicability, FileKind, Finding, Fix, Place, Severity, Span
from ..prefilter import Confirmations
from ..testing import Invalid, Valid
from .base import Rule

# Code that sets the X-API-Key header (any case): an object entry `'X-API-Key': v` or
# `['X-API-Key']: v`, a call argument `.set("X-API-Key", v)` / `setRequestHeader('x-api-key',
# v)`, an array pair `['X-API-Key', v]` or an index assignment `headers["X-API-Key"] = v`.
# The quote must close the header name; the separator says a value follows.
# The header name is matched in the casings MARKERS admits (`X-API-Key`, `x-api-key`,
# `X-Api-Key`, `X-API-KEY`, ...): every one holds `-api-`, `-API-` or `-Api-`.
_HEADER = lazy_compile(
    r"""\\?(["'`])([xX]-(?:api|API|Api)-(?:key|Key|KEY))\\?\1"""
    r"""[ \t]*(?::|,|\][ \t]*(?::|=(?!=)))[ \t]*"""
)
# `_HEADER` starts with a character class: it is tried only where these occur, at most
# `_HEADER_BACK` characters after its start (`\"x-api-key`).
_HEADER_NEEDLES = ("-api-", "-API-", "-Api-")
_HEADER_BACK = len('\\"x')


def _in_header_name(data: bytes, start: int, end: int) -> bool:
    """`-api-` in `X-API-Key` (any casing `_HEADER` admits), not in `pdf-api-docs`."""
    return data[start - 1 : start] in (b"x", b"X") and data[end : end + 3] in _KEY_SPELLINGS


_KEY_SPELLINGS = (b"key", b"Key", b"KEY")
# The value expression after the separator: up to the end of the entry or call argument.
_VALUE = lazy_compile(r"[^,;)}\n]{0,200}")

_SUGGESTION = (
    "Never call Autype from the browser: call your own backend endpoint (a Next.js route"
    " handler, a SvelteKit +server.ts, a Flask or Django view) that adds the X-API-Key"
    " header from AUTYPE_API_KEY on the server, and " + ROTATE_HINT + "."
)


class BrowserCallsAutype(Rule):
    """
    ## What it does
    Flags Autype API keys sent to the Autype API from browser code: browser-shipped code
    (client JS/TS, single-file components, HTML, bundles) that calls `api.autype.com` (any
    path) with an `X-API-Key` header. It reports every line that sets the header, whether
    the key is a literal or a variable. The host may sit anywhere in the file: a base-URL
    constant or an `axios.create({ baseURL })` instance on another line counts. A variable
    sent as the header is followed through the file's plain assignments: one assigned a key
    literal (`const DEMO_KEY = "ak_..."`) is the Autype key whatever its name.

    ## Why is this bad?
    A request made by the browser carries the key in the clear: anyone can read it in the
    network tab, whatever variable or env var it came from. Autype keys must only be used
    server-side; a leaked key spends your organization's credits.

    ## Example
    ```ts
    // src/lib/autype.ts (client)
    fetch("https://api.autype.com/api/v1/dev/render", {
      headers: { "X-API-Key": apiKey },
    });
    ```

    ## Use instead
    ```ts
    // client: call your own endpoint
    fetch("/api/render", { method: "POST", body });
    // app/api/render/route.ts (server): adds the key
    fetch(AUTYPE_URL, { headers: { "X-API-Key": process.env.AUTYPE_API_KEY! } });
    ```
    Rotate any key that was used from the browser in the Autype dashboard under
    Settings -> API Keys.

    ## Fix safety
    Display only: moving the call behind a backend endpoint cannot be done automatically.

    ## Options
    `browser-paths` decides which files are browser-shipped (see AG102); `public-env-prefixes`
    which environment variables reach the browser. Server-side code sending `X-API-Key`
    from an environment variable is the correct use and is never flagged, even inside a
    module that also holds client code (a Remix route, a Next.js server component): a
    non-public `process.env.X` read is never inlined into a bundle. Nor is an `X-API-Key`
    header sent to another service flagged.
    """

    CODE = "AG203"
    NAME = "browser-calls-autype"
    SEVERITY = Severity.CRITICAL
    # Every finding sets the header, so its spellings are the markers, each counted only
    # inside a header name.
    MARKERS = (b"-api-", b"-API-", b"-Api-")
    CONFIRM: ClassVar[Confirmations] = {marker: _in_header_name for marker in MARKERS}
    VALID = (
        Valid(
            "fetch('https://api.autype.com/api/v1/dev/images', {\n"
            "  headers: { 'X-API-Key': process.env.AUTYPE_API_KEY },\n"
            "});\n",
            path="app/api/images/route.ts",
        ),
        Valid(
            "fetch('https://api.autype.com/api/v1/dev/status').then((r) => r.ok);\n",
            path="src/widgets/StatusDot.jsx",
        ),
        Valid(
            "fetch(`https://api.weather.example/v2?q=${city}`, { headers: { 'X-API-Key': W } });\n"
            "// Autype: https://api.autype.com is only called from the server\n",
            path="src/widgets/Weather.jsx",
        ),
        Valid(
            "// the X-API-Key header for https://api.autype.com is added by the server\n"
            "fetch('/api/render');\n",
            path="src/components/Export.tsx",
        ),
        Valid('const h = { "X-API-Key": "ak_your_api_key_here" };\n', path="server/jobs/a.ts"),
        Valid(
            "export async function action() {\n"
            "  await fetch('https://api.autype.com/api/v1/dev/render', {\n"
            "    headers: { 'X-API-Key': process.env.AUTYPE_API_KEY! } });\n}\n",
            path="app/routes/render.tsx",
        ),
    )
    INVALID = (
        Invalid(
            "const BASE = 'https://api.autype.com/api/v1/dev';\n"
            "export const render = (key, body) =>\n"
            "  fetch(`${BASE}/render`, { method: 'POST', body,\n"
            "    headers: { 'Content-Type': 'application/json', 'X-API-Key': key } });\n",
            span=Span.of((4, 53), (4, 62)),
            path="src/lib/autype.ts",
        ),
        Invalid(
            "const autype = axios.create({ baseURL: 'https://api.autype.com/api/v1/dev' });\n"
            "autype.interceptors.request.use((c) => {\n"
            "  c.headers['X-API-Key'] = window.AUTYPE_KEY;\n"
            "  return c;\n"
            "});\n",
            span=Span.of((3, 14), (3, 23)),
            path="src/api/autype.js",
        ),
        Invalid(
            "<script>\n"
            "  const xhr = new XMLHttpRequest();\n"
            "  xhr.open('POST', 'https://api.autype.com/api/v1/dev/render');\n"
            "  xhr.setRequestHeader('x-api-key', window.k);\n"
            "</script>\n",
            span=Span.of((4, 25), (4, 34)),
            path="public/editor.html",
        ),
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is FileKind.SOURCE_MAP or not ctx.may_hold(Place.BROWSER):
            return  # a source map's original files are scanned themselves
        text = ctx.text
        # The file talks to Autype: the host, a base URL named for Autype
        # (`import.meta.env.VITE_AUTYPE_API_URL`), or a file or directory named for Autype
        # (`src/lib/autype.js`). A header whose value names Autype counts on its own.
        file_calls_autype = is_autype_context(ctx.path, text, ctx.absent) or names_autype_endpoint(
            text, ctx.absent
        )
        lines = OnePerLine(text)
        urls = UrlIndex(text)
        flow: Optional[LocalFlow] = None
        headers = NearSearch(_HEADER, text, _HEADER_NEEDLES, _HEADER_BACK)
        for m in lines.unreported(headers):
            # Only browser regions count: not Astro frontmatter or PHP code, but the page of a
            # PHP file does.
            if ctx.place_at(m.start()) is not Place.BROWSER or is_comment_line(text, m.start()):
                continue
            value_match = _VALUE.match(text, m.end())
            value = value_match.group().strip() if value_match else ""
            source = value
            origin = None
            if value and not mentions_autype(value):
                # A variable: followed through the file's assignments to what it holds
                # (`const DEMO_KEY = "ak_..."`, `const k = process.env.AUTYPE_API_KEY`).
                if flow is None:
                    flow = LocalFlow(text, lambda v: any(True for _ in ctx.matcher.find(v)))
                origin = flow.origin(value, m.start())
            if origin is not None:
                source = origin.source
                # The Autype key: named so, the request is Autype's; a key literal still
                # needs the request's URL or the file to say so, as when written in place.
                audience: Optional[bool] = origin.autype and (
                    mentions_autype(source) or header_audience(urls, m.start(), "")
                )
            else:
                audience = header_audience(urls, m.start(), value)
            if audience is False or (audience is None and not file_calls_autype):
                continue  # the header goes to another service, or nothing says it is Autype's
            if server_env_read(source, ctx.config.public_env_prefixes):
                continue  # server code in a mixed module: bundlers never inline this variable
            if not lines.admit(m.start()):
                continue
            yield ctx.finding(
                cls,
                m.start(2),
                m.end(2),
                "Browser code calls the Autype API with an X-API-Key header: the key is"
                " exposed to every visitor",
                identity=f"{m.group(2)}: {value}",
                suggestion=_SUGGESTION,
                fix=Fix("Call your own backend endpoint instead", Applicability.DISPLAY_ONLY),
            )
