"""AG102 key-in-browser-code."""

from __future__ import annotations

from typing import ClassVar

from ..context import FileContext
from ..keys import ROTATE_HINT
from ..model import Place, Severity, Span
from ..testing import Invalid, Valid
from .base import KeyLiteralRule


class KeyInBrowserCode(KeyLiteralRule):
    """
    ## What it does
    Flags Autype API keys in anything shipped to a browser: bundles and build output
    (`dist/`, `build/`, `.next/static/`, `public/`, ...), source maps, client-side
    JavaScript/TypeScript, single-file components (`.vue`, `.svelte`, `.astro`) and HTML
    templates.

    ## Why is this bad?
    Autype keys must only be used server-side. Whatever reaches a browser is public the
    moment it is deployed: anyone can open the developer tools, copy the key and spend your
    organization's credits. Minifying or splitting the key does not hide it.

    ## Example
    ```ts
    // src/api.ts, bundled into the frontend
    fetch(url, { headers: { "X-API-Key": "ak_3hQ9xLr2Vt8mW1pZ" } });
    ```

    ## Use instead
    Call your own backend endpoint (a Next.js route handler, a SvelteKit `+server.ts`, a
    Flask or Django view) that adds the key from `AUTYPE_API_KEY` on the server, and rotate
    the exposed key in the Autype dashboard under Settings -> API Keys now.

    ## Fix safety
    Display only: moving a call behind a backend endpoint cannot be done automatically.

    ## Options
    `browser-paths` (globs of browser-shipped directories).
    """

    CODE = "AG102"
    NAME = "key-in-browser-code"
    SEVERITY = Severity.CRITICAL
    PLACE = Place.BROWSER
    MESSAGE = "Autype API key {preview} in browser-shipped code{context}"
    CONTEXT_SEPARATOR: ClassVar[str] = ", "
    FIX_TITLE = "Move the Autype call behind your own backend endpoint"
    VALID = (
        Valid('fetch("/api/render", { method: "POST" });\n', path="src/app.tsx"),
        Valid('const key = "ak_your_api_key_here";\n', path="src/demo.ts"),
        Valid(
            'import "server-only";\nconst h = { "X-API-Key": process.env.AUTYPE_API_KEY };\n',
            path="lib/autype.ts",
        ),
    )
    INVALID = (
        Invalid(
            'fetch(u, { headers: { "X-API-Key": "ak_3hQ9xLr2Vt8mW1pZ" } });\n',
            span=Span.of((1, 37), (1, 56)),
            path="src/api.ts",
        ),
        Invalid(
            '!function(){var e="ak_3hQ9xLr2Vt8mW1pZ";}();\n',
            span=Span.of((1, 20), (1, 39)),
            path="dist/assets/index-58dee3d8.js",
        ),
        Invalid(
            '<script>const k = "ak_3hQ9xLr2Vt8mW1pZ";</script>\n',
            span=Span.of((1, 20), (1, 39)),
            path="templates/base.html",
        ),
    )

    @classmethod
    def suggestion(cls, ctx: FileContext, name: str) -> str:
        return (
            "Keys must never reach a browser: move the Autype call behind your own backend"
            f" endpoint that reads {name} on the server, and {ROTATE_HINT} now."
        )
