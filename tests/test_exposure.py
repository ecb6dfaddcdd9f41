from __future__ import annotations

import re

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions
from autype_guard.classify import classify
from autype_guard.config import Config
from autype_guard.exposure import place_of, regions_of
from autype_guard.model import FileKind, Place
from autype_guard.suggest import backend_endpoint

from .conftest import fake_key


@pytest.mark.parametrize(
    ("path", "text", "place"),
    [
        # Built output and web roots.
        ("dist/assets/index-58dee3d8.js", "", Place.BROWSER),
        ("build/static/js/main.434ba36d.js", "", Place.BROWSER),
        (".next/static/chunks/app/page-770745b106fe5108.js", "", Place.BROWSER),
        ("dist/assets/index.js.map", "", Place.BROWSER),
        ("dist/assets/legacy.js.gz", "", Place.BROWSER),
        ("public/js/app.js", "", Place.BROWSER),
        ("wwwroot/js/site.js", "", Place.BROWSER),
        ("static/css/site.css", "", Place.BROWSER),
        ("src/styles/theme.scss", "", Place.BROWSER),
        ("dist/site.css.gz", "", Place.BROWSER),
        # Server build output under a browser path, and Node servers compiled into dist/.
        (".next/server/app/page.js", "", Place.SERVER),
        ("dist/server/entry-server.mjs", "", Place.SERVER),
        (".output/server/chunks/app.mjs", "", Place.SERVER),
        ("dist/main.js", "const express = require('express');\n", Place.SERVER),
        ("dist/index.js", "import fs from 'fs';\n", Place.BROWSER),
        ("build/lib/pkg/client.py", "", Place.SERVER),
        ("public/index.php", "", Place.SERVER),
        # Client and server scripts.
        ("src/api/client.ts", "", Place.BROWSER),
        ("src/app.tsx", '"use client";\nimport fs from "fs";\n', Place.BROWSER),
        ("lib/autype.ts", 'import "server-only";\n', Place.SERVER),
        ("api/render.ts", "", Place.SERVER),
        ("app/api/render/route.ts", "", Place.SERVER),
        ("src/routes/api/+server.ts", "", Place.SERVER),
        ("src/hooks.server.ts", "", Place.SERVER),
        ("server/api/render.post.ts", "", Place.SERVER),
        ("supabase/functions/render/index.ts", "", Place.SERVER),
        ("worker.js", "import 'dotenv/config';\n", Place.SERVER),
        ("webpack.config.prod.js", "", Place.SERVER),
        ("frontend/src/app/app.config.ts", "", Place.BROWSER),
        ("edge.ts", "Deno.serve(() => new Response('ok'));\n", Place.SERVER),
        (
            "src/edge.ts",
            "Bun.serve({ fetch(req) { return new Response('ok'); } });\n",
            Place.SERVER,
        ),
        # Edge workers: module workers and handlers taking the platform's `env` bindings.
        ("src/index.js", "export default { fetch(request) { return r; } };\n", Place.SERVER),
        (
            "worker/src/index.ts",
            "export default {\n  async fetch(req: Request, env: Env, ctx) {}\n};\n",
            Place.SERVER,
        ),
        ("src/cron.ts", "export default { async scheduled(event, env) {} };\n", Place.SERVER),
        ("src/h.ts", "const h = { fetch: async (req, env) => r };\n", Place.SERVER),
        ("dist/_worker.js", "export default { async fetch(r, env) {} };\n", Place.SERVER),
        # A browser service worker and browser calls of fetch stay client code.
        (
            "src/sw.js",
            "self.addEventListener('fetch', (e) => e.respondWith(fetch(e.request)));\n",
            Place.BROWSER,
        ),
        ("src/load.ts", "const r = await window.fetch(req, env);\n", Place.BROWSER),
        ("routes/render.js", "module.exports = (req, res) => res.send('ok');\n", Place.SERVER),
        ("src/handlers.ts", "export async function POST(request: Request) {}\n", Place.SERVER),
        ("functions/api/render.ts", "", Place.SERVER),
        ("src/functions/format.ts", "", Place.BROWSER),
        ("src/api/autype.js", "import axios from 'axios';\n", Place.BROWSER),
        # Templates and components; templates of non-web files take the rendered file's place.
        ("src/App.vue", "", Place.BROWSER),
        ("src/pages/index.astro", "", Place.BROWSER),
        ("templates/page.html", "", Place.BROWSER),
        ("app/views/home.html.erb", "", Place.BROWSER),
        ("roles/web/templates/nginx.conf.j2", "", Place.CONFIG),
        ("deploy/settings.py.j2", "", Place.SERVER),
        ("charts/app/values.yaml.tmpl", "", Place.CONFIG),
        ("roles/renderer/templates/renderer.env.j2", "K={{ k }}\n", Place.CONFIG),
        ("deploy/php.ini.tmpl", "k = {{ .K }}\n", Place.CONFIG),
        ("roles/r/templates/reportd.service.j2", "[Service]\n", Place.CONFIG),
        ("deploy/run.sh.j2", "export K={{ k }}\n", Place.SERVER),
        ("app/views/pdf/show.js.erb", "", Place.BROWSER),
        # A generic template without one HTML tag renders no page; HTML names always do.
        ("web/templates/env.tmpl", "AUTYPE_API_KEY={{ .AutypeKey }}\n", Place.CONFIG),
        ("roles/r/templates/env.j2", "K={{ k }}\n", Place.CONFIG),
        ("web/templates/page.tmpl", "<p>{{ .Title }}</p>\n", Place.BROWSER),
        ("templates/base.j2", "<!doctype html>\n{{ body }}\n", Place.BROWSER),
        ("templates/partial.html", "{{ body }}\n", Place.BROWSER),
        ("templates/partial.html.j2", "{{ body }}\n", Place.BROWSER),
        ("views/index.pug", "p= title\n", Place.BROWSER),
        # Archive members are placed by their path inside the archive.
        ("dist/app.zip!static/js/app.js", "", Place.BROWSER),
        ("dist/app-1.0-py3-none-any.whl!app/client.py", "", Place.SERVER),
    ],
)
def test_place_of(path: str, text: str, place: Place) -> None:
    assert place_of(path, classify(path), text, Config()) is place


