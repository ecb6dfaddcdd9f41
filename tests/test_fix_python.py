"""Round trips of `autype-guard fix` on every Python shape, in a real git repository:
expected output, the result parses, the key lands in .env, a second run changes nothing
and a rescan is clean."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from autype_guard.fixes.apply import fix_source

from .conftest import fake_key
from .test_cli import run


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)  # fix refuses to write in CI (tested below)
    return repo


def env_entries(repo: Path) -> dict[str, str]:
    path = repo / ".env"
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def round_trip(repo: Path, name: str, source: str) -> str:
    """Fix one file; check exit 0, parse, idempotence and a clean rescan; return the text."""
    path = repo / name
    path.write_bytes(source.encode())
    code, out, err = run("fix", name)
    assert code == 0, out + err
    fixed = path.read_bytes().decode()
    ast.parse(fixed)
    assert run("fix", name)[0] == 0
    assert path.read_bytes().decode() == fixed
    assert run("scan", name)[0] == 0
    return fixed


SHAPES = [
    pytest.param(
        'KEY = "{k}"\n',
        'import os\n\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="module-constant",
    ),
    pytest.param(
        "API_KEY = '{k}'  # prod\n",
        "import os\n\nAPI_KEY = os.environ['API_KEY']  # prod\n",
        "API_KEY",
        id="env-like-name-kept-quotes-and-comment-kept",
    ),
    pytest.param(
        'AUTYPE_API_KEY: str = "{k}"\n',
        'import os\n\nAUTYPE_API_KEY: str = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="annotated-assignment",
    ),
    pytest.param(
        'import os\n\n\nclass Settings:\n    api_key = "{k}"\n',
        'import os\n\n\nclass Settings:\n    api_key = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="class-attribute",
    ),
    pytest.param(
        'import os\n\n\ndef client(key="{k}"):\n    """Make a client."""\n    return key\n',
        'import os\n\n\ndef client(key=None):\n    """Make a client."""\n'
        '    if key is None:\n        key = os.environ["AUTYPE_API_KEY"]\n    return key\n',
        "AUTYPE_API_KEY",
        id="default-parameter",
    ),
    pytest.param(
        'import os\n\n\ndef client(*, key: str = "{k}") -> str: return key  # one line\n',
        "import os\nfrom typing import Optional\n\n\n"
        "def client(*, key: Optional[str] = None) -> str:  # one line\n"
        '    if key is None:\n        key = os.environ["AUTYPE_API_KEY"]\n    return key\n',
        "AUTYPE_API_KEY",
        id="annotated-keyword-only-default-on-one-line",
    ),
    pytest.param(
        'import os\n\n\ndef call(headers={{"X-API-Key": "{k}"}}):\n    return headers\n',
        "import os\n\n\ndef call(headers=None):\n    if headers is None:\n"
        '        headers = {{"X-API-Key": os.environ["AUTYPE_API_KEY"]}}\n    return headers\n',
        "AUTYPE_API_KEY",
        id="default-parameter-dict",
    ),
    pytest.param(
        'from autype import Autype\n\nclient = Autype(api_key="{k}", timeout=5)\n',
        "from autype import Autype\nimport os\n\n"
        'client = Autype(api_key=os.environ["AUTYPE_API_KEY"], timeout=5)\n',
        "AUTYPE_API_KEY",
        id="keyword-argument",
    ),
    pytest.param(
        'import os\nheaders = {{\n    "X-API-Key": "{k}",  # the key\n}}\n',
        'import os\nheaders = {{\n    "X-API-Key": os.environ["AUTYPE_API_KEY"],  # the key\n}}\n',
        "AUTYPE_API_KEY",
        id="dict-entry",
    ),
    pytest.param(
        'import os\nurl = f"https://example.com/?key={k}&page={{page}}"\n',
        "import os\nurl = f\"https://example.com/?key={{os.environ['AUTYPE_API_KEY']}}&page={{page}}\"\n",
        "AUTYPE_API_KEY",
        id="f-string",
    ),
    pytest.param(
        "import os\nurl = 'https://example.com/{{v}}?key={k}'\n",
        "import os\nurl = f'https://example.com/{{{{v}}}}?key={{os.environ[\"AUTYPE_API_KEY\"]}}'\n",
        "AUTYPE_API_KEY",
        id="key-inside-a-longer-string",
    ),
    pytest.param(
        'import os\nKEY = (\n    "{k1}"\n    "{k2}"\n)\n',
        'import os\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="implicit-concatenation",
    ),
    pytest.param(
        'import os\nKEY = "{k1}" + "{k2}"\n',
        'import os\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="plus-concatenation",
    ),
    pytest.param(
        'import os\nauth = "Key " + "{k}"\n',
        'import os\nauth = "Key " + os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="concatenation-holding-the-key",
    ),
    pytest.param(
        'import os\nKEY = os.environ.get("AUTYPE_API_KEY", "{k}")\n',
        'import os\nKEY = os.environ.get("AUTYPE_API_KEY")\n',
        "AUTYPE_API_KEY",
        id="environ-get-fallback",
    ),
    pytest.param(
        'import os\nKEY = os.getenv(\n    "AUTYPE_KEY_STAGING",\n    "{k}",\n)\n',
        'import os\nKEY = os.getenv(\n    "AUTYPE_KEY_STAGING",\n)\n',
        "AUTYPE_KEY_STAGING",
        id="getenv-fallback-multiline",
    ),
    pytest.param(
        'from os import getenv\nKEY = getenv("AUTYPE_API_KEY", default="{k}")\n',
        'from os import getenv\nKEY = getenv("AUTYPE_API_KEY")\n',
        "AUTYPE_API_KEY",
        id="getenv-keyword-fallback",
    ),
    pytest.param(
        'import os as system\nKEY = "{k}"\n',
        'import os as system\nKEY = system.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="reuses-import-os-as",
    ),
    pytest.param(
        'from os import environ\nKEY = "{k}"\n',
        'from os import environ\nKEY = environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="reuses-from-os-import-environ",
    ),
    pytest.param(
        '#!/usr/bin/env python\n"""Settings."""\n\nfrom __future__ import annotations\n\n'
        'import sys\n\nKEY = "{k}"\n',
        '#!/usr/bin/env python\n"""Settings."""\n\nfrom __future__ import annotations\n\n'
        'import sys\nimport os\n\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        "AUTYPE_API_KEY",
        id="import-after-docstring-and-future",
    ),
    pytest.param(
        '"""Old notes: the key was {k}."""\n# rotated: {k}\nx = 1\n',
        '"""Old notes: the key was ak_your_api_key_here."""\n# rotated: ak_your_api_key_here\n'
        "x = 1\n",
        "AUTYPE_API_KEY",
        id="docstring-and-comment-get-the-placeholder",
    ),
    pytest.param(
        'KEY = b"{k}"\n',
        'import os\n\nKEY = os.environ["AUTYPE_API_KEY"].encode()\n',
        "AUTYPE_API_KEY",
        id="bytes-literal",
    ),
]


@pytest.mark.parametrize(("template", "expected", "name"), SHAPES)
def test_python_shape_round_trip(project: Path, template: str, expected: str, name: str) -> None:
    key = fake_key()
    source = template.format(k=key, k1=key[:10], k2=key[10:])
    expected = expected.format()
    assert round_trip(project, "app.py", source) == expected
    assert env_entries(project) == {name: key}
    assert fix_source(source, "app.py") == expected


def test_crlf_file_stays_crlf(project: Path, key: str) -> None:
    source = f'"""Doc."""\r\ndef f(key="{key}"):\r\n    return key\r\n'
    fixed = round_trip(project, "app.py", source)
    assert fixed == (
        '"""Doc."""\r\nimport os\r\n\r\ndef f(key=None):\r\n    if key is None:\r\n'
        '        key = os.environ["AUTYPE_API_KEY"]\r\n    return key\r\n'
    )


def test_encoding_declaration_and_bytes_are_kept(project: Path, key: str) -> None:
    path = project / "legacy.py"
    source = f'# -*- coding: latin-1 -*-\nimport os\nNAME = "Müller"\nKEY = "{key}"\n'
    path.write_bytes(source.encode("latin-1"))
    assert run("fix", "legacy.py")[0] == 0
    expected = source.replace(f'"{key}"', 'os.environ["AUTYPE_API_KEY"]')
    assert path.read_bytes() == expected.encode("latin-1")


def test_utf8_bom_is_kept(project: Path, key: str) -> None:
    path = project / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + f'import os\nKEY = "{key}"  # é\n'.encode())
    assert run("fix", "bom.py")[0] == 0
    assert (
        path.read_bytes()
        == b"\xef\xbb\xbf" + 'import os\nKEY = os.environ["AUTYPE_API_KEY"]  # é\n'.encode()
    )


def test_file_mode_is_kept(project: Path, key: str) -> None:
    path = project / "tool.py"
    path.write_text(f'#!/usr/bin/env python\nimport os\nKEY = "{key}"\n')
    path.chmod(0o750)
    assert run("fix", "tool.py")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert 'KEY = os.environ["AUTYPE_API_KEY"]' in path.read_text()


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ('handler = lambda key="{k}": key\n', "lambda"),
        ("import os\nx = f\"{{cfg['{k}']}}\"\n", "f-string expression"),
        ('def f(key=PREFIX + "{k}"):\n    return key\n', "refers to other names"),
        ('KEY = "{k}"\nimport os\n', "before the file's `import os`"),
        ('os = "posix"\nKEY = "{k}"\n', "rebinds `os`"),
    ],
    ids=[
        "lambda-default",
        "inside-f-string-expression",
        "default-with-names",
        "import-later",
        "os-rebound",
    ],
)
def test_shapes_without_a_safe_fix_stay_and_are_listed(
    project: Path, template: str, why: str
) -> None:
    key = fake_key()
    source = template.format(k=key)
    (project / "app.py").write_text(source)
    code, out, _ = run("fix", "app.py")
    assert code == 1
    assert (project / "app.py").read_text() == source
    assert why in out
    assert "= help:" in out
    assert not (project / ".env").exists()
    assert key not in out


def test_env_like_names_keep_their_name_and_different_keys_get_different_names(
    project: Path,
) -> None:
    a, b, c = fake_key(), fake_key(), fake_key()
    (project / "app.py").write_text(
        f'import os\nAUTYPE_API_KEY = "{a}"\nclient_a = Client(api_key="{b}")\n'
        f'client_b = Client(api_key="{c}")\nagain = Client(api_key="{a}")\n'
    )
    assert run("fix", "app.py")[0] == 0
    text = (project / "app.py").read_text()
    assert text == (
        'import os\nAUTYPE_API_KEY = os.environ["AUTYPE_API_KEY"]\n'
        'client_a = Client(api_key=os.environ["AUTYPE_API_KEY_2"])\n'
        'client_b = Client(api_key=os.environ["AUTYPE_API_KEY_3"])\n'
        'again = Client(api_key=os.environ["AUTYPE_API_KEY"])\n'
    )
    assert env_entries(project) == {
        "AUTYPE_API_KEY": a,
        "AUTYPE_API_KEY_2": b,
        "AUTYPE_API_KEY_3": c,
    }


def test_environment_hints_in_the_path_become_suffixes(project: Path) -> None:
    staging, prod = fake_key(), fake_key()
    (project / "settings").mkdir()
    (project / "settings" / "staging.py").write_text(
        f'import os\nclient = Client(key="{staging}")\n'
    )
    (project / "settings" / "prod.py").write_text(f'import os\nclient = Client(key="{prod}")\n')
    assert run("fix", ".")[0] == 0
    assert 'os.environ["AUTYPE_API_KEY_STAGING"]' in (project / "settings/staging.py").read_text()
    assert 'os.environ["AUTYPE_API_KEY_PROD"]' in (project / "settings/prod.py").read_text()
    assert env_entries(project) == {"AUTYPE_API_KEY_PROD": prod, "AUTYPE_API_KEY_STAGING": staging}


def test_browser_exposed_names_are_never_chosen(project: Path, key: str) -> None:
    (project / "app.py").write_text(f'import os\nNEXT_PUBLIC_AUTYPE_KEY = "{key}"\n')
    assert run("fix", "app.py")[0] == 0
    assert env_entries(project) == {"AUTYPE_API_KEY": key}


def test_a_file_that_does_not_parse_is_left_alone(project: Path, key: str) -> None:
    source = f'print "{key}"\n'
    (project / "legacy.py").write_text(source)
    code, out, _ = run("fix", "legacy.py")
    assert code == 1
    assert (project / "legacy.py").read_text() == source
    assert "could not parse" in out
    assert not (project / ".env").exists()


def test_fixed_tree_is_importable(project: Path, key: str) -> None:
    (project / "settings.py").write_text(
        f'"""Settings."""\nTIMEOUT = 5\nAUTYPE_API_KEY = "{key}"\n'
        f'def client(key="{key}"):\n    return key\n'
    )
    assert run("fix", "settings.py")[0] == 0
    namespace: dict[str, object] = {}
    env = {**os.environ, "AUTYPE_API_KEY": key}
    code = compile((project / "settings.py").read_text(), "settings.py", "exec")
    old = os.environ.copy()
    os.environ.update(env)
    try:
        exec(code, namespace)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert namespace["AUTYPE_API_KEY"] == key
    client = namespace["client"]
    assert callable(client)


def test_deeply_nested_file_is_not_parsed_and_left_alone(project: Path, key: str) -> None:
    source = f'KEY = "{key}"\nx = ' + "(" * 600 + "1" + ")" * 600 + "\n"
    (project / "deep.py").write_text(source)
    code, out, _ = run("fix", "deep.py")
    assert code == 1
    assert "nest deeper" in out
    assert (project / "deep.py").read_text() == source
