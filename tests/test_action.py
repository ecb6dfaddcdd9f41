"""The composite GitHub Action: its shape, and its scan step run for real with bash."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import fake_key

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return loaded


def step(action: dict[str, Any], step_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in action["runs"]["steps"] if s.get("id") == step_id)
    return found


def test_action_is_a_composite_with_the_documented_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"paths", "args", "sarif-file", "upload"}
    assert action["inputs"]["upload"]["default"] == "true"
    assert action["inputs"]["sarif-file"]["default"] == "autype-guard.sarif"
    assert "exit-code" in action["outputs"]


def test_action_installs_from_its_own_checkout_and_uploads_sarif(action: dict[str, Any]) -> None:
    install = step(action, "install")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert 'package="$ACTION_PATH"' in install["run"]
    assert 'pip install --quiet --disable-pip-version-check "$package"' in install["run"]
    upload = next(s for s in action["runs"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "inputs.upload == 'true'" in upload["if"]
    fail = action["runs"]["steps"][-1]
    assert fail["if"] == "${{ steps.scan.outputs.exit-code != '0' }}"


def test_no_input_is_expanded_inside_a_script(action: dict[str, Any]) -> None:
    for s in action["runs"]["steps"]:
        if "run" in s:
            assert "${{" not in s["run"], s.get("name")
            assert s["shell"] == "bash"


def test_the_action_scans_once_for_both_reports(action: dict[str, Any]) -> None:
    scripts = "\n".join(s["run"] for s in action["runs"]["steps"] if "run" in s)
    assert scripts.count('"$AUTYPE_GUARD" scan') == 1
    (line,) = [x for x in scripts.splitlines() if '"$AUTYPE_GUARD" scan' in x]
    assert '--report "sarif=$SARIF_FILE"' in line and "--report github=-" in line


def test_third_party_actions_are_pinned_by_commit_sha_with_the_release_noted() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    uses = [line.strip() for line in text.splitlines() if line.strip().startswith("uses:")]
    assert len(uses) >= 2
    for line in uses:
        assert re.fullmatch(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", line), line
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    ecosystems = [u["package-ecosystem"] for u in dependabot["updates"]]
    assert "github-actions" in ecosystems


def test_version_input_defaults_to_the_package_version(action: dict[str, Any]) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "(.*)"$', pyproject, re.M)
    assert version is not None
    assert action["inputs"]["version"]["default"] == version.group(1)
    cache = next(s for s in action["runs"]["steps"] if "actions/cache@" in s.get("uses", ""))
    assert "inputs.version" in cache["with"]["key"]
    assert step(action, "install")["env"]["PIP_CACHE_DIR"] == cache["with"]["path"]


FAKE_PYTHON = """#!/bin/bash
# `python -m venv DIR` makes DIR/bin/python (this script); `python -m pip ...` records it.
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
  printf '#!/bin/bash\necho autype-guard 0.0.0\n' > "$3/bin/autype-guard"
  chmod +x "$3/bin/autype-guard"
else
  echo "$@" >> "$PIP_LOG"
fi
"""


@pytest.mark.parametrize(
    ("version", "installs"),
    [("", "ACTION"), ("0.1.0", "ACTION"), ("9.9.9", "autype-guard==9.9.9")],
)
def test_install_step_takes_the_checkout_for_its_own_version_else_pypi(
    action: dict[str, Any], tmp_path: Path, version: str, installs: str
) -> None:
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    script = tmp_path / "install.sh"
    script.write_text(step(action, "install")["run"])
    output = tmp_path / "github-output"
    log = tmp_path / "pip.log"
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env={
            "PATH": "/usr/bin:/bin",
            "ACTION_PATH": str(ROOT),
            "PYTHON": str(python),
            "VERSION": version,
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_OUTPUT": str(output),
            "PIP_LOG": str(log),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    expected = str(ROOT) if installs == "ACTION" else installs
    assert log.read_text().split()[-1] == expected
    assert output.read_text() == f"bin={tmp_path}/autype-guard-venv/bin/autype-guard\n"


def run_scan_step(
    action: dict[str, Any], workdir: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    script = workdir.parent / "scan-step.sh"
    script.write_text(step(action, "scan")["run"])
    output = workdir.parent / "github-output"
    output.write_text("")
    binary = Path(sys.executable).parent / "autype-guard"
    proc = subprocess.run(
        # The shell GitHub runs composite `shell: bash` steps with.
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workdir,
        env={
            "PATH": "/usr/bin:/bin",
            "AUTYPE_GUARD": str(binary),
            "GITHUB_OUTPUT": str(output),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs


def test_scan_step_writes_sarif_reports_annotations_and_the_exit_code(
    action: dict[str, Any], tmp_path: Path
) -> None:
    work = tmp_path / "repo"
    (work / "src").mkdir(parents=True)
    (work / "docs").mkdir()
    key = fake_key()
    (work / "src" / "app.py").write_text(f'KEY = "{key}"\n')
    (work / "docs" / "notes.md").write_text(f"{fake_key()}\n")
    proc, outputs = run_scan_step(
        action,
        work,
        {
            "INPUT_PATHS": "src\ndocs",
            "INPUT_ARGS": "--fail-on high",
            "SARIF_FILE": "out.sarif",
        },
    )
    assert proc.returncode == 0, proc.stderr
    assert outputs == {"exit-code": "1", "sarif": "true"}
    doc = json.loads((work / "out.sarif").read_text())
    assert sorted(r["ruleId"] for r in doc["runs"][0]["results"]) == ["AG101", "AG104"]
    assert re.search(r"^::error file=src/app.py,line=1,col=8,", proc.stdout, re.M)
    assert key not in proc.stdout + (work / "out.sarif").read_text()


def test_scan_step_on_a_clean_tree_and_with_a_config_error(
    action: dict[str, Any], tmp_path: Path
) -> None:
    work = tmp_path / "repo"
    work.mkdir()
    (work / "app.py").write_text("import os\nKEY = os.environ['AUTYPE_API_KEY']\n")
    proc, outputs = run_scan_step(
        action, work, {"INPUT_PATHS": "", "INPUT_ARGS": "", "SARIF_FILE": "a.sarif"}
    )
    assert proc.returncode == 0
    assert outputs == {"exit-code": "0", "sarif": "true"}
    assert "::" not in proc.stdout
    proc, outputs = run_scan_step(
        action, work, {"INPUT_PATHS": ".", "INPUT_ARGS": "--select AG999", "SARIF_FILE": "b.sarif"}
    )
    assert outputs == {"exit-code": "2"}  # no SARIF written, so nothing to upload
    assert "AG999" in proc.stderr
