from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions, scan_bytes
from autype_guard.autype_context import (
    is_autype_secret_name,
    names_other_service,
    nearest_url_host,
    path_names_autype,
)
from autype_guard.config import Config, parse_config
from autype_guard.rules import RULES

from .conftest import fake_key

EXPOSURE_CODES = ("AG201", "AG202", "AG203", "AG301")


def flagged(code: str, path: str, config: Config | None = None) -> list[tuple[str, int]]:
    result = scan_text(code, path, config, ScanOptions(inline_ignore=False))
    return [(f.code, f.line) for f in result.findings]


def lines_of(code: str, path: str, rule: str) -> list[int]:
    return [line for c, line in flagged(code, path) if c == rule]


# --- shared helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "NEXT_PUBLIC_AUTYPE_API_KEY",
        "AUTYPE_TOKEN",
        "autypeApiKey",
        "AutypeAPIKey",
        "services.autype.key",
        "Autype:ApiKey",
        "AUTYPE_SECRET",
        "AUTYPE_API_KEY_PROD",
        "AUTYPEKEY",
    ],
)
def test_names_of_autype_keys(name: str) -> None:
    assert is_autype_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "NEXT_PUBLIC_AUTYPE_API_URL",
        "AUTYPE_TEMPLATE_ID",
        "AUTYPE_API_KEY_FILE",
        "autype_keys_path",
        "HAS_AUTYPE_KEY",
        "STRIPE_SECRET_KEY",
        "aUTYPE_KEY",
    ],
)
def test_names_that_are_not_autype_keys(name: str) -> None:
    assert not is_autype_secret_name(name)


def test_other_service_credentials_are_told_apart() -> None:
    assert names_other_service("process.env.LLM_API_KEY")
    assert names_other_service("req.session.accessToken")
    assert not names_other_service("c.Key")
    assert not names_other_service("this.apiKey")
    assert not names_other_service("settings.AUTYPE_API_KEY")


def test_nearest_url_prefers_the_line_then_looks_back() -> None:
    text = "const a = 'https://api.autype.com/v1';\n\nfetch('https://x.example/y', {\n  h: 1\n"
    assert nearest_url_host(text, text.index("h: 1")) == "x.example"
    assert nearest_url_host("curl -H 'A: b' https://API.autype.com/v1", 5) == "api.autype.com"
    far = "u = 'https://api.autype.com'\n" + "\n" * 30 + "x"
    assert nearest_url_host(far, len(far) - 1) is None


def test_only_file_and_directory_names_put_a_path_in_autype_context() -> None:
    assert path_names_autype("app/services/autype_client.rb")
    assert path_names_autype("internal/autype/client.go")
    assert not path_names_autype("autype-integration/src/lib/other.ts")


# --- prefilter ------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [r for r in RULES if r.CODE in EXPOSURE_CODES])
def test_every_invalid_example_holds_a_marker_of_its_rule(rule: type) -> None:
    for example in rule.INVALID:
        data = example.code.encode()
        assert any(marker in data for marker in rule.MARKERS), example


@pytest.mark.parametrize(
    ("code", "path", "rule"),
    [
        ("fetch('https://API.AUTYPE.COM/v1', {headers: {'X-API-KEY': k}});\n", "src/a.js", "AG203"),
        ("fetch('https://api.Autype.com/v1', {headers: {'x-api-key': k}});\n", "src/a.js", "AG203"),
        ("h = {'Authorization': 'BEARER ' + autype_key}\n", "app/x.py", "AG301"),
        ("h = {'Authorization': 'bearer ' + autypeKey}\n", "app/x.py", "AG301"),
        ("{{ AutypeKey }}\n", "templates/a.html", "AG202"),
        ("const k = process.env.NEXT_PUBLIC_AuType_KEY;\n", "src/a.ts", "AG201"),
    ],
)
def test_case_variants_pass_the_prefilter_and_are_flagged(code: str, path: str, rule: str) -> None:
    result = scan_bytes(code.encode(), path, Config())
    assert [f.code for f in result.findings] == [rule]


# --- AG201 public-env-var -------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        "NEXT_PUBLIC_",
        "VITE_",
        "REACT_APP_",
        "NUXT_PUBLIC_",
        "EXPO_PUBLIC_",
        "GATSBY_",
        "PUBLIC_",
        "VUE_APP_",
        "NG_APP_",
        "STORYBOOK_",
    ],
)
def test_every_default_prefix_exposes_an_env_file_key(prefix: str) -> None:
    key = fake_key()
    text = f"{prefix}SITE_URL=https://example.org\n{prefix}AUTYPE_API_KEY={key}\n"
    assert flagged(text, ".env.production") == [("AG201", 2)]


