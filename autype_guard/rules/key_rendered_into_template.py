"""AG202 key-rendered-into-template."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Optional

from ..autype_context import (
    AUTYPE_MARKERS,
    NAME,
    OnePerLine,
    finditer_near,
    is_autype_secret_name,
    mentions_autype,
)
from ..context import FileContext
from ..exposure import data_loaders
from ..keys import ROTATE_HINT
from ..lazy_regex import lazy_compile
from ..model import Applicability, FileKind, Finding, Fix, Place, Severity, Span
from ..testing import Invalid, Valid
from .base import Rule

# Comment regions of the template languages, as (opener, closer). Their content is never
# rendered, so it is blanked out before looking for output tags.
_COMMENTS: tuple[tuple[str, str], ...] = (
    ("{#", "#}"),  # Jinja, Django, Twig, Nunjucks
    ("{{!--", "--}}"),  # Handlebars
    ("{{!", "}}"),  # Handlebars, Mustache
    ("{{/*", "*/}}"),  # Go templates
    ("{{- /*", "*/ -}}"),
    ("{{--", "--}}"),  # Blade
    ("<%#", "%>"),  # ERB, EJS
    ("<%--", "--%>"),  # JSP
    ("{% comment %}", "{% endcomment %}"),  # Django, Liquid
)
_RAZOR_COMMENT = ("@*", "*@")
# Output tags: what they open with, what closes them. `{{ x }}` covers Jinja, Django, Twig,
# Nunjucks, Liquid, Handlebars, Mustache, Go templates and Blade's escaped echo.
_OUTPUT_TAGS: tuple[tuple[str, str], ...] = (
    ("{{", "}}"),
    ("{!!", "!!}"),  # Blade raw echo
    ("<%=", "%>"),  # ERB, EJS (escaped); `<%==` is ERB raw
    ("<?=", "?>"),  # PHP short echo
)
# EJS's raw output; in ERB `<%-` only trims whitespace around code.
_EJS_RAW = ("<%-", "%>")
# PHP's long form: `<?php echo $x ?>`, `<?php print(...); ?>`.
_PHP_ECHO = lazy_compile(r"<\?php[ \t]+(?:echo|print)\b")
# Blade directives that print their argument into the page: `@json(...)`, `@js(...)`.
_BLADE_DIRECTIVE = lazy_compile(r"@(?:json|js|inject)\(")
# Razor output: `@Configuration["Autype:ApiKey"]`, `@Model.AutypeKey`, `@(expr)`.
_RAZOR = lazy_compile(r"@(?:\(([^()\n]{1,300})\)|([A-Za-z_][\w.]*(?:\[[^\]\n]{1,200}\])?))")
# Pug/Slim/Haml interpolation `#{expr}`, `!{expr}` and buffered code lines `p= expr`.
_INDENT_INTERPOLATION = lazy_compile(r"[#!]\{([^{}\n]{1,300})\}")
_INDENT_BUFFERED = lazy_compile(r"^[ \t]*[\w.#%-]*!?==?[ \t]+(.+)$", re.MULTILINE)
# JSP expression language `${expr}`.
_EL = lazy_compile(r"\$\{([^{}\n]{1,300})\}")
# Thymeleaf: attribute processors `th:text="${...}"` and inlined `[[${...}]]`, `[(${...})]`.
_THYMELEAF = lazy_compile(
    r"\bth:[\w-]+=\"([^\"\n]{1,500})\"|\[\[([^\[\]\n]{1,300})\]\]|\[\(([^\n]{1,300}?)\)\]"
)
# Astro expressions `{expr}` in the template part (after the frontmatter fence).
_BRACE_EXPRESSION = lazy_compile(r"\{([^{}\n]{1,300})\}")
# A quoted string inside an expression: `config('services.autype.key')`, `ENV["X"]`.
_STRING = lazy_compile(r"\"([^\"\n]{1,200})\"|'([^'\n]{1,200})'")
# A translation call right before a string: `_(`, `__(`, `t(`, `trans(`, `gettext(`, `@lang(`.
_TRANSLATION = lazy_compile(r"(?:\b_|\b__|\bt|\btrans|\bgettext|\blang|\btr)\(\s*$")
# Expressions that only test the key and print something else: `{{ key is defined }}`,
# `<%= ENV["X"].present? %>`, `{{ key|length }}`, `{{ "on" if key else "off" }}`.
_TEST_ONLY = lazy_compile(
    r"\bis\s+(?:not\s+)?(?:defined|none|empty|null)\b|\|\s*(?:length|count|bool)\b"
    r"|\.(?:present|blank|nil|empty)\?|\b(?:isset|empty|filled|blank)\(|==|!="
)
# Template actions that test or loop instead of printing: Go `{{ if .X }}`, `{{ with }}`,
# `{{ range }}`; Handlebars/Mustache sections `{{#if x}}`, `{{^x}}`, `{{/if}}`, partials.
_CONTROL = lazy_compile(
    r"[ \t~-]*(?:(?:if|else|with|range|end|define|template|block|unless|each)\b|[#^/>]"
    r"|\$\w*[ \t]*:?=(?!=))"
)
# The condition part of an inline conditional: `if cond else` (Jinja, Twig, Python-like) and
# `cond ?` before ` : ` (JS, Ruby, PHP ternaries; `?.` and `present?` are not ternaries).
_CONDITION = lazy_compile(r"\bif\b[^\n]*?(?:\belse\b|$)|^[^?\n]*\s\?\s(?=[^\n]*\s:\s)")
# A masked render shows only a few characters of the key: `key[-4:]`, `key.slice(-4)`,
# `|slice:"-4:"`, `.Substring(...)`, `.last(4)`, right after the name (past closing quotes
# and brackets) ...
_MASKED_AFTER = lazy_compile(
    r"[\"'\])]*[ \t]*(?:\[[ \t]*-|\.[ \t]*(?:slice|substr|substring|last|right|mask\w*)"
    r"[ \t]*\(|\|[ \t]*(?:slice|mask\w*|last|truncate\w*)\b)",
    re.IGNORECASE,
)
# ... or a masking call around it: `mask(key)`, `substr($key, -4)`, `Str::mask(...)`.
_MASKED_BEFORE = lazy_compile(
    r"\b(?:mask|substr|substring|redact|last4|right)\w*[ \t]*\([^;\n]{0,60}$", re.IGNORECASE
)
# Assignments in a template that give a key another name, printed later: Jinja/Twig
# `{% set k = autype_key %}`, Liquid `{% assign k = ... %}`, Django `{% with k=... %}`, Go
# `{{ $k := .AutypeKey }}`, ERB `<% k = ENV[...] %>`, Razor `@{ var k = ...; }`, Pug
# `- var k = ...`. The value starts with a name (never a quote: HTML attributes are quoted).
_ASSIGNMENT = lazy_compile(
    r"(?<![\w$.-])(\$?[A-Za-z_]\w*)[ \t]*:?=(?!=)[ \t]*([A-Za-z_$@(.][^\n;%}]{0,300})"
)
# Django's other form: `{% with settings.AUTYPE_API_KEY as k %}`.
_WITH_AS = lazy_compile(r"\{%-?[ \t]*with[ \t]+([^%\n]{1,300}?)[ \t]+as[ \t]+([A-Za-z_]\w*)")
# Blade components take PHP expressions in `:`-prefixed attributes:
# `<x-autype-editor :api-key="config('services.autype.key')" />`.
_BLADE_COMPONENT = lazy_compile(r"<x-[\w.:-]+[^<>]{0,2000}>")
_BOUND_ATTRIBUTE = lazy_compile(r"(?<![\w-]):[\w.-]+=\"([^\"\n]{1,300})\"")
# Smarty output `{$autype_key}` in `.tpl` files.
_SMARTY = lazy_compile(r"\{\$([^{}\n]{1,300})\}")
# Server code that hands values to page scripts or writes a page: WordPress
# `wp_localize_script(...)` / `wp_add_inline_script(...)`; Rails `javascript_tag`,
# `content_tag`/`tag.div` data attributes and the gon gem (`gon.autype_key = ...`,
# `gon.push(...)`).
_WP_HELPER = lazy_compile(r"\bwp_(?:localize_script|add_inline_script)[ \t]*\(")
_RUBY_HELPER = lazy_compile(
    r"\b(?:javascript_tag|content_tag|tag\.[a-z]\w*|gon\.(?:push|watch\.push|global\.push))"
    r"(?:[ \t]*\(|[ \t]+(?=\S))"
    r"|\bgon\.(?:global\.|watch\.)?[A-Za-z_]\w*[ \t]*=(?!=)"
)
# JS/TS server code writing HTML: React's `dangerouslySetInnerHTML={{ __html: ... }}` and a
# response body (`res.send(`...`)`, `res.write`, `res.end`, `reply.send`, Hono `c.html`).
_INNER_HTML = lazy_compile(r"\b__html[ \t]*:")
_RESPONSE_WRITE = lazy_compile(r"\b(?:res|reply|response|c)\.(?:send|write|end|html)[ \t]*\(")
# Patterns above that start with `\b` or a class are run through `finditer_near`, tried
# only where one of their literals occurs.
_RUBY_HELPER_NEEDLES = ("javascript_tag", "content_tag", "tag.", "gon.")
_WRITE_NEEDLES = (".send", ".write", ".end", ".html")
# A `${...}` hole of a JS template literal.
_HOLE = lazy_compile(r"\$\{([^{}\n]{1,300})\}")

# Single-file components render in the browser: the key there is AG201's concern.
_CLIENT_COMPONENTS = (".vue", ".svelte", ".jsx", ".tsx")
_PHP_TEMPLATES = (".php", ".phtml")
_MAX_TAG = 2000

_SUGGESTION = (
    "Render nothing key-related into the page: call Autype from the server (a view, a"
    " controller or an endpoint of your own that the page calls), and " + ROTATE_HINT + "."
)


class KeyRenderedIntoTemplate(Rule):
    """
    ## What it does
    Flags Autype API keys rendered into pages by server-side templates: an output tag that
    prints a key variable into the HTML, such as `{{ settings.AUTYPE_API_KEY }}`,
    `{{ config['AUTYPE_API_KEY'] }}`, `{{ autype_api_key }}` (Jinja, Django, Twig, Nunjucks,
    Liquid, Handlebars), `<%= ENV["AUTYPE_API_KEY"] %>`
    (ERB, EJS), Blade `{{ config('services.autype.key') }}` and `@json(...)`, Go
    `{{ .AutypeKey }}`, PHP `<?= getenv('AUTYPE_API_KEY') ?>` and `<?php echo ... ?>`,
    Razor `@Configuration["Autype:ApiKey"]`, Pug/Slim/Haml `#{...}` and `= ...`, Astro
    `{...}`, Smarty `{$autype_key}` (`.tpl`), Thymeleaf `th:text`/`[[${...}]]`, JSP `${...}`,
    with any filter (`|tojson`, `|safe`, `|escapejs`). Also component attributes
    (`<Widget apiKey={{ ... }} />`, Blade `<x-editor :api-key="config('services.autype.key')"
    />`), names a template gives the key first (`{% set k = autype_key %}{{ k }}`, Django
    `{% with k=settings.AUTYPE_API_KEY %}`, Go `{{ $k := .AutypeKey }}`, Razor
    `@{ var k = ...; }`), and server code that hands the key to page scripts or writes the
    page: WordPress `wp_localize_script`/`wp_add_inline_script`, Rails `javascript_tag`,
    `content_tag`/`tag.*` data attributes and the gon gem (`gon.autype_key = ...`), React
    `dangerouslySetInnerHTML={{ __html: ... }}`, `${...}` holes of `res.send(`...`)`, and
    what a data loader returns to the page (Next.js `getServerSideProps`/`getStaticProps`,
    Remix `loader`/`action`, SvelteKit `load` in `+page.server.ts`/`+layout.server.ts`:
    their code runs on the server, but the props they return are serialised into the
    page). The finding is on the line that puts the key into the page, not on the server
    line that merely passes it to a template.

    ## Why is this bad?
    Whatever a template prints is sent to every visitor's browser, where anyone can read it in
    the page source. Autype keys must only be used server-side; a leaked key spends your
    organization's credits.

    ## Example
    ```html+jinja
    <script>window.AUTYPE = { key: "{{ settings.AUTYPE_API_KEY }}" };</script>
    ```

    ## Use instead
    ```html+jinja
    <form method="post" action="{{ url_for('render_pdf') }}">...</form>
    ```
    Call Autype from a server view that reads `AUTYPE_API_KEY`, and rotate the exposed key in
    the Autype dashboard under Settings -> API Keys.

    ## Fix safety
    Display only: moving the Autype call to the server cannot be done automatically.

    ## Options
    None. Template comments (`{# #}`, `<%# %>`, `{{!-- --}}`) and conditions
    (`{% if autype_api_key %}`, `{{ autype_api_key is defined }}`) are not findings, nor are
    masked renders that show only the key's last characters (`key[-4:]`, `key.slice(-4)`,
    `|slice:"-4:"`, `.last(4)`, `substr(...)`, `mask(...)`), nor data loaders that use the
    key and return something else (`props: { pdf: await render(key) }`), nor templates that
    render no page: templates of config files and server scripts, named by the extension
    before the template's (`renderer.env.j2`, `app.yaml.j2`, `php.ini.tmpl`,
    `values.yaml.gotmpl`, `run.sh.j2`), and generic templates without a single HTML tag
    (`env.tmpl` holding `AUTYPE_API_KEY={{ .AutypeKey }}`). Helm charts are such templates:
    `templates/*.yaml` put values into Kubernetes objects, not browsers (AG103's concern for
    a literal), and a `_helpers.tpl` without HTML renders no page.
    """

    CODE = "AG202"
    NAME = "key-rendered-into-template"
    SEVERITY = Severity.CRITICAL
    MARKERS = AUTYPE_MARKERS
    VALID = (
        Valid("{% if autype_api_key %}<p>PDF export on</p>{% endif %}\n", path="templates/a.html"),
        Valid("{# never print {{ autype_api_key }} here #}\n", path="templates/b.html"),
        Valid('<%# ENV["AUTYPE_API_KEY"] must never be printed %>\n', path="views/a.html.erb"),
        Valid('<meta content="{{ config.AUTYPE_BASE_URL }}">\n', path="templates/c.html"),
        Valid("{{!-- {{ autypeApiKey }} --}}\n", path="views/d.hbs"),
        Valid(
            'headers = {"X-API-Key": os.environ["AUTYPE_API_KEY"]}\n'
            'render_template("e.html", autype_api_key=key)\n',
            path="app/views.py",
        ),
        Valid(
            "AUTYPE_API_KEY={{ renderer_autype_api_key }}\n",
            path="roles/renderer/templates/renderer.env.j2",
        ),
        Valid("AUTYPE_API_KEY={{ .AutypeKey }}\n", path="web/templates/env.tmpl"),
        Valid("<p>Key: …{{ settings.AUTYPE_API_KEY|slice:'-4:' }}</p>\n", path="templates/k.html"),
        Valid(
            "export async function getServerSideProps() {\n"
            "  return { props: { pdf: await renderPdf(process.env.AUTYPE_API_KEY) } };\n"
            "}\n",
            path="pages/invoice.tsx",
        ),
    )
    INVALID = (
        Invalid(
            '<script>const k = "{{ settings.AUTYPE_API_KEY }}";</script>\n',
            span=Span.of((1, 23), (1, 46)),
            path="templates/letters/detail.html",
        ),
        Invalid(
            "<div data-key=\"{{ config['AUTYPE_API_KEY'] }}\"></div>\n",
            span=Span.of((1, 27), (1, 41)),
            path="app/templates/editor.html",
        ),
        Invalid(
            '<script>window.k = "<%= ENV["AUTYPE_API_KEY"] %>";</script>\n',
            span=Span.of((1, 30), (1, 44)),
            path="app/views/layouts/application.html.erb",
        ),
        Invalid(
            "<script>window.a = { key: @json(config('services.autype.key')) };</script>\n",
            span=Span.of((1, 41), (1, 60)),
            path="resources/views/editor.blade.php",
        ),
        Invalid(
            '<div data-autype-key="{{ .AutypeAPIKey }}"></div>\n',
            span=Span.of((1, 27), (1, 39)),
            path="templates/index.tmpl",
        ),
        Invalid(
            "<script>const K = \"<?= getenv('AUTYPE_API_KEY') ?>\";</script>\n",
            span=Span.of((1, 32), (1, 46)),
            path="public/legacy/preview.php",
        ),
        Invalid(
            '<script>window.K = "<%= process.env.AUTYPE_API_KEY %>";</script>\n',
            span=Span.of((1, 25), (1, 51)),
            path="views/editor.ejs",
        ),
        Invalid(
            "{% set k = autype_api_key %}\n<script>const K = '{{ k|tojson }}';</script>\n",
            span=Span.of((2, 23), (2, 24)),
            path="templates/editor.html",
        ),
        Invalid(
            "wp_localize_script('editor', 'Cfg', ['key' => get_option('autype_api_key')]);\n",
            span=Span.of((1, 59), (1, 73)),
            path="wp-content/plugins/autype/autype.php",
        ),
        Invalid(
            "export async function getServerSideProps() {\n"
            "  return { props: { key: process.env.AUTYPE_API_KEY } };\n"
            "}\n",
            span=Span.of((2, 26), (2, 52)),
            path="pages/editor.tsx",
        ),
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        lower = ctx.path.lower()
        if not mentions_autype(ctx.text):
            return
        is_php = lower.endswith(_PHP_TEMPLATES)
        text = ctx.text
        aliases: dict[str, str] = {}
        if ctx.kind is FileKind.SCRIPT:
            expressions: Iterator[tuple[int, int]] = _script_renders(ctx, text)
        elif lower.endswith(".rb"):
            expressions = _ruby_renders(text)
        elif not (ctx.kind is FileKind.MARKUP or is_php) or lower.endswith(_CLIENT_COMPONENTS):
            return
        elif ctx.kind is FileKind.MARKUP and not is_php and ctx.place is not Place.BROWSER:
            return  # a template of a config file or a script (`renderer.env.j2`), not a page
        else:
            razor = lower.endswith((".cshtml", ".razor"))
            comments = _COMMENTS + ((_RAZOR_COMMENT,) if razor else ())
            text = _blank_comments(text, comments)
            # Astro's frontmatter is server code: its `{...}` are object literals, not output.
            body = 0
            if lower.endswith(".astro"):
                body = max(
                    (
                        r.end
                        for r in ctx.regions.regions
                        if r.start == 0 and r.place is Place.SERVER
                    ),
                    default=0,
                )
            aliases = _aliases(text)
            expressions = _expressions(text, lower, is_php, body)
        found: dict[int, tuple[int, str]] = {}
        for start, end in expressions:
            hit = _secret_name_in(text, start, end, aliases)
            if hit is not None:
                found.setdefault(hit[0], (hit[1], hit[2]))
        lines = OnePerLine(text)
        for start in sorted(found):
            if not lines.admit(start):
                continue
            end, name = found[start]
            yield ctx.finding(
                cls,
                start,
                end,
                f"The template renders the Autype key ({name}) into the page",
                identity=name,
                suggestion=_SUGGESTION,
                fix=Fix("Call Autype from the server instead", Applicability.DISPLAY_ONLY),
            )


def _aliases(text: str) -> dict[str, str]:
    """Names a template gives a key (`{% set k = autype_key %}`): alias -> the key's name."""
    out: dict[str, str] = {}
    if "=" in text:
        for m in _ASSIGNMENT.finditer(text):
            if mentions_autype(m.group(2)):
                hit = _secret_name_in(text, m.start(2), m.end(2), {})
                if hit is not None:
                    out.setdefault(m.group(1), hit[2])
    if "with" in text:
        for m in _WITH_AS.finditer(text):
            hit = _secret_name_in(text, m.start(1), m.end(1), {})
            if hit is not None:
                out.setdefault(m.group(2), hit[2])
    return out


