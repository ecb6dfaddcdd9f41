"""AG102 key-in-browser-code."""

from __future__ import annotations

from typing import ClassVar

from ..context import FileContext
from ..keys import ROTATE_HINT
from ..model import Place, Severity, Span
from ..suggest import backend_endpoint
from ..testing import Invalid, Valid
from .base import KeyLiteralRule


class KeyInBrowserCode(KeyLiteralRule):
    """
    ## What it does
    Flags Autype API keys in anything shipped to a browser or a mobile app: bundles and
    build output (`dist/`, `build/`, `.next/static/`, `public/`, ...), source maps (the
    original sources they embed), precompressed assets (`.js.gz`, `.js.br`), archives that
    ship code (`.zip`, `.whl`, `.jar`, `.tgz`), client-side JavaScript/TypeScript, single-file
    components (`.vue`, `.svelte`, `.astro`) and the page parts of HTML templates (HTML,
    Jinja/Django, ERB, EJS, PHP, Blade, Go templates, ...). Keys assembled from literals
    (`'ak_' + '...'`, `['ak', '...'].join('_')`, template literals) count too.

    Mobile apps ship to every device the same way: Android resources and assets
    (`res/values/strings.xml`), `AndroidManifest.xml`, `google-services.json`, iOS
    `Info.plist` and `*.xcconfig`, Kotlin/Java/Swift/Dart app code (under `android/` or
    `ios/`, importing Android, UIKit, SwiftUI or Flutter, Dart under `lib/`), Expo
    `app.json`/`app.config.js` and React Native components. Server-side Kotlin, Java and
    Swift (Spring, Ktor, Vapor) stay AG101. `autype_guard/exposure.py` lists the conventions.

    Server-side parts of a file are not browser code: Astro frontmatter, PHP code inside
    `<?php ... ?>`, ERB/EJS `<% %>` scriptlets and template tags such as `{% set %}` report
    AG101 instead, unless the key is echoed into the page (`<?= ... ?>`, `<%= ... %>`).

    ## Why is this bad?
    Autype keys must only be used server-side. Whatever reaches a browser is public the
    moment it is deployed: anyone can open the developer tools, copy the key and spend your
    organization's credits. An app package can be downloaded and unpacked by anyone
    (`apktool`, `strings` on an `.ipa`) with the same result. Minifying, splitting or
    compressing the key does not hide it, and a published source map hands out the
    original source.

    ## Example
    ```ts
    // src/api.ts, bundled into the frontend
    fetch(url, { headers: { "X-API-Key": "ak_3hQ9xLr2Vt8mW1pZ" } });
    ```

    ## Use instead
    Call your own backend endpoint (a Next.js route handler, a SvelteKit `+server.ts`, a
    Nuxt `server/api/` route, a Flask or Django view, an Express route) that adds the key
    from `AUTYPE_API_KEY` on the server, and rotate the exposed key in the Autype dashboard
    under Settings -> API Keys now:
    ```ts
    // app/api/render/route.ts (Next.js), runs on the server
    export async function POST(req: Request) {
      return fetch("https://api.autype.com/api/v1/dev/...", {
        method: "POST",
        headers: { "X-API-Key": process.env.AUTYPE_API_KEY! },
        body: await req.text(),
      });
    }
    ```
    For a source map, the message names the original source file that holds the key: fix
    it there, rebuild, and stop publishing source maps with embedded sources.

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
        Valid("const prefix = 'ak_' + version;\n", path="src/keys.ts"),
        Valid("const cls = ['ak', 'button', 'primary'].join('_');\n", path="src/ui.js"),
        Valid(
            '{"version":3,"sources":["a.ts"],"sourcesContent":["const k = \\"ak_your_api_key_here'
            '\\";"],"mappings":"AAAA"}\n',
            path="dist/app.js.map",
        ),
        Valid(
            "<script>const k = \"<%= ENV.fetch('PUBLIC_ID') %>\";</script>\n",
            path="app/views/home.html.erb",
        ),
        Valid(
            '<resources><string name="autype_key">ak_your_api_key_here</string></resources>\n',
            path="android/app/src/main/res/values/strings.xml",
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
        # A Vue single-file component: <script setup> runs in the browser.
        Invalid(
            '<template><p>{{ k }}</p></template>\n<script setup>\nconst k = "ak_3hQ9xLr2Vt8mW1pZ";'
            "\n</script>\n",
            span=Span.of((3, 12), (3, 31)),
            path="src/components/Key.vue",
        ),
        Invalid(
            '<script>\n  const key = "ak_3hQ9xLr2Vt8mW1pZ";\n</script>\n',
            span=Span.of((2, 16), (2, 35)),
            path="src/routes/+page.svelte",
        ),
        # Astro: the frontmatter runs on the server, the <script> in the browser.
        Invalid(
            '---\nconst title = "Pricing";\n---\n<script>\n  const k = "ak_3hQ9xLr2Vt8mW1pZ";'
            "\n</script>\n",
            span=Span.of((5, 14), (5, 33)),
            path="src/pages/index.astro",
        ),
        # A source map: located in the map's raw text, JSON escapes included.
        Invalid(
            '{"version":3,"sources":["../src/a.ts"],"sourcesContent":["// a\\nconst k = \\"'
            'ak_3hQ9xLr2Vt8mW1pZ\\";\\n"],"mappings":"AAAA"}\n',
            span=Span.of((1, 77), (1, 96)),
            path="dist/app.js.map",
        ),
        # Keys assembled from literals: reported on the line holding `ak`.
        Invalid(
            "const key = 'ak_3hQ9' +\n  'xLr2Vt8mW1pZ';\n",
            span=Span.of((1, 14), (1, 24)),
            path="src/key.ts",
        ),
        Invalid(
            "export const key = ['ak', '3hQ9xLr2Vt8mW1pZ'].join('_');\n",
            span=Span.of((1, 22), (1, 44)),
            path="src/key.js",
        ),
        Invalid(
            "const key = `ak_3hQ9${'xLr2'}Vt8mW1pZ`;\n",
            span=Span.of((1, 14), (1, 38)),
            path="src/key.js",
        ),
        # The page part of a PHP file, and a value echoed by ERB, reach the browser.
        Invalid(
            '<?php $title = "Home"; ?>\n<script>const k = "ak_3hQ9xLr2Vt8mW1pZ";</script>\n',
            span=Span.of((2, 20), (2, 39)),
            path="public/legacy/index.php",
        ),
        Invalid(
            '<script>window.k = "<%= "ak_3hQ9xLr2Vt8mW1pZ" %>";</script>\n',
            span=Span.of((1, 26), (1, 45)),
            path="app/views/home.html.erb",
        ),
        # Mobile apps: resources, Info.plist and app code ship to every device.
        Invalid(
            '<resources>\n  <string name="autype_key">ak_3hQ9xLr2Vt8mW1pZ</string>\n',
            span=Span.of((2, 29), (2, 48)),
            path="android/app/src/main/res/values/strings.xml",
        ),
        Invalid(
            "<dict>\n  <key>AutypeKey</key>\n  <string>ak_3hQ9xLr2Vt8mW1pZ</string>\n",
            span=Span.of((3, 11), (3, 30)),
            path="ios/Runner/Info.plist",
        ),
        Invalid(
            'import SwiftUI\nlet autypeKey = "ak_3hQ9xLr2Vt8mW1pZ"\n',
            span=Span.of((2, 18), (2, 37)),
            path="Sources/Render/Client.swift",
        ),
        Invalid(
            "const autypeKey = 'ak_3hQ9xLr2Vt8mW1pZ';\n",
            span=Span.of((1, 20), (1, 39)),
            path="lib/services/render.dart",
        ),
    )

    @classmethod
    def suggestion(cls, ctx: FileContext, name: str) -> str:
        endpoint = backend_endpoint(ctx.path, ctx.text)
        return (
            f"Keys must never reach a browser: move the Autype call behind {endpoint}, which"
            f" reads {name} on the server and sends the X-API-Key header, and {ROTATE_HINT}"
            " now."
        )