def test_env_file_values_decide_whether_a_definition_exposes_a_key() -> None:
    key = fake_key()
    text = (
        f'export VITE_AUTYPE_API_KEY="{key}"  # local\n'
        "VITE_AUTYPE_TOKEN=${AUTYPE_API_KEY}\n"
        "VITE_AUTYPE_SECRET=\n"
        "VITE_AUTYPE_KEY=ak_your_api_key_here\n"
        "NEXT_PUBLIC_AUTYPE_KEY=changeme\n"
        "NEXT_PUBLIC_AUTYPE_API_KEY=<your key>\n"
        "NEXT_PUBLIC_AUTYPE_API_URL=https://api.autype.com/api/v1/dev\n"
        "# VITE_AUTYPE_API_KEY=\n"
    )
    assert flagged(text, ".env") == [("AG201", 1), ("AG201", 2)]


def test_env_file_definition_is_ag201_for_the_key_it_holds() -> None:
    key = fake_key()
    result = scan_text(f"REACT_APP_AUTYPE_KEY={key}\n", ".env")
    (finding,) = result.findings
    assert finding.code == "AG201"
    assert (finding.span.start.column, finding.span.end.column) == (22, 22 + len(key))
    assert finding.fingerprint == hashlib.sha256(key.encode()).hexdigest()
    # Baselines written when the finding was about the name still match it.
    assert finding.aliases == (hashlib.sha256(b"AG201\0REACT_APP_AUTYPE_KEY").hexdigest(),)
    assert key not in json.dumps([finding.message, finding.snippet, finding.suggestion])
    assert "AUTYPE_KEY" in finding.suggestion
    assert "Settings -> API Keys" in finding.suggestion


def spans(code: str, path: str) -> list[tuple[str, int, int, int]]:
    result = scan_text(code, path, None, ScanOptions(inline_ignore=False))
    return [(f.code, f.line, f.span.start.column, f.span.end.column) for f in result.findings]


def test_dockerfile_public_variables_given_a_key_are_ag201() -> None:
    key = fake_key()
    text = (
        "FROM node:20\n"
        "ARG NEXT_PUBLIC_AUTYPE_API_KEY\n"  # declared, given nothing
        "ENV NEXT_PUBLIC_AUTYPE_API_KEY=$NEXT_PUBLIC_AUTYPE_API_KEY\n"
        f"ENV VITE_AUTYPE_KEY {key}\n"
        f"ARG REACT_APP_AUTYPE_TOKEN={key}\n"
        f"ENV AUTYPE_API_KEY={key}\n"  # a server variable: the literal stays AG103
        "# ENV NEXT_PUBLIC_AUTYPE_API_KEY=$AUTYPE_API_KEY\n"
    )
    n = len(key)
    assert spans(text, "web/Dockerfile") == [
        ("AG201", 3, 5, 31),
        ("AG201", 4, 21, 21 + n),
        ("AG201", 5, 28, 28 + n),
        ("AG103", 6, 20, 20 + n),
    ]


def test_ci_and_compose_public_variables_given_a_key_are_ag201() -> None:
    workflow = (
        "jobs:\n  build:\n    env:\n"
        "      NEXT_PUBLIC_AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}\n"
        "      AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}\n"
        "      NEXT_PUBLIC_AUTYPE_API_URL: https://api.autype.com/api/v1/dev\n"
        "    steps:\n"
        "      - run: docker build --build-arg VITE_AUTYPE_API_KEY=${{ secrets.K }} .\n"
    )
    assert spans(workflow, ".github/workflows/deploy.yml") == [
        ("AG201", 4, 7, 33),
        ("AG201", 8, 39, 58),
    ]
    gitlab = "build:\n  variables:\n    REACT_APP_AUTYPE_KEY: $AUTYPE_API_KEY\n"
    assert spans(gitlab, ".gitlab-ci.yml") == [("AG201", 3, 5, 25)]
    key = fake_key()
    compose = (
        "services:\n  web:\n    build:\n      args:\n"
        f"        - NEXT_PUBLIC_AUTYPE_API_KEY={key}\n"
        "    environment:\n"
        "      - NEXT_PUBLIC_AUTYPE_TOKEN\n"  # passed through, given nothing here
        f"      AUTYPE_API_KEY: {key}\n"
    )
    assert spans(compose, "docker-compose.prod.yml") == [
        ("AG201", 5, 38, 38 + len(key)),
        ("AG103", 8, 23, 23 + len(key)),
    ]
    # The same lines in other YAML set no build variable.
    assert flagged(gitlab, "config/settings.yml") == []


def test_keyless_fingerprint_is_rule_and_name_wherever_the_file_is() -> None:
    source = "const k = import.meta.env.VITE_AUTYPE_KEY;\n"
    (finding,) = scan_text(source, "src/a.ts").findings
    assert finding.fingerprint == hashlib.sha256(b"AG201\0VITE_AUTYPE_KEY").hexdigest()
    assert finding.preview == ""
    (moved,) = scan_text(source, "../web/src/a.ts").findings
    assert moved.fingerprint == finding.fingerprint


