"""AG202 key-rendered-into-template."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Optional

from ..autype_context import (
    AUTYPE_MARKERS,
    NAME,
    OnePerLine,
    is_autype_secret_name,
    mentions_autype,
)
from ..context import FileContext
from ..keys import ROTATE_HINT
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
_PHP_ECHO = re.compile(r"<\?php[ \t]+(?:echo|print)\b")
# Blade directives that print their argument into the page: `@json(...)`, `@js(...)`.
_BLADE_DIRECTIVE = re.compile(r"@(?:json|js|inject)\(")
# Razor output: `@Configuration["Autype:ApiKey"]`, `@Model.AutypeKey`, `@(expr)`.
_RAZOR = re.compile(r"@(?:\(([^()\n]{1,300})\)|([A-Za-z_][\w.]*(?:\[[^\]\n]{1,200}\])?))")
# Pug/Slim/Haml interpolation `#{expr}`, `!{expr}` and buffered code lines `p= expr`.
_INDENT_INTERPOLATION = re.compile(r"[#!]\{([^{}\n]{1,300})\}")
_INDENT_BUFFERED = re.compile(r"^[ \t]*[\w.#%-]*!?==?[ \t]+(.+)$", re.MULTILINE)
# JSP expression language `${expr}`.
_EL = re.compile(r"\$\{([^{}\n]{1,300})\}")
# Thymeleaf: attribute processors `th:text="${...}"` and inlined `[[${...}]]`, `[(${...})]`.
_THYMELEAF = re.compile(
    r"\bth:[\w-]+=\"([^\"\n]{1,500})\"|\[\[([^\[\]\n]{1,300})\]\]|\[\(([^\n]{1,300}?)\)\]"
)
# Astro expressions `{expr}` in the template part (after the frontmatter fence).
_BRACE_EXPRESSION = re.compile(r"\{([^{}\n]{1,300})\}")
# A quoted string inside an expression: `config('services.autype.key')`, `ENV["X"]`.
_STRING = re.compile(r"\"([^\"\n]{1,200})\"|'([^'\n]{1,200})'")
# A translation call right before a string: `_(`, `__(`, `t(`, `trans(`, `gettext(`, `@lang(`.
_TRANSLATION = re.compile(r"(?:\b_|\b__|\bt|\btrans|\bgettext|\blang|\btr)\(\s*$")
# Expressions that only test the key and print something else: `{{ key is defined }}`,
# `<%= ENV["X"].present? %>`, `{{ key|length }}`, `{{ "on" if key else "off" }}`.
_TEST_ONLY = re.compile(
    r"\bis\s+(?:not\s+)?(?:defined|none|empty|null)\b|\|\s*(?:length|count|bool)\b"
    r"|\.(?:present|blank|nil|empty)\?|\b(?:isset|empty|filled|blank)\(|==|!="
)
# Template actions that test or loop instead of printing: Go `{{ if .X }}`, `{{ with }}`,
# `{{ range }}`; Handlebars/Mustache sections `{{#if x}}`, `{{^x}}`, `{{/if}}`, partials.
_CONTROL = re.compile(
    r"[ \t~-]*(?:(?:if|else|with|range|end|define|template|block|unless|each)\b|[#^/>])"
)
# The condition part of an inline conditional: `if cond else` (Jinja, Twig, Python-like) and
# `cond ?` before ` : ` (JS, Ruby, PHP ternaries; `?.` and `present?` are not ternaries).
_CONDITION = re.compile(r"\bif\b[^\n]*?(?:\belse\b|$)|^[^?\n]*\s\?\s(?=[^\n]*\s:\s)")
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
    `{...}`. The finding is on the template line that renders the key, not on the server
    line that passes it in.

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
    templates that render no page: templates of config files and server scripts, named by the
    extension before the template's (`renderer.env.j2`, `app.yaml.j2`, `php.ini.tmpl`,
    `run.sh.j2`), and generic templates without a single HTML tag (`env.tmpl` holding
    `AUTYPE_API_KEY={{ .AutypeKey }}`).
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
    )

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        lower = ctx.path.lower()
        is_php = lower.endswith(_PHP_TEMPLATES)
        if not (ctx.kind is FileKind.MARKUP or is_php) or lower.endswith(_CLIENT_COMPONENTS):
            return
        if ctx.kind is FileKind.MARKUP and not is_php and ctx.place is not Place.BROWSER:
            return  # a template of a config file or a script (`renderer.env.j2`), not a page
        if not mentions_autype(ctx.text):
            return
        comments = _COMMENTS + ((_RAZOR_COMMENT,) if lower.endswith((".cshtml", ".razor")) else ())
        text = _blank_comments(ctx.text, comments)
        found: dict[int, tuple[int, str]] = {}
        # Astro's frontmatter is server code: its `{...}` are object literals, not output.
        body = 0
        if lower.endswith(".astro"):
            body = max(
                (r.end for r in ctx.regions.regions if r.start == 0 and r.place is Place.SERVER),
                default=0,
            )
        for start, end in _expressions(text, lower, is_php, body):
            hit = _secret_name_in(text, start, end)
            if hit is not None:
                found.setdefault(hit[0], (hit[1], text[hit[0] : hit[1]]))
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
    if lower.endswith((".cshtml", ".razor")):
        for m in _RAZOR.finditer(text):
            yield (m.start(1), m.end(1)) if m.group(1) else (m.start(2), m.end(2))
    if lower.endswith((".pug", ".jade", ".slim", ".haml")):
        for m in _INDENT_INTERPOLATION.finditer(text):
            yield m.start(1), m.end(1)
        for m in _INDENT_BUFFERED.finditer(text):
            yield m.start(1), m.end(1)
    if lower.endswith((".jsp", ".jspx")):
        for m in _EL.finditer(text):
            yield m.start(1), m.end(1)
    if "th:" in text or "[[" in text or "[(" in text:
        for m in _THYMELEAF.finditer(text):
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


def _secret_name_in(text: str, start: int, end: int) -> Optional[tuple[int, int]]:
    """Where the printed expression names an Autype key (the name's offsets), or None."""
    expression = text[start:end]
    if not mentions_autype(expression) or _TEST_ONLY.search(expression):
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
            return start + s.start(group), start + s.end(group)
    for n in NAME.finditer(rendered):
        if mentions_autype(n.group()) and is_autype_secret_name(n.group()):
            return start + n.start(), start + n.end()
    # `Rails.application.credentials.autype[:api_key]`, `credentials.dig(:autype, :key)`:
    # the name is spread over several parts of one expression.
    stripped = rendered.strip(" \t-=~")
    if is_autype_secret_name(stripped):
        offset = start + rendered.index(stripped)
        return offset, offset + len(stripped)
    return None