def _ruby_renders(text: str) -> Iterator[tuple[int, int]]:
    """Rails helpers that put values into the page: `javascript_tag`, `content_tag` and
    `tag.*` (data attributes), the gon gem. Their arguments, or the rest of the line."""
    if not ("tag" in text or "gon." in text):
        return
    for m in finditer_near(_RUBY_HELPER, text, _RUBY_HELPER_NEEDLES):
        if m.group().endswith("("):
            yield m.end(), _close_paren(text, m.end() - 1)
        else:
            line_end = text.find("\n", m.end())
            yield m.end(), len(text) if line_end == -1 else line_end


def _script_renders(ctx: FileContext, text: str) -> Iterator[tuple[int, int]]:
    """JS/TS that writes a key into a page: `dangerouslySetInnerHTML={{ __html: ... }}`,
    `${...}` holes of a response body (`res.send(`<script>...`)`), and what a data loader
    returns as page props (Next.js `getServerSideProps`/`getStaticProps`, Remix
    `loader`/`action`, SvelteKit `load` in `+page.server.ts`): that is sent to the page."""
    if "__html" in text:
        for m in finditer_near(_INNER_HTML, text, ("__html",)):
            limit = min(len(text), m.end() + _MAX_TAG)
            close = text.find("}}", m.end(), limit)
            end = limit if close == -1 else close
            holes = [(h.start(1), h.end(1)) for h in _HOLE.finditer(text, m.end(), end)]
            yield from holes or [(m.end(), end)]
    if "res" in text or "c.html" in text:
        for m in finditer_near(_RESPONSE_WRITE, text, _WRITE_NEEDLES, len("response")):
            end = _close_paren(text, m.end() - 1)
            for h in _HOLE.finditer(text, m.end(), end):
                yield h.start(1), h.end(1)
    for body_start, body_end in data_loaders(ctx.path, text):
        arrow = _ARROW_EXPRESSION.search(text, body_start, body_end)
        if arrow is not None:  # `export const loader = async () => json({...})`
            yield from _reaching_parts(text, arrow.end(), body_end)
        else:
            yield from _returned_props(text, body_start, body_end)