@pytest.mark.parametrize(
    ("code", "path", "lines"),
    [
        ("const k = process.env['NEXT_PUBLIC_AUTYPE_API_KEY'];\n", "app/page.tsx", [1]),
        ("const k = import.meta.env?.VITE_AUTYPE_TOKEN;\n", "src/a.js", [1]),
        ("const { VITE_AUTYPE_API_KEY: key, VITE_X } = import.meta.env;\n", "src/a.ts", [1]),
        (
            "import { env } from '$env/dynamic/public';\nconst k = env.PUBLIC_AUTYPE_API_KEY;\n",
            "src/routes/+page.svelte",
            [2],
        ),
        (
            "<script>\n"
            "  import { PUBLIC_AUTYPE_KEY as key, PUBLIC_SITE } from '$env/static/public';\n"
            "  // key is used below\n"
            "  const h = { auth: key };\n"
            "</script>\n",
            "src/routes/+page.svelte",
            [2, 4],
        ),
        (
            "<script>\n  const k = process.env.VUE_APP_AUTYPE_KEY;\n</script>\n",
            "src/components/A.vue",
            [2],
        ),
        ("const k = process.env.NEXT_PUBLIC_AUTYPE_API_KEY;\n", "app/api/x/route.ts", []),
        (
            "---\nconst k = import.meta.env.PUBLIC_AUTYPE_KEY;\n---\n"
            "<script>const c = import.meta.env.PUBLIC_AUTYPE_KEY;</script>\n",
            "src/pages/index.astro",
            [4],
        ),
        ('<link href="%PUBLIC_URL%/favicon.ico" />\n', "public/index.html", []),
        ("throw new Error('set VITE_AUTYPE_API_KEY');\n", "src/a.ts", []),
    ],
)
def test_client_code_reads(code: str, path: str, lines: list[int]) -> None:
    assert lines_of(code, path, "AG201") == lines
    assert [c for c, _ in flagged(code, path) if c != "AG201"] == []


@pytest.mark.parametrize(
    ("code", "path", "lines"),
    [
        (
            "module.exports = {\n  env: {\n    AUTYPE_API_KEY: process.env.AUTYPE_API_KEY,\n"
            "    AUTYPE_API_URL: process.env.AUTYPE_API_URL,\n  },\n};\n",
            "next.config.js",
            [3],
        ),
        (
            "export default defineConfig({\n  define: {\n"
            "    'import.meta.env.AUTYPE_KEY': JSON.stringify(process.env.AUTYPE_API_KEY),\n"
            "  },\n  envPrefix: ['VITE_', 'AUTYPE_'],\n});\n",
            "vite.config.ts",
            [3, 5],
        ),
        (
            "new webpack.DefinePlugin({ __KEY__: JSON.stringify(process.env.AUTYPE_API_KEY) });\n"
            "new webpack.EnvironmentPlugin(['NODE_ENV', 'AUTYPE_API_KEY']);\n",
            "webpack.config.js",
            [1, 2],
        ),
        (
            "export default defineNuxtConfig({\n  runtimeConfig: {\n    autypeApiKey: '',\n"
            "    public: { autypeApiKey: process.env.AUTYPE_API_KEY },\n  },\n});\n",
            "nuxt.config.ts",
            [4],
        ),
        (
            "export default { expo: { extra: { autypeKey: process.env.AUTYPE_API_KEY } } };\n",
            "app.config.js",
            [1],
        ),
        (
            "export default defineConfig({ test: { env: { AUTYPE_API_KEY: 'x' } } });\n",
            "vitest.config.ts",
            [],
        ),
    ],
)
def test_framework_configs_that_inline_the_key(code: str, path: str, lines: list[int]) -> None:
    assert lines_of(code, path, "AG201") == lines


def test_public_env_prefixes_are_configurable() -> None:
    config = parse_config({"public-env-prefixes": ["MYAPP_PUBLIC_"]}, root=Path("."))
    key = fake_key()
    text = f"MYAPP_PUBLIC_AUTYPE_KEY={key}\nVITE_AUTYPE_KEY={key}\n"
    assert flagged(text, ".env", config) == [("AG201", 1), ("AG103", 2)]