def test_browser_paths_are_configurable() -> None:
    config = Config(browser_paths=("**/web-root/**",))
    assert place_of("web-root/app.js", FileKind.SCRIPT, "", config) is Place.BROWSER
    assert place_of("dist/app.js", FileKind.SCRIPT, "import 'server-only';", config) is (
        Place.SERVER
    )


def _places(path: str, text: str) -> list[Place]:
    kind = classify(path)
    place = place_of(path, kind, text, Config())
    regions = regions_of(path, kind, text, place)
    return [regions.at(m.start()) for m in re.finditer("KEY", text)]


S, B = Place.SERVER, Place.BROWSER


@pytest.mark.parametrize(
    ("path", "text", "places"),
    [
        (
            "src/pages/index.astro",
            "---\nconst a = 'KEY';\n---\n<p>KEY</p>\n<script>const b = 'KEY';</script>\n",
            [S, B, B],
        ),
        ("src/pages/plain.astro", "<p>KEY</p>\n---\nKEY\n---\n", [B, B]),
        (
            "views/page.php",
            "<?php\n$a = 'KEY';\necho 'KEY';\nprint('KEY'); $b = 'KEY';\n?>\n"
            "<script>var c = 'KEY';</script>\n<?= 'KEY' ?>\n<? $d = 'KEY'; ?>",
            [S, B, B, S, B, B, S],
        ),
        # `?>` inside a string does not leave PHP; inside a line comment it does.
        ("views/str.php", "<?php $a = '?> KEY'; // ?> KEY\n", [S, B]),
        ("src/Service.php", "<?php\nnamespace App;\nclass A { const K = 'KEY'; }\n", [S]),
        (
            "resources/views/a.blade.php",
            "@php\n$a = 'KEY';\n@endphp\n{{-- KEY --}}\n<p>{{ 'KEY' }}</p>\n<?php $b = 'KEY'; ?>",
            [S, S, B, S],
        ),
        (
            "app/views/a.html.erb",
            "<% a = 'KEY' %>\n<%= 'KEY' %>\n<%== 'KEY' %>\n<%# KEY %>\n<%- b = 'KEY' -%>\n"
            "<%% KEY %>\n<p>KEY</p>",
            [S, B, B, S, S, B, B],
        ),
        (
            "views/a.ejs",
            "<% const a = 'KEY' %>\n<%= 'KEY' %>\n<%- 'KEY' %>\n<%# KEY %>\n<p>KEY</p>",
            [S, B, B, S, B],
        ),
        (
            "templates/a.html",
            "{% set a = 'KEY' %}\n{{ 'KEY' }}\n{# KEY #}\n{% comment %}\nKEY\n{% endcomment %}"
            "\n<p>KEY</p>",
            [S, B, S, S, B],
        ),
        (
            "templates/a.tmpl",
            '{{/* KEY */}}\n{{ $k := "KEY" }}\n{{ if eq .A "KEY" }}<p>{{ "KEY" }}</p>{{ end }}',
            [S, S, S, B],
        ),
        ("templates/a.hbs", "{{!-- KEY --}}\n{{! KEY }}\n<p>KEY</p>", [S, S, B]),
        (
            "next.config.js",
            "const k = 'KEY';\nmodule.exports = { env: { A: 'KEY', B: { c: '}KEY' } },"
            " x: 'KEY' };\n",
            [S, B, B, S],
        ),
        (
            "nuxt.config.ts",
            "export default defineNuxtConfig({ runtimeConfig: { k: 'KEY',"
            " public: { k: 'KEY' } } });\n",
            [S, B],
        ),
        ("vite.config.ts", "export default { define: { K: JSON.stringify('KEY') } };", [B]),
        (
            "webpack.config.prod.js",
            "const k = 'KEY';\nnew webpack.DefinePlugin({ K: JSON.stringify('KEY') });",
            [S, B],
        ),
        # Svelte's `{#if}` blocks are page output, not Jinja comments.
        ("src/routes/+page.svelte", "{#if ok}\n<p>KEY</p>\n{/if}\n", [B]),
    ],
)
def test_regions(path: str, text: str, places: list[Place]) -> None:
    assert _places(path, text) == places


