"""AG101 hardcoded-key."""

from __future__ import annotations

from ..model import Place, Severity, Span
from ..testing import Invalid, Valid
from .base import KeyLiteralRule


class HardcodedKey(KeyLiteralRule):
    """
    ## What it does
    Flags Autype API keys (`ak_...`) written into server-side source code: Python, Go,
    Ruby, Java, Kotlin, PHP, shell and server-side JavaScript/TypeScript, in string literals,
    comments and docstrings, including keys split across concatenated literals.

    ## Why is this bad?
    Anyone who can read the code, its git history or a copy of it can call the Autype API
    with the key, and every call is billed to your organization's credit balance. Removing
    the line does not help: the key stays in git history until it is rotated.

    ## Example
    ```python
    client = Autype(api_key="ak_3hQ9xLr2Vt8mW1pZ")
    ```

    ## Use instead
    ```python
    import os

    client = Autype(api_key=os.environ["AUTYPE_API_KEY"])
    ```
    Then rotate the exposed key in the Autype dashboard under Settings -> API Keys.

    ## Fix safety
    Unsafe: after the fix the program needs `AUTYPE_API_KEY` set to run, so only
    `autype-guard fix` applies it, and it moves the key into a git-ignored `.env` file.
    Python literals become `os.environ["AUTYPE_API_KEY"]` (adding `import os`), a literal
    fallback in `os.environ.get("NAME", "ak_...")` is dropped, a parameter default becomes
    `None` plus a lookup in the body; server-side JavaScript/TypeScript string literals
    become `process.env.AUTYPE_API_KEY`. Other languages get the suggestion only.

    ## Options
    `key-pattern` (what a key looks like), `env-var` (the suggested variable name).
    """

    CODE = "AG101"
    NAME = "hardcoded-key"
    SEVERITY = Severity.HIGH
    PLACE = Place.SERVER
    MESSAGE = "Hardcoded Autype API key {preview}{context}"
    FIX_TITLE = "Read the key from AUTYPE_API_KEY"
    VALID = (
        Valid('key = os.environ["AUTYPE_API_KEY"]\n'),
        Valid('key = "ak_your_api_key_here"\n'),
        Valid('requests.get(url, headers={"X-API-Key": os.environ["AUTYPE_API_KEY"]})\n'),
        Valid("peak_memory_in_bytes_over_time = 1\n"),
        Valid('css = "ak_button_primary_large"\n'),
        Valid('KEY="${AUTYPE_API_KEY:?set it}"\n', path="deploy.sh"),
    )
    INVALID = (
        Invalid(
            'key = "ak_3hQ9xLr2Vt8mW1pZ"\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 8), (1, 27)),
            fixed='import os\n\nkey = os.environ["AUTYPE_API_KEY"]\n',
        ),
        Invalid(
            'client = Autype(api_key="ak_3hQ9xLr2Vt8mW1pZ")\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 26), (1, 45)),
            fixed='import os\n\nclient = Autype(api_key=os.environ["AUTYPE_API_KEY"])\n',
        ),
        Invalid(
            'KEY = ("ak_3hQ9xLr2"\n       "Vt8mW1pZ")\n',
            span=Span.of((1, 9), (1, 20)),
            fixed='import os\n\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        ),
        Invalid(
            'import os\nSTAGING_KEY = os.getenv("AUTYPE_STAGING_KEY", "ak_3hQ9xLr2Vt8mW1pZ")\n',
            span=Span.of((2, 48), (2, 67)),
            fixed='import os\nSTAGING_KEY = os.getenv("AUTYPE_STAGING_KEY")\n',
        ),
        Invalid(
            'import express from "express";\nconst key = "ak_3hQ9xLr2Vt8mW1pZ";\n',
            span=Span.of((2, 14), (2, 33)),
            path="server/autype.ts",
            fixed='import express from "express";\nconst key = process.env.AUTYPE_API_KEY;\n',
        ),
        Invalid(
            '    apiKey := "ak_3hQ9xLr2Vt8mW1pZ"\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 16), (1, 35)),
            path="client.go",
        ),
        Invalid(
            'KEY="${AUTYPE_API_KEY:-ak_3hQ9xLr2Vt8mW1pZ}"\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 24), (1, 43)),
            path="smoke.sh",
        ),
        # Server-side parts of templates: Astro frontmatter, PHP code, ERB scriptlets.
        Invalid(
            '---\nconst key = "ak_3hQ9xLr2Vt8mW1pZ";\n---\n<p>hi</p>\n',
            span=Span.of((2, 14), (2, 33)),
            path="src/pages/index.astro",
        ),
        Invalid(
            '<?php\n$key = "ak_3hQ9xLr2Vt8mW1pZ";\n?>\n<p>hi</p>\n',
            span=Span.of((2, 9), (2, 28)),
            path="views/page.php",
        ),
        Invalid(
            '<% key = "ak_3hQ9xLr2Vt8mW1pZ" %>\n<p>hi</p>\n',
            span=Span.of((1, 11), (1, 30)),
            path="app/views/page.html.erb",
        ),
        Invalid(
            'import io.ktor.server.engine.*\nval autypeKey = "ak_3hQ9xLr2Vt8mW1pZ"\n',
            span=Span.of((2, 18), (2, 37)),
            path="src/main/kotlin/com/acme/Application.kt",
        ),
        Invalid(
            'import Vapor\nlet autypeKey = "ak_3hQ9xLr2Vt8mW1pZ"\n',
            span=Span.of((2, 18), (2, 37)),
            path="Sources/App/routes.swift",
        ),
        # Server-side JavaScript, with the key split across literals.
        Invalid(
            "const express = require('express');\nconst key = 'ak_3hQ9' + 'xLr2Vt8mW1pZ';\n",
            span=Span.of((2, 14), (2, 38)),
            path="server.js",
        ),
    )