# --- AG202 key-rendered-into-template -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("{{ autype_api_key|escapejs }}\n", "templates/a.html"),
        ("<p>{{ settings.AUTYPE_API_KEY }}</p>\n", "app/templates/a.jinja2"),
        ("<p>{{{autypeApiKey}}}</p>\n", "views/a.hbs"),
        ("{{#each xs}}{{x}}{{/each}} {{autypeKey}} <p>#}</p>\n", "views/b.hbs"),
        ("{{ app.request.server.get('AUTYPE_API_KEY') }}\n", "templates/a.html.twig"),
        ("<p>{{ site.autype_key }}</p>\n", "_layouts/a.liquid"),
        ("<p>{{ env.AUTYPE_API_KEY }}</p>\n", "views/a.njk"),
        ("{{- .AutypeKey -}}\n", "web/a.gohtml"),
        ("<%== ENV.fetch('AUTYPE_API_KEY') %>\n", "app/views/a.html.erb"),
        ("<%= Rails.application.credentials.autype[:api_key] %>\n", "app/views/a.html.erb"),
        ("<p><%- process.env.AUTYPE_API_KEY %></p>\n", "views/a.ejs"),
        # A template of a browser script is shipped to the browser too.
        ('window.K = "<%= ENV["AUTYPE_API_KEY"] %>";\n', "app/views/pdf/show.js.erb"),
        ("{!! config('services.autype.api_key') !!}\n", "resources/views/a.blade.php"),
        ("{{ env('AUTYPE_API_KEY') }}\n", "resources/views/a.blade.php"),
        ("<?php echo $autypeKey; ?>\n", "templates/a.php"),
        ("<?= $_ENV['AUTYPE_API_KEY'] ?>\n", "a.phtml"),
        ('<div data-k="@Configuration["Autype:ApiKey"]"></div>\n', "Views/Home/a.cshtml"),
        ("p= autypeApiKey\n", "views/a.pug"),
        ("var k = [[${autypeApiKey}]];\n", "src/main/resources/templates/a.html"),
        ('<div data-k="${initParam.autypeKey}"></div>\n', "WEB-INF/a.jsp"),
        ("---\n---\n<div data-k={import.meta.env.AUTYPE_API_KEY}></div>\n", "src/a.astro"),
        ("{{ config.AUTYPE_API_KEY if enabled else '' }}\n", "templates/a.html"),
    ],
)
def test_template_outputs_that_render_the_key(code: str, path: str) -> None:
    assert [c for c, _ in flagged(code, path)] == ["AG202"]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("{% if autype_api_key %}on{% endif %}\n", "templates/a.html"),
        ("{{ 'on' if config.AUTYPE_API_KEY else 'off' }}\n", "templates/a.html"),
        ("{{ autype_api_key is defined }}\n", "templates/a.html"),
        ("{{ autype_api_key|length }}\n", "templates/a.html"),
        ("{# {{ autype_api_key }} #}\n", "templates/a.html"),
        ("{% comment %}\n{{ autype_api_key }}\n{% endcomment %}\n", "templates/a.html"),
        ("<%# <%= ENV['AUTYPE_API_KEY'] %>\n", "app/views/a.html.erb"),
        ("<% if ENV['AUTYPE_API_KEY'].present? %>on<% end %>\n", "app/views/a.html.erb"),
        ("<%= ENV['AUTYPE_API_KEY'].present? ? 'on' : 'off' %>\n", "app/views/a.html.erb"),
        ("{{!-- {{autypeKey}} --}}\n{{#if autypeKey}}on{{/if}}\n", "views/a.hbs"),
        ("{{/* {{ .AutypeKey }} */}}\n{{ if .AutypeKey }}on{{ end }}\n", "web/a.tmpl"),
        ("{{-- {{ config('services.autype.key') }} --}}\n", "resources/views/a.blade.php"),
        ("@if(config('services.autype.key')) on @endif\n", "resources/views/a.blade.php"),
        ("{{ config('services.autype.url') }}\n", "resources/views/a.blade.php"),
        ("<span>{{ autypeKey }}</span>\n", "src/components/A.vue"),
        ("{{ _('autype.api_key') }} {{ has_autype_key }}\n", "templates/a.html"),
        ('<?php $key = getenv("AUTYPE_API_KEY"); ?>\n', "app/Services/Pdf.php"),
        ("return render(request, 'a.html', {'autype_api_key': key})\n", "app/views.py"),
        # Templates of config files and scripts render no page.
        ("AUTYPE_API_KEY={{ renderer_autype_api_key }}\n", "roles/r/templates/renderer.env.j2"),
        ("autype:\n  api_key: {{ autype_api_key }}\n", "roles/r/templates/app.yaml.j2"),
        ('{"autype_key": "{{ autype_api_key }}"}\n', "deploy/config.json.j2"),
        ("Environment=AUTYPE_API_KEY={{ autype_api_key }}\n", "roles/r/templates/r.service.j2"),
        ("export AUTYPE_API_KEY={{ autype_api_key }}\n", "deploy/run.sh.j2"),
        ("AUTYPE_API_KEY={{ .AutypeKey }}\n", "web/templates/env.tmpl"),
        ("AUTYPE_API_KEY=<%= ENV['AUTYPE_API_KEY'] %>\n", "config/deploy/env.erb"),
    ],
)
def test_template_lines_that_do_not_render_the_key(code: str, path: str) -> None:
    assert flagged(code, path) == []


# --- AG202: every way a server puts a value into a page ---------------------------------------