# Calls whose argument is still what the loader returns: `json({...})`, `defer(...)`.
_PASS_THROUGH = frozenset({"json", "defer", "typedjson", "stringify", "String", "data"})
_RETURN = lazy_compile(r"\breturn\b")


def _returned_props(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The parts of each `return` expression in `text[start:end]` that reach the page:
    arguments of other calls (`fetchPdf(process.env.AUTYPE_API_KEY)`) are left out."""
    for m in _RETURN.finditer(text, start, end):
        yield from _reaching_parts(text, m.end(), _statement_end(text, m.end(), end))


def _reaching_parts(text: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
    """`text[start:stop]` less the arguments of calls other than `json(...)` and the like."""
    piece = start
    hidden = 0  # how many enclosing calls keep their arguments from the page
    parens: list[bool] = []  # per open paren: does it hide its content?
    for i in range(start, stop):
        c = text[i]
        if c == "(":
            callee = _CALLEE.search(text[max(start, i - 40) : i])
            hides = callee is not None and callee.group(1) not in _PASS_THROUGH
            if hides and hidden == 0:
                yield piece, i
            parens.append(hides)
            hidden += hides
        elif c == ")" and parens and parens.pop():
            hidden -= 1
            if hidden == 0:
                piece = i + 1
    if hidden == 0:
        yield piece, stop


# An arrow function whose body is an expression: `=> json({ ... })`, `=> ({ props })`.
_ARROW_EXPRESSION = lazy_compile(r"\)[ \t]*(?::[^=\n]{0,200})?=>[ \t\n]*(?!\{)")
# The name of a called function right before its `(`.
_CALLEE = lazy_compile(r"([A-Za-z_$][\w$]*)[ \t]*$")


def _statement_end(text: str, pos: int, end: int) -> int:
    """Where the expression starting at `pos` ends: a `;` or line end outside brackets, or
    the bracket that closes an enclosing one (bounded)."""
    depth = 0
    seen = False
    limit = min(end, pos + 4 * _MAX_TAG)
    for i in range(pos, limit):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return i
        elif depth == 0 and c in ";\n" and seen:
            return i
        if not c.isspace():
            seen = True
    return limit


def _blank_comments(text: str, comments: tuple[tuple[str, str], ...]) -> str:
    """`text` with every template comment replaced by spaces (newlines kept, offsets kept).

    An opener without a closer is left alone: it is more likely not a comment at all.
    """
    regions: list[tuple[int, int]] = []
    for opener, closer in comments:
        pos = text.find(opener)
        while pos != -1:
            if opener == "{#" and pos > 0 and text[pos - 1] == "{":
                pos = text.find(opener, pos + 2)  # `{{#if x}}` opens a Handlebars section
                continue
            end = text.find(closer, pos + len(opener))
            if end == -1:
                break
            end += len(closer)
            regions.append((pos, end))
            pos = text.find(opener, end)
    if not regions:
        return text
    pieces: list[str] = []
    last = 0
    for start, end in sorted(regions):
        start = max(start, last)
        if start >= end:
            continue
        pieces.append(text[last:start])
        pieces.append(re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _expressions(text: str, lower: str, is_php: bool, body: int) -> Iterator[tuple[int, int]]:
    """The (start, end) offsets of every expression the template prints (Astro: from `body`)."""
    tags = _OUTPUT_TAGS + ((_EJS_RAW,) if lower.endswith(".ejs") else ())
    for opener, closer in tags:
        pos = text.find(opener)
        while pos != -1:
            start = pos + len(opener)
            end = text.find(closer, start, start + _MAX_TAG)
            if end == -1:
                end = min(len(text), start + _MAX_TAG)
            yield start, end
            pos = text.find(opener, end)
    if is_php or lower.endswith(".blade.php"):
        for m in _PHP_ECHO.finditer(text):
            limit = min(len(text), m.end() + _MAX_TAG)
            ends = (text.find("?>", m.end(), limit), text.find("\n", m.end(), limit), limit)
            yield m.end(), min(x for x in ends if x != -1)
        for m in _BLADE_DIRECTIVE.finditer(text):
            yield m.end(), _close_paren(text, m.end() - 1)
        if "wp_" in text:
            for m in finditer_near(_WP_HELPER, text, ("wp_",)):
                yield m.end(), _close_paren(text, m.end() - 1)
    if lower.endswith(".blade.php") and "<x-" in text:
        for m in _BLADE_COMPONENT.finditer(text):
            for a in _BOUND_ATTRIBUTE.finditer(text, m.start(), m.end()):
                yield a.start(1), a.end(1)
    if lower.endswith(".tpl") and "{$" in text:
        for m in _SMARTY.finditer(text):
            yield m.start(1), m.end(1)
    if lower.endswith((".cshtml", ".razor")):
        for m in _RAZOR.finditer(text):
            yield (m.start(1), m.end(1)) if m.group(1) else (m.start(2), m.end(2))
    if lower.endswith((".pug", ".jade", ".slim", ".haml")):
        for m in finditer_near(_INDENT_INTERPOLATION, text, ("#{", "!{")):
            yield m.start(1), m.end(1)
        for m in _INDENT_BUFFERED.finditer(text):
            yield m.start(1), m.end(1)
    if lower.endswith((".jsp", ".jspx")):
        for m in _EL.finditer(text):
            yield m.start(1), m.end(1)
    if "th:" in text or "[[" in text or "[(" in text:
        for m in finditer_near(_THYMELEAF, text, ("th:", "[[", "[(")):
            group = next(i for i in (1, 2, 3) if m.group(i) is not None)
            yield m.start(group), m.end(group)
    if lower.endswith(".astro"):
        for m in _BRACE_EXPRESSION.finditer(text, body):
            yield m.start(1), m.end(1)


def _close_paren(text: str, open_at: int) -> int:
    depth = 0
    limit = min(len(text), open_at + _MAX_TAG)
    for i in range(open_at, limit):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return limit


def _secret_name_in(
    text: str, start: int, end: int, aliases: dict[str, str]
) -> Optional[tuple[int, int, str]]:
    """Where the printed expression names an Autype key (the name's offsets and the key's
    name), or None. A masked render (`key[-4:]`, `mask(key)`) names no key."""
    hit = _secret_name_at(text, start, end, aliases)
    if hit is None:
        return None
    before = text[max(start, hit[0] - 80) : hit[0]]
    if _MASKED_AFTER.match(text, hit[1], min(len(text), hit[1] + 40)) or _MASKED_BEFORE.search(
        before
    ):
        return None
    return hit


def _secret_name_at(
    text: str, start: int, end: int, aliases: dict[str, str]
) -> Optional[tuple[int, int, str]]:
    expression = text[start:end]
    if not (aliases or mentions_autype(expression)) or _TEST_ONLY.search(expression):
        return None
    if _CONTROL.match(expression):
        return None  # `{{ if .AutypeKey }}`, `{{#if autypeKey}}`: a condition, not output
    # In `a if cond else b` and `cond ? a : b` only the branches are printed.
    rendered = _CONDITION.sub(lambda m: " " * len(m.group()), expression)
    for s in list(_STRING.finditer(rendered)):
        group = 1 if s.group(1) is not None else 2
        if _TRANSLATION.search(rendered, 0, s.start()):
            # `{{ _('autype.api_key') }}`: a message id, not the key
            rendered = rendered[: s.start()] + " " * len(s.group()) + rendered[s.end() :]
            continue
        if mentions_autype(s.group(group)) and is_autype_secret_name(s.group(group)):
            return start + s.start(group), start + s.end(group), s.group(group)
    for n in NAME.finditer(rendered):
        if mentions_autype(n.group()) and is_autype_secret_name(n.group()):
            return start + n.start(), start + n.end(), n.group()
        if n.group() in aliases:
            return start + n.start(), start + n.end(), aliases[n.group()]
    # `Rails.application.credentials.autype[:api_key]`, `credentials.dig(:autype, :key)`:
    # the name is spread over several parts of one expression.
    stripped = rendered.strip(" \t-=~")
    if is_autype_secret_name(stripped):
        offset = start + rendered.index(stripped)
        return offset, offset + len(stripped), stripped
    return None
