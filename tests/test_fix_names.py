"""`fix` you can trust: which variable each key moves to (the same name the finding's advice
gives), why, the whole mapping, and every exposed key listed for rotation; placeholders are
no secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autype_guard.keys import is_builtin_placeholder
from autype_guard.suggest import app_hint, name_choice

from .conftest import fake_key
from .test_cli import run


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)
    (repo / ".gitignore").write_text("/.env\n")
    return repo


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def mapping(out: str) -> dict[str, str]:
    """The `Variables` section of fix's output: "path:line" -> NAME."""
    found = {}
    section = out.split("Variables (file:line -> NAME):\n", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines():
        where, name = line.strip().split(" -> ", 1)
        found[where] = name.split()[0]
    return found


def suggested(paths: list[str]) -> dict[str, str]:
    """The variable each finding's advice names: "path:line" -> NAME."""
    _, out, _ = run("scan", "--format", "json", *paths)
    names = {}
    for finding in json.loads(out)["findings"]:
        match = re.search(r'os\.environ\["([A-Z0-9_]+)"\]', finding["suggestion"])
        if match:
            names[f"{finding['path']}:{finding['line']}"] = match.group(1)
    return names


# --- the closing rotation list ------------------------------------------------------------


def test_rotation_list_holds_every_real_key_found_masked(project: Path) -> None:
    fixed, public, web = fake_key(), fake_key(), fake_key()
    (project / ".gitignore").write_text("")  # the .env is neither ignored nor tracked
    write(project / ".env", f"NEXT_PUBLIC_AUTYPE_KEY={public}\n")
    write(project / "web" / ".env", f"NEXT_PUBLIC_AUTYPE_KEY={web}\n")
    write(project / "app.py", f'KEY = "{fixed}"\n')
    code, out, err = run("fix", "--diff")
    assert code == 1, out + err
    rotate = out.split("Rotate every exposed key", 1)[1]
    for key in (fixed, public, web):
        assert f"ak_…{key[-4:]}" in rotate
        assert key not in out + err


# --- names: one name everywhere, explained, stable -------------------------------------


def test_a_renamed_variable_says_why(project: Path) -> None:
    old, key = fake_key(), fake_key()
    write(project / ".env", f"AUTYPE_API_KEY={old}\n")
    write(project / "a.py", f'K = "{key}"\n')
    write(project / "b.py", f'K = "{key}"\n')  # the same key again: the same name and reason
    code, out, _ = run("fix", "--diff")
    assert code == 1
    names = mapping(out)
    assert names == {"a.py:1": "AUTYPE_API_KEY_2", "b.py:1": "AUTYPE_API_KEY_2"}
    section = out.split("Variables (file:line -> NAME):\n", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines():
        assert "AUTYPE_API_KEY already holds a different key (.env)" in line, line


def test_monorepo_names_come_from_the_app_and_the_environment(project: Path) -> None:
    keys = [fake_key() for _ in range(4)]
    write(project / "apps" / "billing" / "settings.py", f'KEY = "{keys[0]}"\n')
    write(project / "apps" / "billing-api" / "staging" / "conf.py", f'KEY = "{keys[1]}"\n')
    write(project / "services" / "mail" / "AUTYPE_API_KEY.py", f'KEY = "{keys[2]}"\n')
    write(project / "main.py", f'KEY = "{keys[3]}"\n')
    code, out, _ = run("fix", "--diff")
    assert code == 1
    expected = {
        "apps/billing/settings.py:1": "BILLING_AUTYPE_API_KEY",
        "apps/billing-api/staging/conf.py:1": "BILLING_API_AUTYPE_API_KEY_STAGING",
        "services/mail/AUTYPE_API_KEY.py:1": "MAIL_AUTYPE_API_KEY",
        "main.py:1": "AUTYPE_API_KEY",
    }
    assert mapping(out) == expected
    assert "from the app directory billing" in out
    # The same names for each file fixed alone, and from a subdirectory.
    for where, name in expected.items():
        _, alone, _ = run("fix", "--diff", where.split(":")[0])
        assert mapping(alone) == {where: name}
    assert suggested(["."]) == expected


def test_names_do_not_depend_on_the_directory_fix_runs_from(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "apps" / "billing" / "settings.py", f'KEY = "{fake_key()}"\n')
    monkeypatch.chdir(project / "apps" / "billing")
    _, out, _ = run("fix", "--diff", ".")
    assert mapping(out) == {"settings.py:1": "BILLING_AUTYPE_API_KEY"}


def test_the_environment_file_name_gives_the_suffix() -> None:
    assert name_choice(".env.staging", "AUTYPE_API_KEY", "AUTYPE_API_KEY").candidates == (
        "AUTYPE_API_KEY_STAGING",
    )
    assert name_choice("apps/shop/.env.production", None, "AUTYPE_API_KEY").candidates == (
        "SHOP_AUTYPE_API_KEY_PROD",
    )
    assert app_hint("apps/x.py") is None  # a file directly in apps/: no app
    assert app_hint("packages/web-ui/src/a.ts") == "WEB_UI"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("app.py", 'K = "{key}"\n'),
        ("config/staging/settings.py", 'AUTYPE_API_KEY = "{key}"\n'),
        ("apps/billing/settings.py", 'BILLING_TOKEN = "{key}"\n'),
        ("apps/shop/prod.py", 'STRIPE_KEY = "{key}"\n'),
        ("svc.py", 'import os\nK = os.environ.get("MY_AUTYPE_KEY", "{key}")\n'),
    ],
)
def test_the_advice_and_the_fix_name_the_same_variable(project: Path, path: str, text: str) -> None:
    write(project / path, text.format(key=fake_key()))
    advice = suggested([path])
    assert advice, "the finding names no variable"
    code, out, _ = run("fix", "--diff", path)
    assert code == 1
    assert mapping(out) == advice