def test_key_in_server_region_is_ag101_and_in_page_is_ag102() -> None:
    key, other = fake_key(), fake_key()
    text = f"<?php\n$key = '{key}';\n?>\n<script>const k = '{other}';</script>\n"
    result = scan_text(text, "public/legacy/page.php")
    assert [(f.code, f.line) for f in result.findings] == [("AG101", 2), ("AG102", 4)]
    astro = f"---\nconst key = '{key}';\n---\n<script>const k = '{other}';</script>\n"
    result = scan_text(astro, "src/pages/index.astro")
    assert [(f.code, f.line) for f in result.findings] == [("AG101", 2), ("AG102", 4)]


def test_key_in_config_template_is_ag103() -> None:
    result = scan_text(f"api_key: {fake_key()}\n", "roles/app/templates/config.yml.j2")
    assert [f.code for f in result.findings] == ["AG103"]


@pytest.mark.parametrize(
    "path", ["roles/app/templates/settings.env.j2", "web/templates/env.tmpl", "deploy/app.j2"]
)
def test_key_in_template_of_a_config_file_is_ag103(path: str) -> None:
    result = scan_text(f"AUTYPE_API_KEY={fake_key()}\n", path)
    assert [f.code for f in result.findings] == ["AG103"]


def test_key_in_page_template_stays_ag102() -> None:
    result = scan_text(f"<script>const k = '{fake_key()}';</script>\n", "web/templates/a.tmpl")
    assert [f.code for f in result.findings] == ["AG102"]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("app/dashboard/page.tsx", "", "Next.js route handler"),
        (".next/static/chunks/app/page-1a2b3c4d.js", "", "Next.js route handler"),
        ("src/lib/Key.svelte", "", "SvelteKit"),
        ("src/routes/+page.ts", "import { goto } from '$app/navigation';", "SvelteKit"),
        ("pages/index.vue", "definePageMeta({ layout: 'x' })", "Nuxt server route"),
        ("app/capture.tsx", "import { Text } from 'react-native';", "Expo"),
        ("templates/letters/detail.html", "{% load static %}", "Django view"),
        ("app/templates/base.html", "{{ url_for('static', filename='a.css') }}", "Flask view"),
        ("app/views/layouts/application.html.erb", "", "Rails controller"),
        ("resources/views/a.blade.php", "", "Laravel"),
        ("views/editor.ejs", "", "Express route"),
        ("src/pages/index.astro", "", "Astro API endpoint"),
        ("src/main.ts", "", "your own backend endpoint"),
    ],
)
def test_backend_endpoint_names_the_framework(path: str, text: str, expected: str) -> None:
    assert expected in backend_endpoint(path, text)


def test_ag102_suggestion_names_framework_and_says_rotate_now() -> None:
    result = scan_text(
        f'export const k = "{fake_key()}";\n',
        "app/dashboard/page.tsx",
        options=ScanOptions(),
    )
    (finding,) = result.findings
    assert finding.code == "AG102"
    assert "Next.js route handler" in finding.suggestion
    assert "Settings -> API Keys" in finding.suggestion
    assert finding.suggestion.endswith("now.")