@pytest.mark.parametrize(
    ("code", "path", "where"),
    [
        # component attributes
        (
            "<Widget apiKey={{ settings.AUTYPE_API_KEY }} />\n",
            "templates/a.html",
            (1, 19, 42),
        ),
        (
            "<x-autype-editor :api-key=\"config('services.autype.key')\" />\n",
            "resources/views/a.blade.php",
            (1, 36, 55),
        ),
        # filters on the key
        ("<p>{{ autype_api_key|tojson }}</p>\n", "templates/a.html", (1, 7, 21)),
        ("<p>{{ autype_api_key|safe }}</p>\n", "templates/a.html", (1, 7, 21)),
        # indirection
        (
            "{% set k = autype_api_key %}\n<script>var K = '{{ k }}';</script>\n",
            "templates/a.html",
            (2, 21, 22),
        ),
        (
            "{% with k=settings.AUTYPE_API_KEY %}\n<p>{{ k }}</p>\n{% endwith %}\n",
            "templates/a.html",
            (2, 7, 8),
        ),
        (
            "{% with settings.AUTYPE_API_KEY as k %}\n<p>{{ k }}</p>\n{% endwith %}\n",
            "templates/a.html",
            (2, 7, 8),
        ),
        (
            '{{ $k := .AutypeKey }}\n<div data-k="{{ $k }}"></div>\n',
            "web/a.gohtml",
            (2, 17, 19),
        ),
        (
            '@{ var k = Configuration["Autype:ApiKey"]; }\n<div data-k="@k"></div>\n',
            "Views/Home/a.cshtml",
            (2, 15, 16),
        ),
        # template suffixes of the last round's gaps
        ('<div data-k="{$autype_api_key}"></div>\n', "templates/a.tpl", (1, 16, 30)),
        ('<meta content="{{ .AutypeKey }}">\n', "web/page.gotmpl", (1, 20, 29)),
        # script-localisation helpers
        (
            "<?php\n"
            "wp_localize_script('editor', 'Cfg', array('k' => get_option('autype_api_key')));\n",
            "wp-content/plugins/autype/autype.php",
            (2, 62, 76),
        ),
        (
            'gon.autype_key = ENV["AUTYPE_API_KEY"]\n',
            "app/controllers/a_controller.rb",
            (1, 23, 37),
        ),
        (
            'content_tag(:div, "", data: { k: ENV.fetch("AUTYPE_API_KEY") })\n',
            "app/helpers/a_helper.rb",
            (1, 45, 59),
        ),
        # inline scripts written by server code
        (
            "<script dangerouslySetInnerHTML={{ __html: "
            '`K="${process.env.AUTYPE_API_KEY}"` }} />\n',
            "app/layout.tsx",
            (1, 50, 76),
        ),
        (
            'res.send(`<script>window.K="${process.env.AUTYPE_API_KEY}"</script>`);\n',
            "server/index.js",
            (1, 31, 57),
        ),
        # what a data loader returns is sent to the page
        (
            "export async function getServerSideProps() {\n"
            "  return { props: { autypeKey: process.env.AUTYPE_API_KEY } };\n"
            "}\n",
            "pages/editor.tsx",
            (2, 21, 30),
        ),
        (
            "export async function loader() {\n"
            "  return json({ key: process.env.AUTYPE_API_KEY });\n"
            "}\n",
            "app/routes/editor.tsx",
            (2, 22, 48),
        ),
        (
            "export const loader = async () => json({ key: process.env.AUTYPE_API_KEY });\n",
            "app/routes/editor.tsx",
            (1, 47, 73),
        ),
        (
            "export const load = async () => {\n  return { key: env.AUTYPE_API_KEY };\n};\n",
            "src/routes/editor/+page.server.ts",
            (2, 17, 35),
        ),
    ],
)
def test_server_renders_the_key_into_the_page(
    code: str, path: str, where: tuple[int, int, int]
) -> None:
    assert [f for f in spans(code, path) if f[0] == "AG202"] == [("AG202", *where)]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        # masked renders
        ('<p>{{ settings.AUTYPE_API_KEY|slice:"-4:" }}</p>\n', "templates/a.html"),
        ("<p>{{ autype_api_key[-4:] }}</p>\n", "templates/a.html"),
        ('<p><%= ENV["AUTYPE_API_KEY"][-4..] %></p>\n', "app/views/a.html.erb"),
        ('<p><%= ENV["AUTYPE_API_KEY"].last(4) %></p>\n', "app/views/a.html.erb"),
        ("<p>{{ mask(config('services.autype.key')) }}</p>\n", "resources/views/a.blade.php"),
        (
            "<p>{{ Str::substr(config('services.autype.key'), -4) }}</p>\n",
            "resources/views/a.blade.php",
        ),
        ("<span>{{ autypeKey.slice(-4) }}</span>\n", "views/a.njk"),
        # conditions and non-key settings through an alias
        ("{% set k = autype_api_key %}\n{% if k %}<p>on</p>{% endif %}\n", "templates/a.html"),
        ("{% set u = settings.AUTYPE_BASE_URL %}\n<p>{{ u }}</p>\n", "templates/a.html"),
        ("{# {% set k = autype_api_key %} #}\n<p>{{ k }}</p>\n", "templates/a.html"),
        ("{{ $k := .AutypeKey }}\n{{ if $k }}<p>on</p>{{ end }}\n", "web/a.gohtml"),
        # a data loader that uses the key and returns something else
        (
            "export async function getServerSideProps() {\n"
            '  const h = { "X-API-Key": process.env.AUTYPE_API_KEY };\n'
            "  return { props: { pdf: await renderPdf(process.env.AUTYPE_API_KEY) } };\n"
            "}\n",
            "pages/editor.tsx",
        ),
        (
            "export const load = async () => {\n"
            "  return { pdf: await render(env.AUTYPE_API_KEY), on: Boolean(env.AUTYPE_API_KEY) };\n"
            "};\n",
            "src/routes/+page.server.ts",
        ),
        ("res.send({ enabled: Boolean(process.env.AUTYPE_API_KEY) });\n", "server/index.js"),
        (
            "export const loader = () => json(await render(process.env.AUTYPE_API_KEY));\n",
            "app/routes/editor.tsx",
        ),
        (
            "<?php\nwp_localize_script('autype-editor', 'Cfg', array('ajax' => admin_url()));\n",
            "wp-content/plugins/autype/autype.php",
        ),
        # Helm charts and other config templates render Kubernetes objects, not pages
        (
            "apiVersion: v1\nkind: Secret\nstringData:\n  key: {{ .Values.autype.apiKey }}\n",
            "charts/pdf/templates/secret.yaml",
        ),
        (
            '{{- define "pdf.autypeKey" -}}\n{{ .Values.autypeApiKey }}\n{{- end -}}\n',
            "charts/pdf/templates/_helpers.tpl",
        ),
        ("autype:\n  apiKey: {{ .AutypeKey }}\n", "helmfile.d/values.yaml.gotmpl"),
    ],
)
def test_server_code_that_renders_no_key(code: str, path: str) -> None:
    assert [c for c, _ in flagged(code, path) if c == "AG202"] == []


