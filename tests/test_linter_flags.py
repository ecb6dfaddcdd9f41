"""What linters have: `scan -v` lists what was passed over, `[*]` marks what `fix` can fix."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from autype_guard.model import PASSED_OVER_SAMPLE

from .conftest import fake_key, git
from .test_cli import run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _sections(err: str) -> dict[str, list[str]]:
    """`scan -v`'s stderr as {heading: the paths listed under it}."""
    sections: dict[str, list[str]] = {}
    heading = ""
    for line in err.splitlines():
        if line.startswith("  "):
            sections[heading].append(line.strip())
        else:
            heading = line
            sections[heading] = []
    return sections


def test_verbose_lists_each_path_passed_over_with_its_reason(repo: Path) -> None:
    os.chdir(repo)
    (repo / "app.py").write_text("import os\n")
    (repo / "vendor").mkdir()
    (repo / "vendor" / "lib.py").write_text("x = 1\n")
    (repo / "notes.tmp").write_text("x\n")
    (repo / "build").mkdir()
    (repo / "build" / "bundle.js").write_text(f'const k = "{fake_key()}";\n')
    (repo / ".gitignore").write_text("build/\n")
    (repo / "logo.png").write_bytes(b"\x89PNG\0\0\0" * 50)
    (repo / "link.py").symlink_to("app.py")
    (repo / "pyproject.toml").write_text('[tool.autype-guard]\nextend-exclude = ["vendor/**"]\n')
    code, out, err = run("scan", "-v", "--exclude", "*.tmp", ".")
    assert code == 0
    assert "excluded" in out  # the report itself is unchanged on stdout
    sections = _sections(err)
    by_reason = {heading.split(" ", 2)[1]: paths for heading, paths in sections.items()}
    assert by_reason["excluded"] == [".git/", "notes.tmp", "vendor/lib.py"]
    assert by_reason["ignored"] == ["build/bundle.js"]
    assert by_reason["binary"] == ["logo.png"]
    assert by_reason["symlink"] == ["link.py"]
    assert "3 excluded (" in err and "--no-ignore scans them" in err
    # Without -v nothing of it.
    assert run("scan", ".")[2] == ""


def test_verbose_lists_at_most_a_sample_per_reason_with_the_exact_count(repo: Path) -> None:
    os.chdir(repo)
    (repo / ".gitignore").write_text("out/\n")
    (repo / "out").mkdir()
    total = PASSED_OVER_SAMPLE + 7
    for i in range(total):
        (repo / "out" / f"f{i:03}.js").write_text("x\n")
    code, _, err = run("scan", "-v", "-j", "1", ".")
    assert code == 0
    (paths,) = [p for h, p in _sections(err).items() if "ignored by git" in h]
    assert len(paths) == PASSED_OVER_SAMPLE + 1
    assert paths[-1] == "... and 7 more"
    assert f"{total} ignored by git" in err


def test_verbose_names_binary_files_scanned_in_worker_processes(project: Path) -> None:
    for i in range(80):  # enough files for a worker pool
        (project / f"m{i:02}.py").write_text("x = 1\n")
    for i in range(3):
        (project / f"b{i}.bin").write_bytes(b"\0\1\2\3" * 64)
    code, _, err = run("scan", "-v", "-j", "2", ".")
    assert code == 0
    (paths,) = [p for h, p in _sections(err).items() if h.startswith("3 binary")]
    assert paths == ["b0.bin", "b1.bin", "b2.bin"]


def test_verbose_with_nothing_passed_over(project: Path) -> None:
    (project / "a.py").write_text("x = 1\n")
    assert run("scan", "-v", "a.py")[2] == "nothing was passed over\n"


def test_fixable_findings_carry_a_marker_and_a_trailer_counts_them(project: Path) -> None:
    (project / "app.py").write_text(f'KEY = "{fake_key()}"\n')  # fix: os.environ
    (project / "public").mkdir()
    (project / "public" / "app.js").write_text(f'fetch(u, {{ key: "{fake_key()}" }});\n')
    (project / "Dockerfile").write_text(f"ENV AUTYPE_API_KEY={fake_key()}\n")
    code, out, _ = run("scan", ".")
    assert code == 1
    locations = [line for line in out.splitlines() if re.match(r"\S+:\d+:\d+: AG", line)]
    marked = sorted(line.split(":", 1)[0] for line in locations if " [*] " in line)
    assert marked == ["app.py"]
    assert len(locations) == 3
    assert out.rstrip().endswith("[*] 1 fixable with `autype-guard fix` (preview: `fix --diff`).")
    quiet = run("scan", "-q", ".")[1]
    assert re.search(r"^app\.py:1:8: AG101 \[\*\] ", quiet, re.M)
    # `fix` fixes exactly the marked finding and leaves the other two.
    code, out, _ = run("fix", "--diff")
    assert "+++ b/app.py" in out and "os.environ[" in out
    assert "+++ b/public/app.js" not in out and "+++ b/Dockerfile" not in out


def test_no_trailer_without_fixable_findings(project: Path) -> None:
    (project / "Dockerfile").write_text(f"ENV AUTYPE_API_KEY={fake_key()}\n")
    code, out, _ = run("scan", ".")
    assert code == 1
    assert "[*]" not in out


def test_marked_findings_are_the_ones_fix_applies(project: Path) -> None:
    git(project, "init", "-q")
    keys = [fake_key() for _ in range(4)]
    (project / "server.py").write_text(f'A = "{keys[0]}"\nB = "{keys[1]}"\n')
    (project / "docs.md").write_text(f"Use `{keys[2]}`.\n")
    (project / "index.html").write_text(f'<script>var k = "{keys[3]}";</script>\n')
    location = re.compile(r"^(\S+):\d+:\d+: AG\d+ ", re.M)
    out = run("scan", "-q", ".")[1]
    marked = {line.split(":")[0] for line in out.splitlines() if " [*] " in line}
    unmarked = set(location.findall(out)) - marked
    run("fix", "--env-file", str(project / ".env"))
    still = set(location.findall(run("scan", "-q", ".")[1]))
    assert still == unmarked
    assert marked == {"server.py", "docs.md"}


def test_keys_in_commits_are_not_marked_fixable_and_say_to_rewrite_history(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    (repo / "app.py").write_text(f'API_KEY = "{fake_key()}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "key")
    (repo / "app.py").write_text("import os\nAPI_KEY = os.environ['API_KEY']\n")
    git(repo, "commit", "-q", "-am", "no key")
    code, out, _ = run("scan", "--history")
    assert code == 1
    assert "[*]" not in out and "fixable" not in out
    assert "rewritten" in out
    (repo / "now.py").write_text(f'API_KEY = "{fake_key()}"\n')
    code, out, _ = run("scan", "now.py")
    assert code == 1 and "[*]" in out and "rewritten" not in out
