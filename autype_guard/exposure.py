"""Where a file's content ends up: server, browser, config or docs, per file and per region.

The place decides which AG1xx rule a key literal falls under and how severe it is.
Autype keys must never reach a browser, so the rules lean towards "browser" for JS/TS:
a script is client code unless something clearly marks it as server-side.

## Per file (`place_of`)

Browser-shipped:
- built output: minified or content-hashed bundles (`*.min.js`, `main.3f2a9c.js`), source
  maps, and web files (JS/TS, HTML, CSS, maps, and their `.gz`/`.br`) under a `browser-paths`
  glob (`dist/`, `build/`, `out/`, `.next/static/`, `public/`, `static/`, `assets/`,
  `wwwroot/`, and web server roots inside container images such as `usr/share/nginx/html/`
  and `var/www/`, by default). A script there is server code only when its content says so
  (`"use server"`, `import 'server-only'`, or it imports a server framework such as express).
- client JS/TS: any script not marked as server-side (see `is_server_script`), and every
  `"use client"` file;
- stylesheets (`.css .scss .sass .less .styl`) wherever they sit;
- single-file components and templates: `.vue .svelte .astro`, HTML, Jinja/Django,
  Nunjucks, Handlebars, Mustache, EJS, ERB, Liquid, Twig, Go templates, Blade, JSP, and the
  HTML parts of PHP files (see "Per region").

Server-side: Python, Go, Ruby, Java, PHP code and other languages (a `.py` under
`build/lib/` or a `.php` under Laravel's `public/` stays server code), scripts marked as
server-side, and server build output even under a browser path: `.next/server/`,
`.output/server/`, `.svelte-kit/output/server/`, `.nuxt/dist/server/`,
`.vercel/output/functions/`, `.netlify/functions*/`, `dist|build|out/server/`.

A script is marked as server-side (`is_server_script`) by a directive (`"use server"`,
`import 'server-only'`), its path (`*.server.ts`, `pages/api/`, `app/**/route.ts`, `server/`,
`api/` or `functions/` at a project root, `supabase/functions/`, config files, tests,
`scripts/`), or its content: Node builtins, server frameworks, database drivers or dotenv
imported; route-handler exports (`export async function POST`); `exports.handler`;
`(req, res)` callbacks; Deno and Bun servers (`Deno.serve(`, `Bun.serve(`, `Deno.env`);
and edge workers: a module worker's `export default { fetch(...) }` and handlers taking
the platform's `env` bindings (`async fetch(request, env, ctx)`, `scheduled(event, env)`),
also in built output (a Cloudflare Pages `dist/_worker.js`). `addEventListener('fetch', ...)`
alone does not count: browser service workers register it too. Where a worker sits
(`workers/`, next to a `wrangler.toml`) cannot be told from one file and is not used.

A template for a non-web file takes the place of the file it renders, named by the
extension before the template's: `nginx.conf.j2`, `renderer.env.j2`, `app.yaml.j2`,
`php.ini.tmpl`, `reportd.service.j2` and `.env.erb` are config, `settings.py.j2` and
`run.sh.j2` are server code, `index.html.erb` and `app.js.erb` are browser. A generic
template (`.j2 .tmpl .tpl .gotmpl .erb .hbs ...`, not `.html.j2`) without a single HTML tag,
comment or doctype renders no page either (`web/templates/env.tmpl` holding `KEY={{ .Key }}`):
it is config (see `renders_markup`). NOTE: Helm charts follow from this: `templates/*.yaml`
are YAML (config) and a `_helpers.tpl` holds no HTML, so what they render goes into
Kubernetes objects, not browsers; a `.tpl` or `.gotmpl` that does render HTML (Smarty, Go
`html/template`) is a page.
Config and env files are "config"; Markdown, text and notebooks are "docs". Config files
are known by name and, for names that say nothing, by content (`classify.py`): `.netrc`
(also `_netrc`, `*.netrc`, `netrc.sample`), .NET `Web.config`/`App.config`/`*.config`,
Maven `settings.xml`, .NET user secrets, `.properties` variants, copies and samples
(`*.example`, `*.sample`, `*.dist`), systemd units (`*.service`, `*.timer`, `*.socket`,
`*.env` drop-ins) and cron tables (`crontab`, `*.cron`, `cron.d/*`).

## Mobile apps (`is_mobile_app_file`)

An app package ships to every device like browser code does, so these are "browser":
- Android resources and assets under `src/<source set>/res/` and `.../assets/`,
  `AndroidManifest.xml`, `google-services.json`;
- iOS `Info.plist` (and `GoogleService-Info.plist`), Xcode `*.xcconfig` build settings;
- Kotlin, Java, Swift, Objective-C and Gradle files under an `android/` or `ios/` folder
  (Flutter, React Native, Capacitor layouts) or a Kotlin Multiplatform `androidMain/` or
  `iosMain/` source set, or that import Android, Jetpack, React Native, UIKit or SwiftUI
  (a Gradle file applying `com.android.application`: its `buildConfigField` values ship);
- Dart files under `lib/` or importing Flutter, unless they sit under `bin/`, `server/` or
  `routes/` or import a Dart server framework (shelf, dart_frog, serverpod);
- Expo configs (`app.json`, `app.config.js/ts`) naming `expo`: `extra` ships in the app.
React Native components are client scripts already. Server-side Kotlin, Java and Swift
(Spring, Ktor, Vapor: no app framework import, not under `android/`/`ios/`) stays server code.

Inside an archive (`app.zip!static/js/app.js`) the member's own path decides.

## Per region (`regions_of`)

Some files mix code that runs on the server with text that is sent to the browser. A key
literal in a server-side region is AG101 (hardcoded), not AG102:
- Astro: the frontmatter between the leading `---` fences runs on the server; the template
  and its `<script>` and `<style>` blocks reach the browser.
- PHP (`.php`, `.phtml`): code inside `<?php ... ?>` (or to the end of the file) is server
  code; the text outside the tags is the page, and so are `<?= ... ?>` and `echo`/`print`
  statements, which echo into it. Blade templates work the same way, with `@php ... @endphp`
  and `{{-- --}}` comments on the server side.
- ERB, EJS and JSP: `<% ... %>` scriptlets and `<%# %>` / `<%-- --%>` comments are server-side;
  `<%= %>` (and EJS `<%- %>`) echo into the page.
- Jinja, Django, Nunjucks, Twig, Liquid (and any HTML using their tags): `{% ... %}` tags,
  `{% comment %}` blocks and `{# #}` comments are server-side; `{{ ... }}` is output.
- Handlebars and Mustache: `{{! }}` and `{{!-- --}}` comments are server-side.
- Go templates: comments `{{/* */}}`, control actions (`if`, `range`, `with`, `define`,
  `template`, `block`, `end`, ...) and variable assignments are server-side; other actions
  print into the page.
- Razor (`.cshtml`, `.razor`): `@{ ... }`, `@code { ... }` and `@functions { ... }` blocks
  are server code.
- Page modules (client JS/TS): the bodies of Next.js `getServerSideProps`, `getStaticProps`
  and `getStaticPaths`, Remix `loader` and `action`, and SvelteKit `load` in
  `+page.server.*`/`+layout.server.*` run on the server (see `data_loaders`). What they
  return reaches the page as props: AG202 reads it.
- Framework configs (`next.config.*`, `vite.config.*`, `nuxt.config.*`, `astro.config.*`,
  `svelte.config.*`, `webpack.config.*`) run in Node, but the values in their `env: {}` and
  `publicRuntimeConfig: {}` (Next.js), `define: {}` (Vite), `public: {}` (Nuxt
  `runtimeConfig.public`) and `new DefinePlugin({})` (webpack) blocks are inlined into the
  browser bundle.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional, Union

from .autype_context import NearSearch, finditer_near
from .classify import classify, member_path
from .config import Config
from .globs import glob_match
from .lazy_regex import lazy_compile
from .model import FileKind, Place

# Web file suffixes that count as shipped when they sit under a browser path.
_WEB_SUFFIXES = (
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".jsx",
    ".tsx",
    ".html",
    ".htm",
    ".css",
    ".map",
    ".json",
    ".wasm",
)
# Directive prologues and imports that make a module server-only (Next.js, React).
_SERVER_MARKER = lazy_compile(
    r"""^\s*(?:["']use server["']|import\s+["']server-only["'])""", re.MULTILINE
)
_CLIENT_MARKER = lazy_compile(r"""^\s*["']use client["']""", re.MULTILINE)
# Imports of a server framework: enough to call a built file server code even under `dist/`.
_SERVER_FRAMEWORK_IMPORT = lazy_compile(
    r"""(?:from\s+|require\(\s*|import\s+)["'](?:express|fastify|koa|@nestjs/[a-z-]+|"""
    r"""@hapi/hapi|hono/node-server|next/server|next/headers)["']"""
)
# Node entry points: importing the file system, an HTTP server, a server framework, a
# database driver or dotenv; `node:` builtins; Deno and Bun servers; Nuxt/h3 handlers.
_NODE_SERVER_IMPORT = lazy_compile(
    r"""(?:from\s+|require\(\s*|import\s+)["'](?:node:[a-z_/]+|fs|fs/promises|http|https|"""
    r"""http2|net|tls|os|child_process|worker_threads|cluster|express|fastify|koa|"""
    r"""@nestjs/[a-z-]+|@hapi/hapi|hono/node-server|next/server|next/headers|dotenv|"""
    r"""dotenv/config|@prisma/client|firebase-admin|mongoose|pg|mysql2|ioredis)["']"""
    r"""|\bDeno\.(?:serve|env)\b|\bBun\.serve\b|\bdefineEventHandler\("""
    # HTTP handlers: route-handler exports (Next.js, SvelteKit, Astro), serverless
    # `handler` exports, and Express-style `(req, res)` callbacks.
    r"""|\bexport\s+(?:async\s+)?function\s+(?:GET|POST|PUT|PATCH|DELETE)\b"""
    r"""|\bexport\s+const\s+(?:GET|POST|PUT|PATCH|DELETE)\s*[:=]"""
    r"""|\bexports\.handler\s*=|\bexport\s+(?:const|(?:async\s+)?function)\s+handler\b"""
    # Express-style `(req, res)` callbacks: matched from `req` (a literal `re` skips to), the
    # `(` before it checked by `_OPENS_CALLBACK`.
    r"""|(?P<callback>req(?<![\w$.]req)\s*(?::\s*[\w.]+\s*)?,\s*res\s*(?::\s*[\w.]+\s*)?"""
    r"""(?:,\s*next\b[^)]*)?\))"""
)
_OPENS_CALLBACK = lazy_compile(r"\(\s{0,40}\Z")
# Every match of `_NODE_SERVER_IMPORT` starts with one of these: the pattern is tried only
# there (`NearSearch`).
_NODE_SERVER_NEEDLES = (
    ("from", "require(", "import", "Deno.", "Bun.", "defineEventHandler(", "export", "req"),
    0,
)
_SERVER_FRAMEWORK_NEEDLES = (("from", "require(", "import"), 0)
# Edge workers (Cloudflare Workers, Pages `_worker.js`, Vercel/Netlify edge functions run the
# same way): a module worker's `export default { fetch(` and its handlers taking the
# platform's `env` bindings, `async fetch(request, env, ctx)`, `scheduled(event, env)`,
# `queue(batch, env)` (method or `fetch: async (req, env) =>` property). A browser never
# defines these. `addEventListener('fetch', ...)` is left out on purpose: browser service
# workers use it too.
_EDGE_WORKER = lazy_compile(
    r"\bexport\s+default\s+\{\s*(?:async\s+)?fetch\s*[(:]"
    r"|(?<![\w$.])(?:fetch|scheduled|queue|email|tail)\s*(?::\s*(?:async\s*)?(?:function\s*)?)?"
    r"\(\s*[A-Za-z_$][\w$]*\s*(?::\s*[\w.<>\[\]]+\s*)?,\s*env\s*[:,)?]"
)
_EDGE_WORKER_NEEDLES = (("export", "fetch", "scheduled", "queue", "email", "tail"), 0)


def _found(pattern: re.Pattern[str], needles: tuple[tuple[str, ...], int], text: str) -> bool:
    """`pattern.search(text)`, tried only near `needles` (the pattern has no literal start);
    a match from `req` counts only after a `(` (see `_NODE_SERVER_IMPORT`)."""
    words, back = needles
    search = NearSearch(pattern, text, words, back)
    m = search.search()
    while m is not None:
        if not m.groupdict().get("callback") or _OPENS_CALLBACK.search(
            text, max(0, m.start() - 41), m.start()
        ):
            return True
        m = search.search(m.start() + 1)
    return False


# Path shapes of server-side scripts in the common frameworks and serverless platforms.
_SERVER_PATH = lazy_compile(
    r"""(?:^|/)(?:"""
    r"""[^/]*\.server\.[cm]?[jt]sx?$"""  # Remix/SvelteKit/Qwik *.server.ts
    r"""|\+(?:page|layout)?\.?server\.[jt]s$"""  # SvelteKit +server.ts, +page.server.ts
    r"""|\+server\.[jt]s$"""
    r"""|(?:src/)?lib/server/"""  # SvelteKit $lib/server
    r"""|pages/api/"""  # Next.js API routes
    r"""|app/(?:.*/)?route\.[jt]sx?$"""  # Next.js route handlers
    r"""|server/"""  # Nuxt server/, generic server dirs
    r"""|supabase/functions/|netlify/functions/|functions/src/"""
    r"""|middleware\.[jt]s$"""
    r"""|scripts/|bin/|migrations/|seeds?/"""
    # Build-time config runs in Node (not Angular's src/app/app.config.ts: client providers).
    r"""|(?<!src/app/)[^/]*\.config(?:\.[a-z]+)?\.[cm]?[jt]s$|[^/]*rc\.[cm]?js$"""
    r"""|[^/]*\.(?:test|spec)\.[cm]?[jt]sx?$|__tests__/|tests?/|e2e/|cypress/"""
    r""")"""
)
# `api/` (Vercel) or `functions/` (Cloudflare Pages, Firebase) at a project root: the first
# path segment, or the second when the first names a project rather than a source folder
# (`src/api/` is a client-side API module).
_ROOT_API = lazy_compile(
    r"^(?:(?!(?:src|lib|app|components|utils|services|hooks|store|client)/)[^/]+/)?"
    r"(?:api|functions)/"
)
# Server build output that may sit under a browser path (SSR bundles, serverless functions).
_SERVER_BUILD = lazy_compile(
    r"(?:^|/)(?:\.next/server|\.output/server|\.svelte-kit/output/server|\.nuxt/dist/server"
    r"|\.vercel/output/functions|\.netlify/functions(?:-internal|-serve)?"
    r"|(?:dist|build|out)/server)/"
)
# Template suffixes that may wrap a non-web file: `nginx.conf.j2`, `.env.erb`.
_TEMPLATE_SUFFIXES = (
    ".j2",
    ".jinja2",
    ".jinja",
    ".erb",
    ".tmpl",
    ".tpl",
    ".gotmpl",
    ".njk",
    ".mustache",
    ".hbs",
    ".ejs",
    ".liquid",
    ".twig",
)
_BUNDLE_KINDS = (FileKind.BUNDLE, FileKind.SOURCE_MAP)


def is_server_script(path: str, text: str) -> bool:
    """True when a JS/TS module is clearly server-side (and not marked "use client")."""
    head = text[:4096]
    if _CLIENT_MARKER.search(head):
        return False
    if _SERVER_MARKER.search(head):
        return True
    lower = member_path(path).lower()
    if _SERVER_PATH.search(lower) or _ROOT_API.match(lower):
        return True
    head = text[:65536]
    return _found(_NODE_SERVER_IMPORT, _NODE_SERVER_NEEDLES, head) or _found(
        _EDGE_WORKER, _EDGE_WORKER_NEEDLES, head
    )


def _is_server_build_output(text: str) -> bool:
    """A script under a browser path is server code only when its content says so."""
    head = text[:4096]
    if _CLIENT_MARKER.search(head):
        return False
    if _SERVER_MARKER.search(head):
        return True
    head = text[:65536]  # a Cloudflare Pages `dist/_worker.js` is an edge worker
    return _found(_SERVER_FRAMEWORK_IMPORT, _SERVER_FRAMEWORK_NEEDLES, head) or _found(
        _EDGE_WORKER, _EDGE_WORKER_NEEDLES, head
    )


def is_browser_path(path: str, config: Config) -> bool:
    """True when `path` sits under one of the configured browser-shipped globs."""
    path = member_path(path)
    if not _strip_compression(path.lower()).endswith(_WEB_SUFFIXES):
        return False
    return any(glob_match(path, pattern) for pattern in config.browser_paths)


def is_server_build_path(path: str) -> bool:
    """True for server-side build output (SSR bundles, serverless functions)."""
    return _SERVER_BUILD.search(member_path(path).lower()) is not None


def _rendered_kind(path: str) -> Optional[tuple[str, FileKind]]:
    """For a template of a non-web file (`nginx.conf.j2`), the rendered path and its kind."""
    lower = member_path(path).lower()
    for suffix in _TEMPLATE_SUFFIXES:
        if lower.endswith(suffix):
            inner = path[: -len(suffix)]
            kind = classify(inner)
            if kind in (FileKind.MARKUP, FileKind.TEXT, FileKind.BINARY):
                return None
            return inner, kind
    return None


def renders_markup(path: str, text: str) -> bool:
    """False for a template that renders no page: one without a single HTML tag, comment or
    doctype (`env.tmpl` holding `AUTYPE_API_KEY={{ .AutypeKey }}`). Files named for HTML
    (`.html`, `.html.j2`) and markup languages without angle brackets (Pug, Slim, Haml)
    always render a page, as does anything that is not a generic template.

    A template whose inner extension names another file (`renderer.env.j2`) is placed by
    `_rendered_kind` before this is asked.
    """
    lower = member_path(path).lower()
    if not lower.endswith(_TEMPLATE_SUFFIXES):
        return True
    inner = lower[: lower.rfind(".")]
    if inner.endswith((".html", ".htm", ".xhtml")):
        return True
    return _HTML_TAG.search(text) is not None


# The start of an HTML tag, closing tag, comment or doctype: `<div`, `</p`, `<!--`.
_HTML_TAG = lazy_compile(r"<[A-Za-z!/]")


# --- mobile apps -------------------------------------------------------------------------

# Files that ship inside an app package whatever they hold: Android resources and assets
# (`src/main/res/values/strings.xml`, any source set), the manifest, Firebase app configs,
# iOS `Info.plist` and Xcode build settings.
_MOBILE_SHIPPED = lazy_compile(
    r"(?:^|/)(?:src/[a-z][A-Za-z0-9_]*/(?:res|assets)/[^\n]*"
    r"|androidmanifest\.xml|google-services\.json|googleservice-info\.plist"
    r"|[^/]*info\.plist|[^/]*\.xcconfig)$"
)
# Native app code by where it sits: an `android/` or `ios/` folder (Flutter, React Native,
# Capacitor, Kotlin Multiplatform layouts) or a Kotlin Multiplatform app source set.
_MOBILE_DIR = lazy_compile(r"(?:^|/)(?:android|ios|androidmain|iosmain)/")
_MOBILE_CODE_SUFFIXES = (".kt", ".java", ".swift", ".m", ".mm", ".dart", ".gradle", ".kts")
# Imports of app frameworks: Android, Jetpack, React Native's Android side, UIKit, SwiftUI,
# Flutter. Server frameworks (Spring, Ktor, Vapor) import none of them.
_MOBILE_IMPORT = lazy_compile(
    r"^\s*(?:import\s+(?:androidx?\.|com\.facebook\.react\.|(?:UIKit|SwiftUI|WatchKit)\b"
    r"|['\"]package:flutter/)|#import\s+<UIKit/|id\s*\(?\s*['\"]com\.android\.application)",
    re.MULTILINE,
)
# Dart server frameworks: a Dart file importing one is server code even under `lib/`.
_DART_SERVER_IMPORT = lazy_compile(r"""['"]package:(?:shelf|dart_frog|serverpod|alfred)[/_]""")
# Expo app config: `app.json`, `app.config.js/ts`. Its `extra` (and the rest of the Expo
# config) is embedded in the app and readable through `expo-constants`.
_EXPO_CONFIG = lazy_compile(r"(?:^|/)app\.(?:json|config\.[cm]?[jt]s)$")


def is_mobile_app_file(path: str, kind: FileKind, text: str) -> bool:
    """True when a file ships inside a mobile app (see "Mobile apps" in the module docs).

    Decided by path first; only Kotlin, Java, Swift, Objective-C, Dart and Gradle files
    outside an `android/` or `ios/` folder, and Expo configs, are looked into."""
    lower = _strip_compression(member_path(path).lower())
    if _MOBILE_SHIPPED.search(lower):
        return True
    if _EXPO_CONFIG.search(lower):
        return '"expo"' in text or ("expo" in text[:4096] and "extra" in text)
    if not lower.endswith(_MOBILE_CODE_SUFFIXES) or kind not in (FileKind.SOURCE, FileKind.TEXT):
        return False
    if lower.endswith(".kts") and not lower.endswith(".gradle.kts"):
        return False
    head = text[:16384]
    if lower.endswith(".dart"):
        if _DART_SERVER_IMPORT.search(head) or re.search(r"(?:^|/)(?:bin|server|routes)/", lower):
            return False
        return "/lib/" in f"/{lower}" or _MOBILE_IMPORT.search(head) is not None
    return _MOBILE_DIR.search(lower) is not None or _MOBILE_IMPORT.search(head) is not None


def place_of(path: str, kind: FileKind, text: str, config: Config) -> Place:
    """The place of a file from its display path, kind and text; never raises."""
    if kind is not FileKind.ENV and is_mobile_app_file(path, kind, text):
        return Place.BROWSER
    if kind in (FileKind.CONFIG, FileKind.ENV):
        return Place.CONFIG
    if kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return Place.DOCS
    if is_server_build_path(path):
        return Place.SERVER
    if kind is FileKind.MARKUP:
        rendered = _rendered_kind(path)
        if rendered is not None:
            return place_of(rendered[0], rendered[1], text, config)
        if not renders_markup(path, text):
            return Place.CONFIG
        return Place.BROWSER
    if kind in _BUNDLE_KINDS:
        return Place.BROWSER
    if kind is FileKind.SCRIPT:
        if is_browser_path(path, config):
            return Place.SERVER if _is_server_build_output(text) else Place.BROWSER
        if _IMAGE_LAYER_MEMBER.search(path):
            # In a container image, a script outside the web roots and browser build
            # directories is the image's own program (a Node server, a worker), not a file a
            # web server hands out.
            return Place.SERVER
        return Place.SERVER if is_server_script(path, text) else Place.BROWSER
    if kind is FileKind.SOURCE and _strip_compression(member_path(path).lower()).endswith(
        _STYLESHEETS
    ):
        return Place.BROWSER
    return Place.SERVER


# A file inside a container image's layer: `image.tar!sha256:<layer digest>/path`.
_IMAGE_LAYER_MEMBER = lazy_compile(r"!sha256:[0-9a-f]{64}/")

# Stylesheets only ever run in a browser, wherever they sit (Sass and Less compile to CSS).
_STYLESHEETS = (".css", ".scss", ".sass", ".less", ".styl")


def _strip_compression(lower: str) -> str:
    for suffix in (".gz", ".br"):
        if lower.endswith(suffix):
            return lower[: -len(suffix)]
    return lower


# --- regions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """Character offsets [start, end) of a file whose place differs from the file's."""

    start: int
    end: int
    place: Place


class Regions:
    """The places inside one file: `at(offset)` answers in O(log n)."""

    def __init__(self, default: Place, regions: Sequence[Region] = ()) -> None:
        self.default = default
        self.regions = tuple(r for r in sorted(regions, key=lambda r: r.start) if r.end > r.start)
        self._starts = [r.start for r in self.regions]

    def at(self, offset: int) -> Place:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self.regions[i].end:
            return self.regions[i].place
        return self.default

    @property
    def places(self) -> frozenset[Place]:
        return frozenset({self.default, *(r.place for r in self.regions)})


def regions_of(path: str, kind: FileKind, text: str, place: Place) -> Regions:
    """Where parts of a file have another place than `place` (see the module docs).

    Only files that mix server code with page output have regions; never raises.
    """
    lower = _strip_compression(member_path(path).lower())
    if place is Place.BROWSER and kind is FileKind.MARKUP:
        return Regions(place, _template_regions(lower, text))
    if place is Place.BROWSER and kind is FileKind.SCRIPT:
        return Regions(place, [Region(s, e, Place.SERVER) for s, e in data_loaders(lower, text)])
    if place is Place.SERVER and lower.endswith((".php", ".phtml")):
        return Regions(place, [r for r in _php_regions(text) if r.place is Place.BROWSER])
    if place is Place.SERVER and _FRAMEWORK_CONFIG.search(lower):
        return Regions(place, _inlined_blocks(text))
    return Regions(place)


# Framework configs run in Node, but some of their blocks are inlined into the bundle.
_FRAMEWORK_CONFIG = lazy_compile(
    r"(?:^|/)(?:next|vite|nuxt|astro|svelte|webpack)\.config(?:\.[a-z]+)?\.[cm]?[jt]s$"
)
# `env: {` and `publicRuntimeConfig: {` (Next.js), `define: {` (Vite), `public: {` (Nuxt
# runtimeConfig.public), `new DefinePlugin({` (webpack).
_INLINED_BLOCK = lazy_compile(
    r"\b(?:(?:env|define|public|publicRuntimeConfig)\s*:|DefinePlugin\s*\()\s*\{"
)
# `_INLINED_BLOCK` and `_DATA_LOADER` start with `\b`, which keeps `re` from skipping ahead:
# they are tried only where their first word occurs (`NearSearch`).
_INLINED_WORDS = ("env", "define", "public", "DefinePlugin")
# Inside a block: strings and comments are skipped whole, braces are counted.
_BLOCK_TOKEN = lazy_compile(
    r"""'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?|`(?:[^`\\]|\\.)*`?"""
    r"""|/\*.*?(?:\*/|\Z)|//[^\n]*|[{}()\[\]]|[^'"`/{}()\[\]]+|/""",
    re.DOTALL,
)


def _inlined_blocks(text: str) -> list[Region]:
    """The `env`/`define`/`public` blocks of a framework config: their values reach the
    browser bundle, so a key literal in them is browser-shipped."""
    out: list[Region] = []
    pos = 0
    blocks = NearSearch(_INLINED_BLOCK, text, _INLINED_WORDS, 0)
    while True:
        m = blocks.search(pos)
        if m is None:
            return out
        depth = 1
        i = m.end()
        while i < len(text) and depth:
            t = _BLOCK_TOKEN.match(text, i)
            assert t is not None  # the last alternatives match any character
            token = t.group()
            depth += 1 if token == "{" else -1 if token == "}" else 0
            i = t.end()
        out.append(Region(m.start(), i, Place.BROWSER))
        pos = i


# Data loaders of page modules run on the server only (Next.js strips `getServerSideProps`,
# `getStaticProps` and `getStaticPaths` from the client bundle; Remix `loader`/`action`
# likewise; SvelteKit's `load` in a `+page.server.ts` / `+layout.server.ts`).
_DATA_LOADER = lazy_compile(
    r"\bexport[ \t]+(?:(?:async[ \t]+)?function[ \t]*\*?[ \t]*|(?:const|let|var)[ \t]+)"
    r"(getServerSideProps|getStaticProps|getStaticPaths|loader|action|load)\b"
)
# An arrow function's expression body: `) => json(`, `): Promise<X> => (`.
_ARROW_BODY = lazy_compile(r"[ \t]*(?::[^=\n]{0,200})?=>[ \t\n]*(?!\{)")
_SVELTEKIT_SERVER_LOAD = lazy_compile(r"(?:^|/)\+(?:page|layout)\.server\.[jt]s$")


def data_loaders(path: str, text: str) -> list[tuple[int, int]]:
    """The bodies of a page module's server-side data loaders, as (start, end) offsets:
    Next.js `getServerSideProps`/`getStaticProps`/`getStaticPaths`, Remix `loader`/`action`
    and SvelteKit `load` (only in `+page.server.*`/`+layout.server.*`). What they return
    is sent to the page as props; the rest of their code never reaches the browser."""
    if not ("getS" in text or "loader" in text or "action" in text or "load" in text):
        return []
    lower = member_path(path).lower()
    out: list[tuple[int, int]] = []
    for m in finditer_near(_DATA_LOADER, text, ("export",)):
        if m.group(1) == "load" and not _SVELTEKIT_SERVER_LOAD.search(lower):
            continue  # a universal `+page.ts` load runs in the browser too
        paren = text.find("(", m.end(), m.end() + 400)
        if paren == -1:
            continue
        close = _close_bracket(text, paren)
        brace = text.find("{", close, close + 400)
        if brace == -1:
            continue
        end = _close_bracket(text, brace) + 1
        arrow = _ARROW_BODY.match(text, close + 1)
        if arrow is not None and arrow.end() < brace:
            # `=> json({ ... })`: the body is an expression that ends after the brace's
            # enclosing call, at the end of the statement.
            semicolon = text.find(";", end, end + 400)
            newline = text.find("\n", end, end + 400)
            stops = [x for x in (semicolon, newline) if x != -1]
            end = min(stops) if stops else end
        out.append((m.start(), end))
    return out


def _close_bracket(text: str, at: int) -> int:
    """The offset of the bracket closing the one at `at`, strings and comments skipped."""
    depth = 0
    i = at
    while i < len(text):
        t = _BLOCK_TOKEN.match(text, i)
        assert t is not None  # the last alternatives match any character
        token = t.group()
        if token in ("{", "(", "["):
            depth += 1
        elif token in ("}", ")", "]"):
            depth -= 1
            if depth == 0:
                return t.start()
        i = t.end()
    return len(text)


def _template_regions(lower: str, text: str) -> list[Region]:
    """Server-side regions inside a template whose default place is the browser."""
    if lower.endswith(".astro"):
        return _astro_regions(text)
    if lower.endswith(".blade.php"):
        return [r for r in _blade_regions(text) if r.place is Place.SERVER]
    if lower.endswith((".erb", ".rhtml")):
        return _scan_tags(text, _ERB_OPEN, _erb_tag)
    if lower.endswith(".ejs"):
        return _scan_tags(text, _ERB_OPEN, _ejs_tag)
    if lower.endswith((".jsp", ".jspx", ".jspf")):
        return _scan_tags(text, _ERB_OPEN, _jsp_tag)
    if lower.endswith((".cshtml", ".razor")) and ("@{" in text or "@code" in text):
        return _razor_regions(text)
    if lower.endswith((".tmpl", ".gohtml", ".gotmpl", ".tpl")) and "{{" in text:
        return _scan_tags(text, _GO_OPEN, _go_tag)
    if lower.endswith((".hbs", ".handlebars", ".mustache")):
        return _scan_tags(text, _HBS_COMMENT_OPEN, _hbs_tag)
    if lower.endswith(_JINJA_SUFFIXES) and ("{%" in text or "{#" in text):
        return _scan_tags(text, _JINJA_OPEN, _jinja_tag)
    return []


# Razor code blocks run on the server: `@{ ... }`, `@code { ... }`, `@functions { ... }`.
_RAZOR_BLOCK = lazy_compile(r"@(?:\{|(?:code|functions)[ \t\r\n]*\{)")


def _razor_regions(text: str) -> list[Region]:
    out: list[Region] = []
    pos = 0
    while True:
        m = _RAZOR_BLOCK.search(text, pos)
        if m is None:
            return out
        end = _close_bracket(text, m.end() - 1) + 1
        out.append(Region(m.start(), end, Place.SERVER))
        pos = end


# Files that may use Jinja-family tags. Not `.svelte`: its `{#if}` blocks are page output.
_JINJA_SUFFIXES = (
    ".html",
    ".htm",
    ".xhtml",
    ".djhtml",
    ".j2",
    ".jinja",
    ".jinja2",
    ".njk",
    ".nunjucks",
    ".twig",
    ".liquid",
)


# Astro frontmatter: a `---` fence on the first line, closed by the next `---` line.
_ASTRO_FENCE_OPEN = lazy_compile(r"\A(?:\ufeff)?\s*---[ \t]*\r?\n")
_ASTRO_FENCE_CLOSE = lazy_compile(r"^---[ \t]*\r?$", re.MULTILINE)


def _astro_regions(text: str) -> list[Region]:
    m = _ASTRO_FENCE_OPEN.match(text)
    if m is None:
        return []
    close = None
    fence = m.end() if text.startswith("---", m.end()) else text.find("\n---", m.end()) + 1
    while fence > 0 and close is None:  # only at the start of a line
        close = _ASTRO_FENCE_CLOSE.match(text, fence)
        fence = text.find("\n---", fence) + 1
    end = len(text) if close is None else close.end()
    return [Region(0, end, Place.SERVER)]


_Closer = Union[str, "re.Pattern[str]"]
_TagRule = Callable[["re.Match[str]"], Optional[tuple[_Closer, Place]]]


def _scan_tags(text: str, opener: re.Pattern[str], rule: _TagRule) -> list[Region]:
    """Regions of tags found by `opener`, each closed by what `rule` says; linear."""
    out: list[Region] = []
    pos = 0
    while True:
        m = opener.search(text, pos)
        if m is None:
            return out
        spec = rule(m)
        if spec is None:
            pos = m.end()
            continue
        closer, place = spec
        if isinstance(closer, str):
            found = text.find(closer, m.end())
            end = len(text) if found == -1 else found + len(closer)
        else:
            close = closer.search(text, m.end())
            end = len(text) if close is None else close.end()
        out.append(Region(m.start(), end, place))
        pos = end


# ERB, EJS and JSP tags: `<%`, then the character that says what kind of tag it is.
_ERB_OPEN = lazy_compile(r"<%(--|[=#%_!@-]=?)?")


def _erb_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    flavour = m.group(1) or ""
    if flavour == "%":  # `<%%` is a literal `<%`
        return None
    return "%>", Place.BROWSER if flavour.startswith("=") else Place.SERVER


def _ejs_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    flavour = m.group(1) or ""
    if flavour == "%":
        return None
    # NOTE: in EJS `<%-` prints unescaped output; in ERB it is a whitespace-trimming scriptlet.
    return "%>", Place.BROWSER if flavour[:1] in ("=", "-") and flavour != "--" else Place.SERVER


def _jsp_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    flavour = m.group(1) or ""
    if flavour == "--":
        return "--%>", Place.SERVER
    return "%>", Place.BROWSER if flavour.startswith("=") else Place.SERVER


# Jinja-family tags: a comment block, a statement tag or a comment.
_JINJA_OPEN = lazy_compile(r"\{%-?\s*comment\b[^%]{0,200}%\}|\{%|\{#")
_JINJA_ENDCOMMENT = lazy_compile(r"\{%-?\s*endcomment\s*-?%\}")


def _jinja_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    token = m.group()
    if token == "{%":
        return "%}", Place.SERVER
    if token == "{#":
        return "#}", Place.SERVER
    return _JINJA_ENDCOMMENT, Place.SERVER


# Go template actions, with optional whitespace trimming: `{{- /* comment */ -}}`.
_GO_OPEN = lazy_compile(r"\{\{-?\s*")
# Actions that control rendering or assign a variable rather than print a value.
_GO_SILENT = lazy_compile(
    r"(?:/\*|(?:if|else|range|with|define|template|block|end|break|continue)\b"
    r"|\$[A-Za-z0-9_]*\s*:?=)"
)


def _go_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    text = m.string
    if _GO_SILENT.match(text, m.end()):
        return "}}", Place.SERVER
    return "}}", Place.BROWSER


_HBS_COMMENT_OPEN = lazy_compile(r"\{\{!(--)?")


def _hbs_tag(m: re.Match[str]) -> Optional[tuple[_Closer, Place]]:
    return ("--}}" if m.group(1) else "}}"), Place.SERVER


# --- PHP ---------------------------------------------------------------------------------

# `<?php`, `<?=` and the short `<?` open tag (but not `<?xml`).
_PHP_OPEN = lazy_compile(r"<\?(?:php\b|=|(?![A-Za-z]))", re.IGNORECASE)
# One token of PHP code. Every alternative consumes at least one character and unterminated
# strings or comments run to the end, so scanning is linear and never fails.
_PHP_TOKEN = lazy_compile(
    r"""'(?:[^'\\]|\\.)*'?"""  # single-quoted string
    r"""|"(?:[^"\\]|\\.)*"?"""  # double-quoted string
    r"""|/\*.*?(?:\*/|\Z)"""  # block comment
    r"""|(?://|\#(?!\[))(?:[^\n?]|\?(?!>))*"""  # line comment: ends at a newline or `?>`
    r"""|\?>"""  # back to the page
    r"""|;"""
    r"""|[A-Za-z_][A-Za-z0-9_]*"""  # a word: echo/print start page output
    r"""|[^'"/#?;A-Za-z_]+|.""",
    re.DOTALL,
)
_PHP_ECHO_WORDS = frozenset({"echo", "print", "printf", "vprintf", "print_r", "var_dump"})


def _php_regions(text: str) -> list[Region]:
    """A partition of a PHP file into page output (browser) and PHP code (server)."""
    out: list[Region] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _PHP_OPEN.search(text, pos)
        if m is None:
            out.append(Region(pos, n, Place.BROWSER))
            break
        out.append(Region(pos, m.start(), Place.BROWSER))
        echo_tag = m.group() == "<?="
        code_place = Place.BROWSER if echo_tag else Place.SERVER
        start = m.start()
        echo_start = -1
        i = m.end()
        end = n
        while i < n:
            t = _PHP_TOKEN.match(text, i)
            assert t is not None  # the last alternative matches any character
            token = t.group()
            if token == "?>":
                end = t.end()
                break
            if not echo_tag:
                if echo_start < 0 and token.lower() in _PHP_ECHO_WORDS:
                    out.append(Region(start, t.start(), code_place))
                    echo_start = t.start()
                elif echo_start >= 0 and token == ";":
                    out.append(Region(echo_start, t.end(), Place.BROWSER))
                    echo_start = -1
                    start = t.end()
            i = t.end()
        if echo_start >= 0:
            out.append(Region(echo_start, end, Place.BROWSER))
        else:
            out.append(Region(start, end, code_place))
        pos = end
    return out


# Blade: `@php ... @endphp` blocks and `{{-- --}}` comments run on the server.
_BLADE_OPEN = lazy_compile(r"\{\{--|@php\b(?!\s*\()")
_BLADE_ENDPHP = lazy_compile(r"@endphp\b")


def _blade_regions(text: str) -> list[Region]:
    out = [r for r in _php_regions(text) if r.place is Place.SERVER]

    def rule(m: re.Match[str]) -> tuple[_Closer, Place]:
        return ("--}}" if m.group() == "{{--" else _BLADE_ENDPHP), Place.SERVER

    out.extend(_scan_tags(text, _BLADE_OPEN, rule))
    return _merge(out)


def _merge(regions: list[Region]) -> list[Region]:
    """Sorted, non-overlapping regions (overlaps keep the earlier region's place)."""
    out: list[Region] = []
    for r in sorted(regions, key=lambda r: (r.start, -r.end)):
        if out and r.start < out[-1].end:
            if r.end > out[-1].end:
                out.append(Region(out[-1].end, r.end, r.place))
            continue
        out.append(r)
    return out


__all__ = [
    "Region",
    "Regions",
    "data_loaders",
    "is_browser_path",
    "is_mobile_app_file",
    "is_server_build_path",
    "is_server_script",
    "place_of",
    "regions_of",
    "renders_markup",
]