def test_server_regions_of_page_modules_hold_server_literals() -> None:
    key = fake_key()
    page = (
        "export async function getServerSideProps() {\n"
        f'  const k = "{key}";\n'
        "  return { props: {} };\n"
        "}\n"
        "export default function Page() { return null; }\n"
    )
    assert flagged(page, "pages/editor.tsx") == [("AG101", 2)]
    razor = f'@{{ var k = "{key}"; }}\n<p>@Model.Title</p>\n'
    assert flagged(razor, "Views/Home/a.cshtml") == [("AG101", 1)]
    # Outside the loader the same literal is client code.
    client = f'export default function Page() {{ const k = "{key}"; return k; }}\n'
    assert flagged(client, "pages/editor.tsx") == [("AG102", 1)]


# --- AG203 browser-calls-autype -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path", "lines"),
    [
        (
            "const api = ky.create({ prefixUrl: 'https://api.autype.com/api/v1/dev' });\n"
            "const h = new Headers();\nh.append('X-API-Key', key);\n",
            "src/lib/client.ts",
            [3],
        ),
        (
            "$.ajax({ url: 'https://api.autype.com/api/v1/dev/render',\n"
            '  beforeSend: (x) => x.setRequestHeader("X-Api-Key", k) });\n',
            "static/js/app.js",
            [2],
        ),
        (
            "<script>\nfetch('https://api.autype.com/v1', {headers: {'X-API-Key': k}});\n"
            "</script>\n",
            "src/App.vue",
            [2],
        ),
        (
            "this.http.post('https://api.autype.com/api/v1/dev/render', b,\n"
            "  { headers: new HttpHeaders().set('X-API-Key', environment.autypeKey) });\n",
            "src/app/pdf.service.ts",
            [2],
        ),
        (
            '!function(){fetch("https://api.autype.com/v1",{headers:{"X-API-Key":t}})}();\n',
            "dist/assets/index-3fa9c2d1.js",
            [1],
        ),
        (
            "---\nconst r = await fetch('https://api.autype.com/v1/x',\n"
            "  { headers: { 'X-API-Key': import.meta.env.AUTYPE_API_KEY } });\n---\n<p/>\n",
            "src/pages/index.astro",
            [],
        ),
        (
            "import 'server-only';\n"
            "fetch('https://api.autype.com/v1', {headers: {'X-API-Key': process.env.K}});\n",
            "lib/autype.ts",
            [],
        ),
        ("// fetch('https://api.autype.com/v1', {headers: {'X-API-Key': k}})\n", "src/a.js", []),
        (
            "export async function loader() {\n"
            "  return fetch('https://api.autype.com/v1',\n"
            "    { headers: { 'X-API-Key': process.env.AUTYPE_API_KEY } });\n}\n",
            "app/routes/agenda.tsx",
            [],
        ),
        (
            "fetch('https://api.autype.com/v1',\n"
            "  { headers: { 'X-API-Key': import.meta.env.VITE_AUTYPE_API_KEY } });\n",
            "src/a.ts",
            [2],
        ),
        (
            "const base = import.meta.env.VITE_AUTYPE_API_URL;\n"
            "fetch(`${base}/render`, { headers: { ['X-API-Key']: key } });\n",
            "src/b.ts",
            [2],
        ),
        ("fetch('/api/own', { headers: { 'X-API-Key': autypeKey } });\n", "src/c.ts", [1]),
        ("fetch('/api/own', { headers: { 'X-API-Key': key } });\n", "src/d.ts", []),
        (
            "api.defaults.headers.common['X-API-Key'] = el.dataset.key;\n",
            "static/js/autype.js",
            [1],
        ),
        (
            "<?php $opts = ['headers' => ['X-API-Key', getenv('AUTYPE_API_KEY')]]; ?>\n"
            "<script>fetch('https://api.autype.com/v1', {headers: {'X-API-Key': window.K}});\n"
            "</script>\n",
            "public/legacy/render.php",
            [2],
        ),
        (
            "const AUTYPE = 'https://api.autype.com/v1';\n"
            "fetch('https://api.weather.example/v2', { headers: { 'X-API-Key': WEATHER_KEY } });\n",
            "src/widgets/mixed.js",
            [],
        ),
        # Edge workers run on the server; a browser service worker does not.
        (
            "export default {\n  async fetch(req: Request, env: Env): Promise<Response> {\n"
            "    return fetch('https://api.autype.com/api/v1/dev/x',\n"
            "      { headers: { 'X-API-Key': env.AUTYPE_API_KEY } });\n  },\n};\n",
            "worker/src/index.ts",
            [],
        ),
        (
            "self.addEventListener('fetch', (e) => e.respondWith(\n"
            "  fetch('https://api.autype.com/v1', { headers: { 'X-API-Key': autypeKey } })));\n",
            "src/sw.js",
            [2],
        ),
    ],
)
def test_browser_calls(code: str, path: str, lines: list[int]) -> None:
    assert lines_of(code, path, "AG203") == lines


