"""AG301 bearer-auth across HTTP clients, and AG301/AG203 following the key by name."""

from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.api import ScanOptions
from autype_guard.dataflow import LocalFlow

from .conftest import fake_key


def flagged(code: str, path: str) -> list[tuple[str, int]]:
    result = scan_text(code, path, None, ScanOptions(inline_ignore=False))
    return [(f.code, f.line) for f in result.findings]


def ag301(code: str, path: str) -> list[int]:
    return [line for code_, line in flagged(code, path) if code_ == "AG301"]


# --- each client's way of sending a Bearer token --------------------------------------------

PYTHON = [
    'requests.get(u, headers={"Authorization": f"Bearer {autype_key}"})\n',
    "requests.get(u, auth=BearerAuth(autype_key))\n",
    'httpx.Client(headers={"Authorization": "Bearer " + autype_key})\n',
    'aiohttp.ClientSession(headers={"Authorization": f"Bearer {autype_key}"})\n',
    'urllib3.request("GET", u, headers={"Authorization": "Bearer %s" % autype_key})\n',
]
JAVASCRIPT = [
    "fetch(u, { headers: { Authorization: `Bearer ${autypeKey}` } });\n",
    "axios.defaults.headers.common.Authorization = `Bearer ${autypeKey}`;\n",
    "axios.create({ headers: { Authorization: 'Bearer ' + autypeKey } });\n",
    "got.extend({ headers: { authorization: `Bearer ${autypeKey}` } });\n",
    "ky.create({ headers: { Authorization: `Bearer ${autypeKey}` } });\n",
    "request.post(u).auth(autypeKey, { type: 'bearer' }).send(body);\n",
    "nodeFetch(u, { headers: { Authorization: 'Bearer ' + autypeKey } });\n",
]
GO = [
    'req.Header.Set("Authorization", "Bearer "+autypeKey)\n',
    "resty.New().R().SetAuthToken(autypeKey).Post(u)\n",
]
JVM = [
    'new Request.Builder().url(u).header("Authorization", "Bearer " + autypeKey).build();\n',
    "headers.setBearerAuth(autypeKey);\n",
    "WebClient.builder().defaultHeaders(h -> h.setBearerAuth(autypeKey)).build();\n",
    'HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + autypeKey).build();\n',
    "client.get(u) { bearerAuth(autypeKey) }\n",
    'loadTokens { BearerTokens(autypeKey, "") }\n',
]
DOTNET = [
    'c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", autypeKey);\n',
    "options.Authenticator = new JwtAuthenticator(autypeKey);\n",
    'o.Authenticator = new OAuth2AuthorizationRequestHeaderAuthenticator(autypeKey, "Bearer");\n',
]
RUBY = [
    'conn.request :authorization, "Bearer", autype_key\n',
    "conn.request :authorization, 'Bearer', -> { autype_key }\n",
    'req["Authorization"] = "Bearer #{autype_key}"\n',
    'HTTParty.post(u, headers: { "Authorization" => "Bearer #{autype_key}" })\n',
]
PHP = [
    "$client->post($u, ['headers' => ['Authorization' => 'Bearer ' . $autypeKey]]);\n",
    "Http::withToken($autypeKey)->post($u);\n",
    "Http::withToken ($autypeKey)->post($u);\n",  # the call found with no scheme in the file
    "HttpClient::create(['auth_bearer' => $autypeKey]);\n",
    "$h = ['Authorization' => 'Bearer '.config('services.autype.key')];\n",
]
OTHERS = [
    ("let r = client.post(u).bearer_auth(&autype_key).send()?;\n", "src/render.rs"),
    ('req.setValue("Bearer \\(autypeKey)", forHTTPHeaderField: "Authorization")\n', "A.swift"),
    ("AF.request(u, headers: [.authorization(bearerToken: autypeKey)])\n", "A.swift"),
    ("http.post(u, headers: {'Authorization': 'Bearer $autypeKey'});\n", "lib/a.dart"),
    ("dio.options.headers['Authorization'] = 'Bearer $autypeKey';\n", "lib/a.dart"),
    ('curl --oauth2-bearer "$AUTYPE_API_KEY" "$URL"\n', "bin/render.sh"),
    ('curl -H "Authorization: Bearer $AUTYPE_API_KEY" "$URL"\n', "bin/render.sh"),
    ('http --auth-type=bearer --auth="$AUTYPE_API_KEY" POST "$URL"\n', "bin/render.sh"),
    ('http -A bearer -a "$AUTYPE_API_KEY" POST "$URL"\n', "bin/render.sh"),
    ('wget --header="Authorization: Bearer $AUTYPE_API_KEY" "$URL"\n', "bin/render.sh"),
]


