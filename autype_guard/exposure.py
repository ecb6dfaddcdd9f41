"""Where a file's content ends up: server, browser, config or docs.

The place decides which AG1xx rule a key literal falls under and how severe it is.
Autype keys must never reach a browser, so the browser rules lean towards "browser" for
JS/TS: a script is client code unless something clearly marks it as server-side.

Browser-shipped:
- built output: minified or content-hashed bundles, source maps, and web files (JS/TS, HTML,
  CSS, maps, their `.gz`) under a `browser-paths` glob (`dist/`, `build/`, `out/`,
  `.next/static/`, `public/`, `static/`, `assets/`, `wwwroot/` by default);
- client JS/TS: any script not marked as server-side (see `is_server_script`), and every
  `"use client"` file;
- single-file components and templates: `.vue .svelte .astro`, HTML, Jinja/Django,
  Nunjucks, Handlebars, Mustache, EJS, ERB, Liquid, Twig, Go templates, Blade, PHP views.

Server-side: Python, Go, Ruby, Java, PHP code and other languages (a `.py` under
`build/lib/` or a `.php` under Laravel's `public/` stays server code), and scripts marked as
server-side. Config and env files are "config"; Markdown, text and notebooks are "docs".
"""

from __future__ import annotations

import re

from .config import Config
from .discovery import glob_match
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
_SERVER_MARKER = re.compile(
    r"""^\s*(?:["']use server["']|import\s+["']server-only["'])""", re.MULTILINE
)
_CLIENT_MARKER = re.compile(r"""^\s*["']use client["']""", re.MULTILINE)
# Node entry points: importing the file system, an HTTP server or a server framework.
_NODE_SERVER_IMPORT = re.compile(
    r"""(?:from\s+|require\(\s*|import\s+)["'](?:node:)?(?:fs|fs/promises|http|https|net|"""
    r"""child_process|express|fastify|koa|@nestjs/[a-z-]+|@hapi/hapi|hono/node-server)["']"""
)
# Path shapes of server-side scripts in the common frameworks and serverless platforms.
_SERVER_PATH = re.compile(
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
    r"""|[^/]*\.config\.[cm]?[jt]s$|[^/]*rc\.[cm]?js$"""  # build-time config runs in Node
    r"""|[^/]*\.(?:test|spec)\.[cm]?[jt]sx?$|__tests__/|tests?/|e2e/|cypress/"""
    r""")"""
)
# `api/` at a project root (Vercel functions): the first or second path segment, but not
# `src/api/`, where client apps keep their API wrappers.
_ROOT_API = re.compile(r"^(?:(?!src/)[^/]+/)?api/")
_BUNDLE_KINDS = (FileKind.BUNDLE, FileKind.SOURCE_MAP)


def is_server_script(path: str, text: str) -> bool:
    """True when a JS/TS module is clearly server-side (and not marked "use client")."""
    head = text[:4096]
    if _CLIENT_MARKER.search(head):
        return False
    if _SERVER_MARKER.search(head):
        return True
    lower = path.lower()
    if _SERVER_PATH.search(lower) or _ROOT_API.match(lower):
        return True
    return _NODE_SERVER_IMPORT.search(text[:65536]) is not None


def is_browser_path(path: str, config: Config) -> bool:
    """True when `path` sits under one of the configured browser-shipped globs."""
    lower = path.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if not lower.endswith(_WEB_SUFFIXES):
        return False
    return any(glob_match(path, pattern) for pattern in config.browser_paths)


def place_of(path: str, kind: FileKind, text: str, config: Config) -> Place:
    """The place of a file from its display path, kind and text; never raises."""
    if kind in _BUNDLE_KINDS:
        return Place.BROWSER
    if kind is FileKind.MARKUP:
        return Place.BROWSER
    if kind is FileKind.SCRIPT:
        if is_browser_path(path, config):
            return Place.BROWSER
        return Place.SERVER if is_server_script(path, text) else Place.BROWSER
    if kind in (FileKind.CONFIG, FileKind.ENV):
        return Place.CONFIG
    if kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return Place.DOCS
    if (
        kind is FileKind.SOURCE
        and is_browser_path(path, config)
        and path.lower().endswith((".css", ".css.gz"))
    ):
        return Place.BROWSER
    return Place.SERVER


def browser_code_start(path: str, text: str) -> int:
    """The offset where browser code starts in a browser-placed file; 0 for most files.

    An Astro component's frontmatter (between the leading `---` fences) runs only on the
    server; what follows it (markup, `<script>`) reaches the browser.
    """
    if not path.lower().endswith(".astro"):
        return 0
    head = len(text) - len(text.lstrip())
    if not text.startswith("---", head):
        return 0
    close = text.find("\n---", head + 3)
    return 0 if close == -1 else close + 4
