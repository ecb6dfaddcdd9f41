"""`autype-guard fix` end to end in real git repositories: the env file, .gitignore, other
file kinds, --diff, exit codes, and writes that fail halfway."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from autype_guard.config import Config
from autype_guard.fixes.apply import FixError, FixOptions, apply_plan, plan_fixes

from .conftest import fake_key, git
from .test_cli import run


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)  # fix refuses to write in CI (tested below)
    return repo


def is_ignored(repo: Path, name: str) -> bool:
    proc = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", name], check=False)
    return proc.returncode == 0


def places_holding(root: Path, key: str) -> list[str]:
    """Every file under `root` (outside .git) whose bytes contain `key`."""
    found = []
    for path in sorted(root.rglob("*")):
        if ".git" in path.parts or not path.is_file():
            continue
        if key.encode() in path.read_bytes():
            found.append(path.relative_to(root).as_posix())
    return found


# --- the env file and .gitignore --------------------------------------------------------------


def test_key_moves_to_a_private_ignored_env_file(project: Path, key: str) -> None:
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    code, out, err = run("fix")
    assert code == 0, out + err
    assert places_holding(project, key) == [".env"]
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    assert (project / ".gitignore").read_text() == "/.env\n"
    assert is_ignored(project, ".env")
    assert key not in out + err
    assert f"ak_…{key[-4:]}" in out
    assert "Settings -> API Keys" in out


def test_an_env_file_already_ignored_leaves_gitignore_alone(project: Path, key: str) -> None:
    (project / ".gitignore").write_text("*.pyc\n.env*\n")
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    assert run("fix")[0] == 0
    assert (project / ".gitignore").read_text() == "*.pyc\n.env*\n"


def test_gitignore_keeps_its_crlf_and_missing_final_newline(project: Path, key: str) -> None:
    (project / ".gitignore").write_bytes(b"*.pyc\r\nbuild/")
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    assert run("fix")[0] == 0
    assert (project / ".gitignore").read_bytes() == b"*.pyc\r\nbuild/\r\n/.env\r\n"
    assert is_ignored(project, ".env")


def test_tracked_env_file_is_refused_and_nothing_changes(project: Path, key: str) -> None:
    (project / ".env").write_text("DEBUG=1\n")
    git(project, "add", ".env")
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2
    assert "tracked by git" in err and "commit" in err
    assert (project / "app.py").read_text() == source
    assert (project / ".env").read_text() == "DEBUG=1\n"
    assert not (project / ".gitignore").exists()


def test_existing_different_value_is_kept_and_a_new_name_used(project: Path, key: str) -> None:
    old = fake_key()
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text(f"# local settings\nAUTYPE_API_KEY={old}\n")
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    code, out, _ = run("fix")
    assert code == 0
    assert (project / ".env").read_text() == (
        f"# local settings\nAUTYPE_API_KEY={old}\nAUTYPE_API_KEY_2={key}\n"
    )
    assert 'KEY = os.environ["AUTYPE_API_KEY_2"]' in (project / "app.py").read_text()
    assert "AUTYPE_API_KEY already holds a different key" in out


def test_an_existing_exact_line_is_not_written_twice(project: Path, key: str) -> None:
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text(f"export AUTYPE_API_KEY={key}\n")
    (project / "app.py").write_text(f'import os\nclient = Client(api_key="{key}")\n')
    assert run("fix")[0] == 0
    assert (project / ".env").read_text() == f"export AUTYPE_API_KEY={key}\n"
    assert 'api_key=os.environ["AUTYPE_API_KEY"]' in (project / "app.py").read_text()


def test_fallback_reading_a_name_that_holds_another_key_is_not_rewired(
    project: Path, key: str
) -> None:
    old = fake_key()
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text(f"AUTYPE_API_KEY={old}\n")
    source = f'import os\nKEY = os.getenv("AUTYPE_API_KEY", "{key}")\n'
    (project / "app.py").write_text(source)
    code, out, _ = run("fix")
    assert code == 1
    assert (project / "app.py").read_text() == source
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={old}\n"
    assert "not overwritten" in out


def test_crlf_env_file_stays_crlf(project: Path, key: str) -> None:
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_bytes(b"DEBUG=1\r\nHOST=localhost")
    (project / ".env").chmod(0o640)
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    assert run("fix")[0] == 0
    data = (project / ".env").read_bytes()
    assert data == f"DEBUG=1\r\nHOST=localhost\r\nAUTYPE_API_KEY={key}\r\n".encode()
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o640


def test_same_key_in_several_files_is_stored_once(project: Path, key: str) -> None:
    (project / "a.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "b.py").write_text(f'import os\nclient = Client(key="{key}")\n')
    (project / "README.md").write_text(f"Use `{key}`.\n")
    assert run("fix")[0] == 0
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={key}\n"
    assert (project / "README.md").read_text() == "Use `ak_your_api_key_here`.\n"


def test_env_file_and_env_var_options(project: Path, key: str) -> None:
    (project / "config").mkdir()
    (project / "app.py").write_text(f'import os\nclient = Client(key="{key}")\n')
    assert run("fix", "--env-file", "config/secrets.env", "--env-var", "RENDER_KEY")[0] == 0
    assert (project / "config/secrets.env").read_text() == f"RENDER_KEY={key}\n"
    assert (project / ".gitignore").read_text() == "/config/secrets.env\n"
    assert 'os.environ["RENDER_KEY"]' in (project / "app.py").read_text()
    assert run("fix", "--env-var", "not a name")[0] == 2


def test_subdirectory_run_uses_the_repository_root(project: Path, key: str) -> None:
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    assert run("fix", "src")[0] == 0
    assert places_holding(project, key) == [".env"]


def test_outside_git_the_env_file_sits_beside_the_scanned_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    code, out, _ = run("fix", "proj")
    assert code == 0, out
    assert places_holding(tmp_path, key) == ["proj/.env"]
    assert not (tmp_path / "proj" / ".gitignore").exists()
    # The env file is the destination: a second run does not report it.
    assert run("fix", "proj")[0] == 0


# --- --diff, exit codes, output ----------------------------------------------------------------


def test_diff_changes_nothing_redacts_and_exits_1(project: Path, key: str) -> None:
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, out, _ = run("fix", "--diff")
    assert code == 1
    assert (project / "app.py").read_text() == source
    assert not (project / ".env").exists()
    assert '+KEY = os.environ["AUTYPE_API_KEY"]' in out
    assert f"+AUTYPE_API_KEY=ak_…{key[-4:]}" in out
    assert "+/.env" in out
    assert key not in out
    code, out, err = run("fix", "--diff", "--show-secrets")
    assert code == 1
    assert f"+AUTYPE_API_KEY={key}" in out
    assert "full API keys" in err


def test_diff_with_nothing_to_do_exits_0(project: Path) -> None:
    (project / "app.py").write_text('import os\nKEY = os.environ["AUTYPE_API_KEY"]\n')
    code, out, _ = run("fix", "--diff")
    assert code == 0
    assert out.strip() == "Nothing to fix."


def test_unfixable_findings_exit_1_with_their_suggestion(project: Path, key: str) -> None:
    other = fake_key()
    (project / "Dockerfile").write_text(f"FROM python:3.12\nENV AUTYPE_API_KEY={key}\n")
    (project / "app.py").write_text(f'import os\nKEY = "{other}"\n')
    code, out, _ = run("fix")
    assert code == 1
    assert "Dockerfile:2:" in out
    assert "not ENV/ARG in the image" in out  # the suggestion
    assert places_holding(project, other) == [".env"]
    assert places_holding(project, key) == ["Dockerfile"]
    rotate = out.split("Rotate every exposed key")[1]
    assert f"ak_…{key[-4:]}" in rotate and f"ak_…{other[-4:]}" in rotate


def test_after_fix_scan_reports_none_of_the_fixed_findings(project: Path) -> None:
    keys = [fake_key() for _ in range(6)]
    (project / "app.py").write_text(f'import os\nKEY = "{keys[0]}"\n')
    (project / "server").mkdir()
    (project / "server" / "index.ts").write_text(
        f'import express from "express";\nconst key = "{keys[1]}";\n'
    )
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yml").write_text(
        f"jobs:\n  t:\n    env:\n      AUTYPE_API_KEY: {keys[2]}\n"
    )
    (project / "compose.yaml").write_text(
        f"services:\n  web:\n    environment:\n      - AUTYPE_API_KEY={keys[3]}\n"
    )
    (project / "README.md").write_text(f'curl -H "X-API-Key: {keys[4]}"\n')
    (project / "demo.ipynb").write_text(
        json.dumps({"cells": [{"source": [f'key = "{keys[5]}"\n']}]}, indent=1)
    )
    code, before, _ = run("scan", "--format", "json")
    assert code == 1 and len(json.loads(before)["findings"]) == 6
    code, out, _ = run("fix")
    assert code == 0, out
    code, after, _ = run("scan", "--format", "json")
    assert code == 0, after
    assert json.loads(after)["findings"] == []
    for key in keys:
        assert places_holding(project, key) == [".env"]
    assert (
        "AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}"
        in (project / ".github/workflows/ci.yml").read_text()
    )
    assert "add the repository secret" in out
    assert "=${AUTYPE_API_KEY_" in (project / "compose.yaml").read_text()
    assert "const key = process.env.AUTYPE_API_KEY" in (project / "server/index.ts").read_text()
    notebook = json.loads((project / "demo.ipynb").read_text())
    assert notebook["cells"][0]["source"] == ['key = "ak_your_api_key_here"\n']


def test_browser_code_and_templates_get_the_suggestion_only(project: Path, key: str) -> None:
    (project / "src").mkdir()
    browser = f'fetch(url, {{ headers: {{ "X-API-Key": "{key}" }} }});\n'
    (project / "src" / "api.ts").write_text(browser)
    template = f'<script>const k = "{key}";</script>\n'
    (project / "index.html").write_text(template)
    code, out, _ = run("fix")
    assert code == 1
    assert (project / "src/api.ts").read_text() == browser
    assert (project / "index.html").read_text() == template
    assert "backend endpoint" in out
    assert not (project / ".env").exists()


def test_compose_default_is_dropped_and_flow_mappings_left_alone(project: Path) -> None:
    a, b = fake_key(), fake_key()
    (project / "docker-compose.yml").write_text(
        "services:\n  web:\n    environment:\n"
        f"      AUTYPE_API_KEY: ${{AUTYPE_API_KEY:-{a}}}\n"
        f"      OTHER: {{inline: {b}}}\n"
    )
    code, out, _ = run("fix")
    assert code == 1
    assert (project / "docker-compose.yml").read_text() == (
        "services:\n  web:\n    environment:\n"
        "      AUTYPE_API_KEY: ${AUTYPE_API_KEY}\n"
        f"      OTHER: {{inline: {b}}}\n"
    )
    assert "flow collection" in out
    assert (project / ".env").read_text() == f"AUTYPE_API_KEY={a}\n"


def test_suppressed_and_allowlisted_keys_are_not_touched(project: Path, key: str) -> None:
    from autype_guard.keys import fingerprint

    allowed = fake_key()
    (project / ".autype-guard.toml").write_text(f'allowlist = ["{fingerprint(allowed)}"]\n')
    comment = "autype-guard: " + "ignore[AG101]"  # split: this file's own scan must not see it
    source = f'import os\nKEY = "{key}"  # {comment}\nOTHER = "{allowed}"\n'
    (project / "app.py").write_text(source)
    assert run("fix")[0] == 0
    assert (project / "app.py").read_text() == source
    assert not (project / ".env").exists()


# --- failing writes: nothing half-written, the key in exactly one place --------------------------


def test_env_file_that_cannot_be_created_leaves_everything_as_it_was(
    project: Path, key: str
) -> None:
    (project / "secrets").write_text("a file, not a directory\n")
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix", "--env-file", "secrets/.env")
    assert code == 2
    assert "not a directory" in err.lower()
    assert (project / "app.py").read_text() == source
    assert places_holding(project, key) == ["app.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_source_directory_writes_nothing(project: Path, key: str) -> None:
    (project / "locked").mkdir()
    source = f'import os\nKEY = "{key}"\n'
    (project / "locked" / "app.py").write_text(source)
    (project / "locked").chmod(0o555)
    try:
        code, _, err = run("fix")
    finally:
        (project / "locked").chmod(0o755)
    assert code == 2
    assert "nothing was written" in err
    assert places_holding(project, key) == ["locked/app.py"]
    assert not (project / ".gitignore").exists()


def test_a_write_failing_after_the_env_file_was_prepared_writes_nothing(
    project: Path, key: str
) -> None:
    # A real failing write, even as root: the file-size limit lets the small .gitignore and
    # .env temporary files through and makes the large source's fail with EFBIG (Python
    # ignores SIGXFSZ, so the write raises OSError).
    import resource
    import sys

    padding = "# " + "x" * 78 + "\n"
    source = f'import os\nKEY = "{key}"\n' + padding * 200
    (project / "big.py").write_text(source)
    limit = 4096

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-B", "-m", "autype_guard", "fix", "."],
        cwd=project,
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot write big.py" in proc.stderr and "nothing was written" in proc.stderr
    assert (project / "big.py").read_text() == source
    assert places_holding(project, key) == ["big.py"]
    assert sorted(p.name for p in project.iterdir()) == [".git", "big.py"]


def test_a_file_changed_between_scan_and_write_stops_the_run(project: Path, key: str) -> None:
    (project / "a.py").write_text(f'import os\nKEY = "{key}"\n')
    other = fake_key()
    (project / "b.py").write_text(f'import os\nOTHER = "{other}"\n')
    config = Config(root=project)
    plan = plan_fixes([project], config, FixOptions())
    assert len(plan.sources) == 2 and plan.env is not None
    edited = f'import os\nKEY = "{key}"  # edited meanwhile\n'
    (project / "b.py").write_text(edited.replace(key, other))
    with pytest.raises(FixError, match="changed since it was read"):
        apply_plan(plan)
    assert places_holding(project, key) == ["a.py"]
    assert places_holding(project, other) == ["b.py"]
    assert not (project / ".env").exists()
    assert not [p for p in project.iterdir() if p.name.endswith(".tmp")]


def test_apply_writes_the_env_file_before_any_source(project: Path, key: str) -> None:
    (project / "app.py").write_text(f'import os\nKEY = "{key}"\n')
    plan = plan_fixes([project], Config(root=project), FixOptions())
    names = [change.display for change in plan.changes]
    assert names == [".gitignore", ".env", "app.py"]
    report = apply_plan(plan)
    assert report.written == names
    assert places_holding(project, key) == [".env"]


def test_env_file_git_keeps_unignoring_stops_the_run_and_restores_gitignore(
    project: Path, key: str
) -> None:
    (project / "deploy").mkdir()
    (project / "deploy" / ".gitignore").write_text("!.env\n")
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix", "--env-file", "deploy/.env")
    assert code == 2
    assert "still does not ignore" in err
    assert not (project / ".gitignore").exists()
    assert places_holding(project, key) == ["app.py"]


def test_stdin_is_refused(project: Path) -> None:
    assert run("fix", "-")[0] == 2


@pytest.mark.parametrize(
    ("path", "template", "expected"),
    [
        (
            ".github/workflows/ci.yml",
            "jobs:\n  t:\n    steps:\n      - run: |\n"
            '          curl -H "X-API-Key: {k}" $URL  # call\n'
            "      # old key: {k}\n",
            "jobs:\n  t:\n    steps:\n      - run: |\n"
            '          curl -H "X-API-Key: ${{{{ secrets.AUTYPE_API_KEY }}}}" $URL  # call\n'
            "      # old key: ak_your_api_key_here\n",
        ),
        (
            "scripts/seed.js",
            "const client = new Autype({{ apiKey: '{k}' }});\r\n",
            "const client = new Autype({{ apiKey: process.env.AUTYPE_API_KEY }});\r\n",
        ),
        (
            "docs/setup.rst",
            "Run ``autype --key {k}``.\n",
            "Run ``autype --key ak_your_api_key_here``.\n",
        ),
    ],
    ids=["workflow-run-block-and-comment", "server-js-crlf", "rst"],
)
def test_text_fixes(project: Path, path: str, template: str, expected: str) -> None:
    key = fake_key()
    target = project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(template.format(k=key).encode())
    code, out, _ = run("fix")
    assert code == 0, out
    assert target.read_bytes() == expected.format().encode()
    assert places_holding(project, key) == [".env"]
    assert run("fix")[0] == 0
    assert target.read_bytes() == expected.format().encode()


def test_key_inside_a_longer_js_string_is_left_with_a_reason(project: Path, key: str) -> None:
    (project / "server").mkdir()
    source = f'const url = "https://x.test/?key={key}";\n'
    (project / "server" / "api.js").write_text(source)
    code, out, _ = run("fix")
    assert code == 1
    assert "part of a longer string" in out
    assert (project / "server" / "api.js").read_text() == source


def test_ci_refuses_to_move_keys_into_a_throwaway_workspace(
    project: Path, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    source = f'import os\nKEY = "{key}"\n'
    (project / "app.py").write_text(source)
    code, _, err = run("fix")
    assert code == 2 and "CI is set" in err
    assert (project / "app.py").read_text() == source
    assert run("fix", "--diff")[0] == 1
    assert run("fix", "--env-file", "keys.env")[0] == 0
    assert places_holding(project, key) == ["keys.env"]