@pytest.mark.parametrize(
    ("code", "path"),
    [(c, "app/pdf.py") for c in PYTHON]
    + [(c, "src/pdf.js") for c in JAVASCRIPT]
    + [(c, "internal/pdf/client.go") for c in GO]
    + [(c, "src/main/java/x/Pdf.java") for c in JVM]
    + [(c, "Services/Pdf.cs") for c in DOTNET]
    + [(c, "app/services/pdf.rb") for c in RUBY]
    + [(c, "app/Pdf.php") for c in PHP]
    + OTHERS,
)
def test_each_client_idiom_sending_the_autype_key_as_bearer(code: str, path: str) -> None:
    assert ag301(code, path) == [1]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("Http::withToken($githubToken)->post($u);\n", "app/Pdf.php"),
        ("resty.New().R().SetAuthToken(stripeKey).Post(u)\n", "internal/pdf/client.go"),
        ("request.post(u).auth(githubToken, { type: 'bearer' });\n", "src/pdf.js"),
        ('curl --oauth2-bearer "$GITHUB_TOKEN" "$URL"\n', "bin/render.sh"),
        ("fun bearerAuth(token: String) = header(token)\n", "src/Autype.kt"),
        ("def bearer_auth(self, token):\n", "autype/client.py"),
        ("public JwtAuthenticator(string accessToken) {\n", "Autype/JwtAuthenticator.cs"),
        ("$h = ['Authorization' => 'Bearer '.config('services.github.token')];\n", "a/P.php"),
    ],
)
def test_client_idioms_sending_other_credentials(code: str, path: str) -> None:
    assert ag301(code, path) == []


def test_an_autype_named_client_sends_to_autype() -> None:
    code = 'autype_client.headers["Authorization"] = f"Bearer {token}"\n'
    assert ag301(code, "app/pdf.py") == [1]
    assert ag301(code.replace("autype_client", "gh_client"), "app/pdf.py") == []


# --- following the key by name --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path", "line"),
    [
        (
            'key = os.environ["AUTYPE_API_KEY"]\ntoken = key\n'
            'headers = {"Authorization": f"Bearer {token}"}\n',
            "app/render.py",
            3,
        ),
        (
            "def render():\n    key = os.getenv('AUTYPE_API_KEY')\n    t = key.strip()\n"
            '    token = f"{t}"\n    return {"Authorization": "Bearer " + token}\n',
            "app/render.py",
            5,
        ),
        (
            "const key = process.env.AUTYPE_API_KEY;\nconst token = `${key}`;\n"
            "fetch(u, { headers: { Authorization: `Bearer ${token}` } });\n",
            "server/render.js",
            3,
        ),
        (
            'let key = std::env::var("AUTYPE_API_KEY")?;\nlet token = format!("{}", key);\n'
            "client.post(u).bearer_auth(token).send()?;\n",
            "src/render.rs",
            3,
        ),
        (
            "$key = config('services.autype.key');\n$token = $key;\n"
            "Http::withToken($token)->post($u);\n",
            "app/Http/Render.php",
            3,
        ),
        (
            'key := os.Getenv("AUTYPE_API_KEY")\ntok := key\n'
            'req.Header.Set("Authorization", "Bearer "+tok)\n',
            "internal/render/client.go",
            3,
        ),
        (
            'key = ENV["AUTYPE_API_KEY"]\nconn.request :authorization, "Bearer", key\n',
            "lib/render.rb",
            2,
        ),
    ],
)
def test_the_key_followed_through_assignments(code: str, path: str, line: int) -> None:
    assert ag301(code, path) == [line]