def test_browser_call_with_a_literal_key_reports_the_call_and_the_literal() -> None:
    key = fake_key()
    code = f"fetch('https://api.autype.com/v1', {{headers: {{'X-API-Key': '{key}'}}}});\n"
    assert flagged(code, "src/a.js") == [("AG203", 1), ("AG102", 1)]


# --- AG301 bearer-auth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ('h = {"Authorization": "Bearer " + os.environ["AUTYPE_API_KEY"]}\n', "app/pdf.py"),
        ('h = {"Authorization": "Bearer %s" % key}\n', "app/autype_client.py"),
        ('h = {"Authorization": "Bearer {}".format(self.api_key)}\n', "app/autype_client.py"),
        ('conn.setRequestProperty("Authorization", "Bearer " + apiKey);\n', "x/AutypeClient.java"),
        ("headers.setBearerAuth(autypeApiKey);\n", "src/main/java/x/Pdf.java"),
        ("let r = client.post(u).bearer_auth(&self.autype_key).send()?;\n", "src/render.rs"),
        ('.header("Authorization", "Bearer $apiKey")\n', "src/main/kotlin/AutypeService.kt"),
        ("Http::withHeaders(['Authorization' => 'Bearer ' . $this->key]);\n", "app/Autype.php"),
        ("Authorization: Bearer {{autypeKey}}\n", "requests/render.http"),
        (
            'auth = new AuthenticationHeaderValue("Bearer", _key);\n',
            "Services/AutypeClient.cs",
        ),
        ('  "headers": {"Authorization": "Bearer <AUTYPE_API_KEY>"}\n', "docs/api.rst"),
        (
            "curl https://api.autype.com/api/v1/dev/images"
            " -H 'Authorization: Bearer YOUR_API_KEY'\n",
            "docs/quickstart.txt",
        ),
        (
            '{"cells": [{"source": ["h = {\\"Authorization\\": f\\"Bearer {AUTYPE_KEY}\\"}"]}]}\n',
            "notebooks/render.ipynb",
        ),
        # Other languages' ways of building the value: Swift interpolation, Java's concat,
        # Lua's `..`, Elixir's `<>`, VB's `&`, joins, and any operand in an Autype context.
        (
            'req.setValue("Bearer \\(key)", forHTTPHeaderField: "Authorization")\n',
            "ios/App/AutypeClient.swift",
        ),
        ('return b.header("Authorization", "Bearer ".concat(autypeKey));\n', "x/Render.java"),
        ('local h = { Authorization = "Bearer " .. autype_key }\n', "lua/render.lua"),
        ('headers = [{"authorization", "Bearer " <> autype_key}]\n', "lib/render.ex"),
        ('req.Headers.Add("Authorization", "Bearer " & AutypeKey)\n', "Render.vb"),
        ('h = {"Authorization": " ".join(["Bearer", autype_key])}\n', "app/pdf.py"),
        ('headers.Authorization = ["Bearer", autypeKey].join(" ");\n', "src/pdf.js"),
        ('{"Authorization" (str "Bearer " api-key)}\n', "src/autype/client.clj"),
    ],
)
def test_bearer_sent_with_an_autype_key(code: str, path: str) -> None:
    assert [c for c, _ in flagged(code, path)] == ["AG301"]


