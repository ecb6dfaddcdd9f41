"""AG201 public-env-var."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Optional

from ..autype_context import (
    AUTYPE_MARKERS,
    OnePerLine,
    finditer_near,
    is_autype_secret_name,
    is_comment_line,
    mentions_autype,
    public_prefix,
    words,
)
from ..context import FileContext
from ..keys import DEFAULT_ENV_VAR, ROTATE_HINT, fingerprint, is_real_key, placeholder_reason
from ..lazy_regex import lazy_compile
from ..model import Applicability, FileKind, Finding, Fix, Place, Severity, Span
from ..testing import Invalid, Valid
from .base import Rule

# One definition in an env file: `NAME=value`, `export NAME=value`, `NAME: value`.
_ENV_LINE = lazy_compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*[=:][ \t]*(.*)")
# A value that only refers to another variable: `${AUTYPE_API_KEY}`, `$AUTYPE_API_KEY`, or
# to a CI secret: `${{ secrets.AUTYPE_API_KEY }}` (GitHub Actions).
_REFERENCE = lazy_compile(r"\$(?:\{?[A-Za-z_][A-Za-z0-9_]*|\{\{)")
# Files that set variables for a build: Dockerfiles, compose files and CI pipelines. A
# public variable set there is inlined into the bundle the build makes.
_BUILD_FILE = lazy_compile(
    r"(?:^|/)(?:(?:docker|container)file(?:\.[^/]*)?|[^/]*\.dockerfile"
    r"|(?:docker-)?compose(?:\.[^/]*)?\.ya?ml|\.github/workflows/[^/]*\.ya?ml"
    r"|\.gitlab-ci(?:\.[^/]*)?\.ya?ml|\.gitlab/ci/[^/]*\.ya?ml|\.circleci/config\.ya?ml"
    r"|bitbucket-pipelines\.ya?ml|azure-pipelines[^/]*\.ya?ml)$"
)
# One assignment in such a file: `ENV NAME=value`, `ARG NAME=value`, YAML `NAME: value`,
# `- NAME=value` (compose lists), `--build-arg NAME=value`, `NAME=value npm run build`. The
# value runs to the next assignment on the line or to its end.
_BUILD_ASSIGN = lazy_compile(
    r"(?<![\w$.{-])[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?[ \t]*[=:][ \t]*(?=[^\s=:])"
)
# Dockerfile's old form without `=`: `ENV NAME value`.
_DOCKER_ENV_SPACE = lazy_compile(r"^[ \t]*ENV[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+(?=[^\s=])")
# An environment read in client code: `process.env.X`, `import.meta.env.X`, `env.X`
# (SvelteKit `$env/dynamic/public`), `process.env["X"]`, `env?.X`.
_ENV_READ = lazy_compile(r"\benv[ \t]*(?:\?\.|\.|\[[ \t]*[\"'`])[ \t]*([A-Za-z_][A-Za-z0-9_]*)")
# CRA's build-time substitution in `public/index.html`: `%REACT_APP_X%`.
_HTML_SUBSTITUTION = lazy_compile(r"%([A-Za-z_][A-Za-z0-9_]*)%")
# SvelteKit's static public env module: `import { PUBLIC_X, PUBLIC_Y as y } from
# '$env/static/public'`. The braces hold no braces, bounded, so matching stays linear.
_SVELTEKIT_IMPORT = lazy_compile(
    r"import[ \t]*\{([^{}]{0,2000})\}[ \t]*from[ \t]*[\"']\$env/static/public[\"']"
)
# Destructuring the environment object: `const { VITE_X } = import.meta.env`.
_DESTRUCTURE = lazy_compile(r"\{([^{}]{0,2000})\}[ \t]*=[ \t]*(?:process\.env|import\.meta\.env)\b")
# One imported or destructured binding: `NAME` or `NAME as local` / `NAME: local`.
_BINDING = lazy_compile(
    r"([A-Za-z_$][A-Za-z0-9_$]*)(?:\s*(?:\bas\b|:)\s*([A-Za-z_$][A-Za-z0-9_$]*))?"
)
# Build configs that inline values into the client bundle.
_FRAMEWORK_CONFIG = lazy_compile(
    r"(?:^|/)(?:(next|nuxt|vite|astro|svelte|webpack|vue|craco|rollup|quasar|remix|"
    r"gatsby|rsbuild|rspack|app)[.-]config|gatsby-(?:config|node))\.[cm]?[jt]s$"
)
# Blocks whose entries end up in the client: Next.js/Nuxt 2 `env: {`, Vite `define: {`,
# webpack `DefinePlugin({`, rollup `replace({`, Nuxt `public: {` (runtimeConfig.public),
# Expo `extra: {` (app.config.*), webpack `EnvironmentPlugin([` / `EnvironmentPlugin({`.
_INLINING_BLOCK = lazy_compile(
    r"\b(env|define|public|extra)[ \t]*:[ \t]*([{\[])"
    r"|\b(DefinePlugin|EnvironmentPlugin|replace)[ \t]*\([ \t]*([{\[])"
)
# `_INLINING_BLOCK` starts with `\b`: it is tried only where its first word occurs.
_INLINING_WORDS = (
    *("env", "define", "public", "extra"),
    *("DefinePlugin", "EnvironmentPlugin", "replace"),
)
# Vite's `envPrefix: 'X_'` or `envPrefix: ['VITE_', 'X_']`: every variable with one of these
# prefixes is public.
_ENV_PREFIX = lazy_compile(r"\benvPrefix[ \t]*:[ \t]*(\[[^\]]{0,500}\]|\"[^\"\n]*\"|'[^'\n]*')")
# A dotted name in a config block: `__AUTYPE_KEY__`, `process.env.AUTYPE_API_KEY`.
_DOTTED_NAME = lazy_compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_BLOCK_LIMIT = 20000
_OPEN = {"{": "}", "[": "]"}
# A quoted string inside a config block: `'AUTYPE_'`, `"process.env.AUTYPE_API_KEY"`.
_STRING = lazy_compile(r"\"([^\"\n]{0,200})\"|'([^'\n]{0,200})'|`([^`\n]{0,200})`")

_SUGGESTION = (
    "Rename it without the public prefix (e.g. {env}), read it only in server code (a route"
    " handler, a SvelteKit +server.ts, a server action) that calls Autype for the browser,"
    " and " + ROTATE_HINT + "."
)


class PublicEnvVar(Rule):
    """
    ## What it does
    Flags Autype API keys exposed through browser-public environment variables: a name
    that mentions AUTYPE and KEY/TOKEN/SECRET behind a prefix that frameworks inline into the
    client bundle (`NEXT_PUBLIC_`, `VITE_`, `REACT_APP_`, `NUXT_PUBLIC_`, `EXPO_PUBLIC_`,
    `GATSBY_`, `PUBLIC_`, `VUE_APP_`, `NG_APP_`, `STORYBOOK_`). It reports every env-file
    line that defines one with a value; every Dockerfile `ENV`/`ARG`, compose
    `environment:`/build arg and CI pipeline `env:`/`variables:` entry (GitHub Actions,
    GitLab CI, CircleCI, Bitbucket, Azure) that gives one a value, a key literal or a
    reference such as `${{ secrets.AUTYPE_API_KEY }}` alike (the build inlines it); every
    line of client code that reads one
    (`process.env.NEXT_PUBLIC_AUTYPE_API_KEY`, `import.meta.env.VITE_AUTYPE_API_KEY`,
    SvelteKit `$env/static/public` imports and later uses of the imported name, CRA's
    `%REACT_APP_AUTYPE_KEY%` in `public/index.html`), and build configs that inline an
    Autype key (`next.config.*` `env:`, Vite `define`, webpack `DefinePlugin` /
    `EnvironmentPlugin`, Nuxt `runtimeConfig.public`, a Vite `envPrefix` that covers
    `AUTYPE_` names). Names such as `NEXT_PUBLIC_AUTYPE_API_URL` are not keys and pass.

    ## Why is this bad?
    The framework copies the value of every public variable into the JavaScript it ships, so
    the key is readable by anyone who opens the site, although it never appears as a literal
    in your source. Autype keys must only be used server-side; a leaked key spends your
    organization's credits.

    ## Example
    ```sh
    # .env
    NEXT_PUBLIC_AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ
    ```
    ```ts
    const key = process.env.NEXT_PUBLIC_AUTYPE_API_KEY;
    ```

    ## Use instead
    ```sh
    # .env (server only)
    AUTYPE_API_KEY=...
    ```
    Read `AUTYPE_API_KEY` only in server code (a Next.js route handler or server action, a
    SvelteKit `+server.ts`, a Nuxt `server/` route) and let the browser call that endpoint.
    Rotate the exposed key in the Autype dashboard under Settings -> API Keys.

    ## Fix safety
    Display only: renaming the variable moves the Autype call to the server, which cannot be
    done automatically.

    ## Options
    `public-env-prefixes`: the browser-exposed prefixes (the list above by default).
    An env-file definition with an empty value or a placeholder (`ak_your_api_key_here`,
    `changeme`) is not reported, so `.env.example` files pass; nor is a Dockerfile `ARG` or
    a compose `environment:` entry that names a variable without giving it a value. Other
    keys in Dockerfiles and CI files stay AG103.
    """

    CODE = "AG201"
    NAME = "public-env-var"
    SEVERITY = Severity.CRITICAL
    MARKERS = AUTYPE_MARKERS
    VALID = (
        Valid("NEXT_PUBLIC_AUTYPE_API_URL=https://api.autype.com/api/v1/dev\n", path=".env"),
        Valid(
            "VITE_AUTYPE_API_KEY=\nVITE_AUTYPE_TOKEN=ak_your_api_key_here\n", path=".env.example"
        ),
        Valid("const base = process.env.NEXT_PUBLIC_AUTYPE_API_URL;\n", path="app/page.tsx"),
        Valid(
            'const h = { "X-API-Key": process.env.AUTYPE_API_KEY };\n',
            path="app/api/render/route.ts",
        ),
        Valid("// never use NEXT_PUBLIC_AUTYPE_API_KEY here\n", path="src/lib/api.ts"),
        Valid(
            "export default defineNuxtConfig({\n"
            "  runtimeConfig: { autypeApiKey: '', public: { siteUrl: '' } },\n"
            "});\n",
            path="nuxt.config.ts",
        ),
    )
    INVALID = (
        Invalid(
            "NEXT_PUBLIC_AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ\n",  # autype-guard: ignore[AG101]
            span=Span.of((1, 28), (1, 47)),  # the key: AG201 takes its place over AG103
            path=".env.local",
        ),
        Invalid(
            "VITE_AUTYPE_API_KEY=${AUTYPE_API_KEY}\n",
            span=Span.of((1, 1), (1, 20)),
            path=".env.production",
        ),
        Invalid(
            "FROM node:20\nENV NEXT_PUBLIC_AUTYPE_API_KEY=${AUTYPE_API_KEY}\n",
            span=Span.of((2, 5), (2, 31)),
            path="web/Dockerfile",
        ),
        Invalid(
            "env:\n  VITE_AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}\n",
            span=Span.of((2, 3), (2, 22)),
            path=".github/workflows/deploy.yml",
        ),
        Invalid(
            "const key = process.env.NEXT_PUBLIC_AUTYPE_API_KEY!;\n",
            span=Span.of((1, 25), (1, 51)),
            path="app/agendas/page.tsx",
        ),
        Invalid(
            "const key = import.meta.env.VITE_AUTYPE_API_KEY as string;\n",
            span=Span.of((1, 29), (1, 48)),
            path="src/lib/autype.ts",
        ),
        Invalid(
            "<script>\n  import { PUBLIC_AUTYPE_KEY } from '$env/static/public';\n</script>\n",
            span=Span.of((2, 12), (2, 29)),
            path="src/routes/+page.svelte",
        ),
        Invalid(
            '<meta name="autype-key" content="%REACT_APP_AUTYPE_KEY%" />\n',
            span=Span.of((1, 35), (1, 55)),
            path="public/index.html",
        ),
        Invalid(
            "module.exports = {\n"
            "  env: { NEXT_PUBLIC_AUTYPE_KEY: process.env.AUTYPE_API_KEY },\n"
            "};\n",
            span=Span.of((2, 10), (2, 32)),
            path="next.config.js",
        ),
        Invalid(
            "export default defineConfig({\n"
            "  define: { __AUTYPE_KEY__: JSON.stringify(process.env.AUTYPE_API_KEY) },\n"
            "});\n",
            span=Span.of((2, 13), (2, 27)),
            path="vite.config.ts",
        ),
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        prefixes = ctx.config.public_env_prefixes
        if ctx.kind is FileKind.ENV:
            yield from cls._env_file(ctx, prefixes)
            return
        if ctx.kind is FileKind.CONFIG and _BUILD_FILE.search(ctx.path.lower()):
            yield from cls._build_file(ctx, prefixes)
            return
        if ctx.kind is FileKind.SCRIPT and _FRAMEWORK_CONFIG.search(ctx.path.lower()):
            yield from cls._framework_config(ctx)
        if ctx.place is Place.BROWSER and ctx.kind in (
            FileKind.SCRIPT,
            FileKind.MARKUP,
            FileKind.BUNDLE,
        ):
            yield from cls._client_code(ctx, prefixes)

    @classmethod
    def _exposed(cls, name: str, prefixes: tuple[str, ...]) -> Optional[str]:
        prefix = public_prefix(name, prefixes)
        if prefix is None or not is_autype_secret_name(name[len(prefix) :]):
            return None
        return prefix

    @classmethod
    def _finding(
        cls,
        ctx: FileContext,
        start: int,
        end: int,
        name: str,
        message: str,
        prefix: str = "",
        key: Optional[str] = None,
    ) -> Finding:
        """A finding about `name`; with `key`, about that key (fingerprinted by it; baselines
        written when this finding was about the name still match)."""
        server_name = name[len(prefix) :] if prefix else ""
        if not server_name or not re.fullmatch(r"[A-Z][A-Z0-9_]*", server_name):
            server_name = ctx.config.env_var or DEFAULT_ENV_VAR
        return ctx.finding(
            cls,
            start,
            end,
            message,
            key=key,
            identity=name,
            aliases=() if key is None else (fingerprint(f"{cls.CODE}\0{name}"),),
            suggestion=_SUGGESTION.format(env=server_name),
            fix=Fix(
                "Read the key only in server code under a non-public name",
                Applicability.DISPLAY_ONLY,
            ),
        )

    @classmethod
    def _env_file(cls, ctx: FileContext, prefixes: tuple[str, ...]) -> Iterator[Finding]:
        text = ctx.text
        offset = 0
        for line in text.split("\n"):
            m = _ENV_LINE.match(line)
            if m is not None:
                name = m.group(1)
                prefix = cls._exposed(name, prefixes)
                if prefix is not None and _defines_value(ctx, m.group(2)):
                    yield from cls._env_definition(
                        ctx, offset + m.start(1), offset + m.end(2), offset + m.start(2), prefix
                    )
            offset += len(line) + 1

    @classmethod
    def _build_file(cls, ctx: FileContext, prefixes: tuple[str, ...]) -> Iterator[Finding]:
        """Dockerfiles, compose files and CI pipelines: every public-prefixed Autype variable
        given a value (`ENV`/`ARG`, `env:`, `variables:`, `environment:`, build args), a
        literal key or a reference to one (`${{ secrets.AUTYPE_API_KEY }}`) alike."""
        text = ctx.text
        offset = 0
        for line in text.split("\n"):
            if "=" in line or ":" in line or "ENV" in line:
                hits = [(m.start(1), m.end(1), m.end()) for m in _BUILD_ASSIGN.finditer(line)]
                m = _DOCKER_ENV_SPACE.match(line)
                if m is not None and not hits:
                    hits = [(m.start(1), m.end(1), m.end())]
                for i, (name_start, name_end, value_start) in enumerate(hits):
                    name = line[name_start:name_end]
                    prefix = cls._exposed(name, prefixes)
                    if prefix is None or is_comment_line(text, offset + name_start):
                        continue
                    value_end = hits[i + 1][0] if i + 1 < len(hits) else len(line)
                    if _defines_value(ctx, line[value_start:value_end]):
                        yield from cls._env_definition(
                            ctx,
                            offset + name_start,
                            offset + value_end,
                            offset + value_start,
                            prefix,
                        )
            offset += len(line) + 1

    @classmethod
    def _env_definition(
        cls, ctx: FileContext, start: int, end: int, value_start: int, prefix: str
    ) -> Iterator[Finding]:
        """A line giving a public-prefixed Autype variable (at `start`) a value (from
        `value_start` to `end`): AG201 for each key in the value (it takes the key's place
        over AG103), else for the name."""
        name_end = start
        while name_end < value_start and (
            ctx.text[name_end].isalnum() or ctx.text[name_end] in "_."
        ):
            name_end += 1
        name = ctx.text[start:name_end]
        where = f"in a browser-exposed variable ({prefix} is inlined into client bundles)"
        value_end = end
        keys = [
            occ.hit
            for occ in ctx.key_occurrences
            if value_start <= occ.hit.start < value_end and is_real_key(occ.hit.key)
        ]
        if not keys:
            yield cls._finding(
                ctx,
                start,
                name_end,
                name,
                f"{name} puts the Autype key {where}",
                prefix,
            )
            return
        for hit in keys:
            shown = ctx.shown_key(hit.key, hit.end)
            yield cls._finding(
                ctx,
                hit.start,
                hit.end,
                name,
                f"{name} puts the Autype key {shown} {where}",
                prefix,
                key=hit.key,
            )

    @classmethod
    def _client_code(cls, ctx: FileContext, prefixes: tuple[str, ...]) -> Iterator[Finding]:
        text = ctx.text
        hits: dict[int, tuple[int, str]] = {}  # start -> (end, the exposed variable's name)

        def add(start: int, end: int, name: str) -> None:
            # Server regions of a browser file (Astro frontmatter) never reach the bundle.
            if ctx.place_at(start) is not Place.BROWSER or is_comment_line(text, start):
                return
            if cls._exposed(name, prefixes) is not None:
                hits.setdefault(start, (end, name))

        if "env" in text:
            for m in finditer_near(_ENV_READ, text, ("env",)):
                add(m.start(1), m.end(1), m.group(1))
            if "process.env" in text or "import.meta.env" in text:
                for m in _DESTRUCTURE.finditer(text):
                    for b in _BINDING.finditer(m.group(1)):
                        add(m.start(1) + b.start(1), m.start(1) + b.end(1), b.group(1))
        if ctx.kind is FileKind.MARKUP and "%" in text:
            for m in _HTML_SUBSTITUTION.finditer(text):
                add(m.start(1), m.end(1), m.group(1))
        if "$env/static/public" in text:
            for m in _SVELTEKIT_IMPORT.finditer(text):
                for b in _BINDING.finditer(m.group(1)):
                    name = b.group(1)
                    if cls._exposed(name, prefixes) is None:
                        continue
                    add(m.start(1) + b.start(1), m.start(1) + b.end(1), name)
                    # Every later use of the imported binding reads the variable too.
                    local = b.group(2) or name
                    use = re.compile(rf"(?<![\w$.]){re.escape(local)}(?![\w$])")
                    for u in finditer_near(use, text, (local,), 0, m.end()):
                        add(u.start(), u.end(), name)
        lines = OnePerLine(text)
        for start in sorted(hits):
            if not lines.admit(start):
                continue
            end, name = hits[start]
            prefix = cls._exposed(name, prefixes) or ""
            yield cls._finding(
                ctx,
                start,
                end,
                name,
                f"Client code reads {name}: the Autype key is inlined into the browser bundle"
                f" ({prefix} variables are public)",
                prefix,
            )

    @classmethod
    def _framework_config(cls, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.text
        base = ctx.path.lower().rsplit("/", 1)[-1]
        for m in finditer_near(_INLINING_BLOCK, text, _INLINING_WORDS):
            key = m.group(1) or m.group(3)
            opener = m.group(2) or m.group(4)
            if key == "env" and not base.startswith(("next.", "nuxt.")):
                continue  # only Next.js and Nuxt 2 inline `env:` into the client
            if key == "public" and not base.startswith("nuxt."):
                continue  # Nuxt's runtimeConfig.public
            if key == "replace" and not base.startswith("rollup."):
                continue
            if key == "extra" and not base.startswith("app."):
                continue  # Expo ships app.config `extra` to the app
            yield from cls._config_block(ctx, key, m.end(), _block_end(text, m.end() - 1, opener))
        for m in finditer_near(_ENV_PREFIX, text, ("envPrefix",)):
            for s in _STRING.finditer(text, m.start(1), m.end(1)):
                value = next(g for g in s.groups() if g is not None)
                if "autype" in words(value) and not is_comment_line(text, s.start()):
                    yield cls._finding(
                        ctx,
                        s.start() + 1,
                        s.end() - 1,
                        value,
                        f"Vite's `envPrefix` makes every {value}* variable public,"
                        " the Autype key included",
                    )

    @classmethod
    def _config_block(cls, ctx: FileContext, key: str, start: int, end: int) -> Iterator[Finding]:
        text = ctx.text
        where = {
            "env": "next.config `env`",
            "define": "The build's `define`",
            "public": "Nuxt's runtimeConfig.public",
            "extra": "Expo's app.config `extra`",
            "DefinePlugin": "webpack's DefinePlugin",
            "EnvironmentPlugin": "webpack's EnvironmentPlugin",
            "replace": "rollup's replace plugin",
        }[key]
        lines = OnePerLine(text)
        for n in _DOTTED_NAME.finditer(text, start, end):
            name = n.group()
            if not mentions_autype(name) or not is_autype_secret_name(name):
                continue
            if is_comment_line(text, n.start()) or not lines.admit(n.start()):
                continue
            leaf = name.rsplit(".", 1)[-1]
            leaf_start = n.end() - len(leaf)
            yield cls._finding(
                ctx,
                leaf_start,
                n.end(),
                leaf,
                f"{where} inlines {leaf} into the client bundle: the Autype key becomes public",
            )


def _defines_value(ctx: FileContext, raw: str) -> bool:
    """True when an env-file value is a real key, a reference to one, or another real value.

    Empty values and placeholders (the docs' `ak_your_api_key_here`, `changeme`, `<key>`)
    define nothing secret, so `.env.example` files pass.
    """
    value = raw.strip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        close = value.find(quote, 1)
        value = value[1:close] if close != -1 else value[1:]
    else:
        value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    if not value:
        return False
    hits = list(ctx.matcher.find(value))
    if hits:
        return any(placeholder_reason(h.key) is None for h in hits)
    if _REFERENCE.match(value):
        return True
    return placeholder_reason(value) is None


def _block_end(text: str, open_at: int, opener: str) -> int:
    """The offset just past the bracket that closes the one at `open_at` (bounded)."""
    close = _OPEN[opener]
    depth = 0
    limit = min(len(text), open_at + _BLOCK_LIMIT)
    for i in range(open_at, limit):
        c = text[i]
        if c == opener:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
    return limit