def test_a_variable_assigned_a_key_literal_is_the_key_whatever_its_name() -> None:
    key = fake_key()
    code = f'const LEGACY_KEY = "{key}"; const h = {{ Authorization: "Bearer " + LEGACY_KEY }};\n'
    assert ag301(code, "src/server/routes/legacy.js") == [1]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        # Another vendor's token in a file that calls Autype too.
        (
            'r = httpx.get("https://api.autype.com/api/v1/dev/images", headers=h)\n'
            'token = os.environ["GITHUB_TOKEN"]\n'
            'gh = {"Authorization": f"Bearer {token}"}\n',
            "app/render.py",
        ),
        (
            "// renders with https://api.autype.com\nconst t = process.env.STRIPE_SECRET_KEY;\n"
            "const jwt2 = t;\nfetch(u, { headers: { Authorization: `Bearer ${jwt2}` } });\n",
            "server/render.js",
        ),
        # Reassigned: the last value wins.
        (
            'token = os.environ["AUTYPE_API_KEY"]\ntoken = session.access_token\n'
            'h = {"Authorization": f"Bearer {token}"}\n',
            "app/render.py",
        ),
        # Another function's variable is not in scope.
        (
            'def a():\n    token = os.environ["AUTYPE_API_KEY"]\n    return token\n\n'
            'def b(token):\n    return {"Authorization": f"Bearer {token}"}\n',
            "app/render.py",
        ),
        # An Autype URL is not a key.
        (
            'base = os.environ["AUTYPE_BASE_URL"]\ntoken = base\n'
            'h = {"Authorization": f"Bearer {token}"}\n',
            "app/render.py",
        ),
    ],
)
def test_other_credentials_followed_through_assignments(code: str, path: str) -> None:
    assert ag301(code, path) == []


def test_browser_call_with_a_key_held_in_a_variable() -> None:
    key = fake_key()
    code = (
        "<script>\n"
        f'  const DEMO_KEY = "{key}";\n'
        "  fetch('https://api.autype.com/v1/render', { headers: { 'X-API-Key': DEMO_KEY } });\n"
        "</script>\n"
    )
    assert [line for c, line in flagged(code, "src/pages/index.html") if c == "AG203"] == [3]


def test_browser_call_with_another_services_key_held_in_a_variable() -> None:
    code = (
        "const W = import.meta.env.VITE_WEATHER_API_KEY;\n"
        "fetch('https://api.autype.com/v1/status');\n"
        "fetch(weatherUrl, { headers: { 'X-API-Key': W } });\n"
    )
    assert [c for c, _ in flagged(code, "src/lib/autype.ts") if c == "AG203"] == []


def test_server_env_read_through_a_variable_is_server_code() -> None:
    code = (
        "export async function action() {\n"
        "  const key = process.env.AUTYPE_API_KEY!;\n"
        "  await fetch('https://api.autype.com/api/v1/dev/render', {\n"
        "    headers: { 'X-API-Key': key } });\n}\n"
    )
    assert [c for c, _ in flagged(code, "app/routes/render.tsx") if c == "AG203"] == []


def test_local_flow_scopes_and_reassignment() -> None:
    text = (
        'key = os.environ["AUTYPE_API_KEY"]\n'
        "def f():\n    token = key\n    use(token)\n"
        "def g():\n    use(token)\n"
        "key = other_service_token\nuse(key)\n"
    )
    flow = LocalFlow(text, lambda v: False)
    first, second = (i for i in range(len(text)) if text.startswith("use(token)", i))
    assert (o := flow.origin("token", first)) is not None and o.autype
    assert flow.origin("token", second) is None
    last = flow.origin("key", text.rindex("use(key)"))
    assert last is not None and not last.autype


def test_local_flow_spellings_of_one_target() -> None:
    text = (
        "<?php\n$this->key = getenv('AUTYPE_API_KEY');\n"
        "self.key = other_token\n"  # `self.key`, not `key`
        "use($this->key); use(key);\n"
    )
    flow = LocalFlow(text, lambda v: False)
    at = text.index("use(")
    assert (o := flow.origin("$this->key", at)) is not None and o.autype
    assert flow.origin("key", at) is None


def test_local_flow_on_a_minified_line_reads_only_nearby_assignments() -> None:
    filler = "f(1);" * 2_000  # 10,000 characters: further back than a minified use looks
    near = "var t=process.env.AUTYPE_API_KEY;" + "g(2);" * 100 + "use(t);"
    far = "var u=process.env.AUTYPE_API_KEY;" + filler + "use(u);"
    text = near + far
    flow = LocalFlow(text, lambda v: False)
    assert (o := flow.origin("t", text.index("use(t)"))) is not None and o.autype
    assert flow.origin("u", text.index("use(u)")) is None