def test_bearer_with_a_literal_key_reports_the_scheme_and_the_literal() -> None:
    key = fake_key()
    found = flagged(f'h = {{"Authorization": "Bearer {key}"}}\n', "app/x.py")
    assert found == [("AG301", 1), ("AG101", 1)]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ('curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com\n', "autype.sh"),
        ("securitySchemes:\n  bearerAuth:\n    type: http\n    scheme: bearer\n", "autype.yaml"),
        ('const t = header.slice("Bearer ".length);\n', "lib/autype/hook.ts"),
        ('if auth != f"Bearer {settings.INTERNAL_TOKEN}":\n', "app/autype_views.py"),
        ("Bearer authentication is not supported by Autype.\n", "docs/autype.rst"),
        ("Sending `Authorization: Bearer $AUTYPE_API_KEY` fails with 401.\n", "docs/autype.rst"),
        ("Use `Authorization: Bearer $AUTYPE_API_KEY`? No.\n```\nX-API-Key: k\n```\n", "a.md"),
        ("class BearerAuth(requests.auth.AuthBase):\n", "autype/http.py"),
        ("# headers['Authorization'] = f'Bearer {autype_key}'\n", "app/pdf.py"),
        ('h = {"Authorization": f"Bearer {token}"}\n', "app/weather.py"),
        ('return {"Authorization": "Bearer " + jwt}\n', "app/autype_client.py"),
        ('if (scheme == "Bearer") { return; }\n', "Services/AutypeClient.cs"),
        ("parts = header.split('Bearer', 1)\n", "app/autype_client.py"),
        # New join spellings keep other vendors and string tests negative.
        ('local h = { Authorization = "Bearer " .. github_token }\n', "lua/autype.lua"),
        ('return b.header("Authorization", "Bearer ".concat(stripeKey));\n', "x/Autype.java"),
        ('{"Authorization" (str "Bearer " api-key)}\n', "src/weather/client.clj"),
        ('if "Bearer " in request.headers["Authorization"]:\n', "app/autype_views.py"),
        ('t = request.headers["Authorization"].replace("Bearer ", "")\n', "app/autype_views.py"),
        ('const t = req.headers.authorization.slice("Bearer ".length);\n', "lib/autype/hook.ts"),
        ('words = " ".join(["Bearer", "tokens", "expire"])\n', "app/autype_help.py"),
    ],
)
def test_bearer_that_is_not_an_autype_key(code: str, path: str) -> None:
    assert flagged(code, path) == []


def test_removed_lines_of_a_diff_show_the_fix_not_the_bug() -> None:
    text = (
        "## 2.9.0\n```diff\n"
        '- headers = {"Authorization": f"Bearer {AUTYPE_API_KEY}"}\n'
        '+ headers = {"X-API-Key": AUTYPE_API_KEY}\n'
        "```\n"
    )
    assert flagged(text, "CHANGELOG.md") == []
    assert flagged(text.replace("- headers", "+ headers", 1), "CHANGELOG.md") == [("AG301", 3)]


def test_markdown_code_blocks_are_read_and_prose_is_not() -> None:
    text = (
        "# Guide\n\nAutype rejects `Authorization: Bearer $AUTYPE_API_KEY`.\n\n"
        '```bash\ncurl -H "Authorization: Bearer $AUTYPE_API_KEY" $URL\n```\n'
    )
    assert flagged(text, "README.md") == [("AG301", 6)]


# --- whole scans ----------------------------------------------------------------------------


def test_keyless_findings_on_one_line_are_each_reported() -> None:
    code = (
        "<script>\n  import { PUBLIC_AUTYPE_API_KEY } from '$env/static/public';\n"
        "  fetch('https://api.autype.com/v1',\n"
        "    { headers: { 'x-api-key': PUBLIC_AUTYPE_API_KEY } });\n"
        "</script>\n"
    )
    assert flagged(code, "src/routes/+page.svelte") == [("AG201", 2), ("AG203", 4), ("AG201", 4)]


def test_rule_docs_name_the_fix_and_options() -> None:
    for rule in RULES:
        if rule.CODE in EXPOSURE_CODES:
            docs = rule.docs()
            assert "## Fix safety" in docs and "## Options" in docs


def test_large_one_line_bundle_is_scanned_without_blowup() -> None:
    # Pathological shapes for the exposure regexes: long runs with no closing delimiter.
    body = (
        "{{ " * 20_000
        + "{" * 20_000
        + "'x-api-key'" * 5_000
        + "Bearer " * 20_000
        + "process.env." * 20_000
    )
    code = "fetch('https://api.autype.com/v1');" + body + "\n"
    result = scan_text(code, "dist/app.min.js")
    assert result.findings is not None