# --- placeholders are no secrets ----------------------------------------------------------


def test_shown_placeholders_ask_for_no_rotation(project: Path) -> None:
    other = "ak_test_" + fake_key()[3:]  # a placeholder word, but not a built-in one
    write(project / "a.py", f'K = "ak_your_api_key_here"\nJ = "{other}"\n')
    write(project / "README.md", "Set `AUTYPE_API_KEY=ak_your_api_key_here`.\n")
    for fmt in ("text", "json", "github", "gitlab", "html", "sarif"):
        code, out, _ = run("scan", "--show-placeholders", "--format", fmt, ".")
        assert code == 0, out
        if fmt == "sarif":  # the rule catalogue's docs speak of rotation; the results do not
            out = json.dumps(json.loads(out)["runs"][0]["results"])
        said = out.lower()
        for asking in ("rotate it", "rotate every", "for each exposed key", "rotate the"):
            assert asking not in said, (fmt, asking)
        assert other not in out, fmt  # masked: only built-in placeholders are shown
    _, text, _ = run("scan", "--show-placeholders", ".")
    assert 'K = "ak_your_api_key_here"' in text  # the docs' placeholder, in full
    assert "ak_your_api_key_here in assignment to K" in text
    assert f"ak_…{other[-4:]}" in text
    _, fixed, _ = run("fix", "--diff")
    assert "Rotate" not in fixed


def test_builtin_placeholders() -> None:
    assert is_builtin_placeholder("ak_your_api_key_here")
    assert is_builtin_placeholder("ak_xxxxxxxxxxxxxxxxxxxx")
    assert is_builtin_placeholder("ak_example_api_key_placeholder")
    assert not is_builtin_placeholder("ak_test_" + fake_key()[3:])
    assert not is_builtin_placeholder(fake_key())


# --- how the moved key gets into the environment -----------------------------------------


def notes(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if line.startswith("note: "))


def test_without_a_loader_fix_says_how_to_export_the_env_file(project: Path) -> None:
    key = fake_key()
    write(project / "app.py", f'KEY = "{key}"\n')
    code, out, _ = run("fix")
    assert code == 0
    assert "set -a; . ./.env; set +a" in notes(out)
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"


def test_python_dotenv_in_requirements_keeps_environ_and_the_root_env(project: Path) -> None:
    key = fake_key()
    write(project / "requirements.txt", "requests\npython-dotenv>=1.0\n")
    write(project / "app.py", f'KEY = "{key}"\n')
    code, out, _ = run("fix")
    assert code == 0
    assert 'os.environ["AUTYPE_API_KEY"]' in (project / "app.py").read_text()
    assert "python-dotenv (in requirements.txt) loads .env" in notes(out)
    assert "set -a" not in out
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"


def test_the_key_goes_to_the_file_the_loader_reads(project: Path) -> None:
    key = fake_key()
    write(project / "pyproject.toml", '[project]\nname = "svc"\n')
    write(
        project / "svc" / "settings.py",
        'from dotenv import load_dotenv\n\nload_dotenv(".env.local")\n',
    )
    write(project / "svc" / "client.py", f'KEY = "{key}"\n')
    code, out, err = run("fix")
    assert code == 0, out + err
    assert (project / ".env.local").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert not (project / ".env").exists()
    assert "python-dotenv (in svc/settings.py) loads .env.local" in notes(out)
    assert "/.env.local" in (project / ".gitignore").read_text()
    assert 'KEY = os.environ["AUTYPE_API_KEY"]' in (project / "svc" / "client.py").read_text()


def test_django_environ_reads_the_env_beside_its_settings(project: Path) -> None:
    key = fake_key()
    write(
        project / "site" / "settings.py",
        f'import environ\n\nenviron.Env.read_env()\nAUTYPE_API_KEY = "{key}"\n',
    )
    code, out, err = run("fix")
    assert code == 0, out + err
    assert (project / "site" / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert "django-environ (in site/settings.py) loads site/.env" in notes(out)


def test_pydantic_settings_is_told_it_does_not_fill_environ(project: Path) -> None:
    write(
        project / "conf.py",
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n"
        "class S(BaseSettings):\n    model_config = SettingsConfigDict(env_file='.env.prod')\n",
    )
    write(project / "app.py", f'KEY = "{fake_key()}"\n')
    code, out, _ = run("fix")
    assert code == 0
    assert (project / ".env.prod").is_file()
    assert "not into os.environ" in notes(out)


def test_a_loader_file_git_tracks_never_receives_keys(project: Path) -> None:
    from .conftest import git

    write(project / "env.py", 'from dotenv import load_dotenv\nload_dotenv(".env.shared")\n')
    write(project / ".env.shared", "DEBUG=1\n")
    git(project, "add", ".env.shared")
    key = fake_key()
    write(project / "app.py", f'KEY = "{key}"\n')
    code, out, _ = run("fix")
    assert code == 0
    assert (project / ".env.shared").read_text() == "DEBUG=1\n"
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert "which git tracks" in notes(out)
