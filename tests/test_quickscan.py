"""The commit-time fast path answers exactly as the full scan, or not at all."""

from __future__ import annotations

import gzip
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autype_guard import binaries, quickscan
from autype_guard.binaries import is_binary_format
from autype_guard.cli import cli
from autype_guard.config import DEFAULT_EXCLUDE, Config
from autype_guard.engine import ScanOptions, engine_for
from autype_guard.filenames import ARCHIVE_SUFFIXES
from autype_guard.rules import rule_codes
from autype_guard.sources import archives
from autype_guard.sources.archives import packing_of
from autype_guard.textio import BINARY_SNIFF

from .conftest import fake_key

_ELAPSED = re.compile(r" in \d+\.\d\ds\.$", re.MULTILINE)


def quick(*args: str, environ: dict[str, str] | None = None) -> tuple[int | None, str]:
    out = io.StringIO()
    code = quickscan.try_scan(args, environ or {}, out)
    return code, out.getvalue()


def full(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import os\n\nTIMEOUT = 30\n")
    (tmp_path / "web.js").write_text("export const retries = 3;\n")
    (tmp_path / "README.md").write_text("# A project\n")
    return tmp_path


def test_markers_and_codes_are_the_scanners() -> None:
    engine = engine_for(Config(root=Path.cwd()), ScanOptions())
    assert set(quickscan.MARKERS) == set(engine.prefilter.markers)
    assert rule_codes() == quickscan.RULE_CODES


def test_unplain_names_are_what_the_scan_unpacks_or_reads_as_binary() -> None:
    expected = {*ARCHIVE_SUFFIXES, *archives.APP_SUFFIXES, ".br", *binaries.BINARY_FORMAT_SUFFIXES}
    assert set(quickscan.UNPLAIN_SUFFIXES) == expected
    for suffix in quickscan.UNPLAIN_SUFFIXES:
        name = f"dist/file{suffix}"
        assert packing_of(name, b"") is not None or is_binary_format(name), name
    for name in ("a.py", "data.bin", "notes", "bundle.js.gz", "x.svg", "Makefile", ".env"):
        assert packing_of(name, b"x") is None and not is_binary_format(name), name
    assert set(DEFAULT_EXCLUDE) == quickscan.EXCLUDED_DIRS
    assert quickscan._SNIFF == BINARY_SNIFF


def test_clean_files_get_the_full_scans_summary(project: Path) -> None:
    (project / "data.bin").write_text("plain text under any name\n")
    (project / "bundle.js.gz").write_text("not gzip inside\n")
    args = ("scan", "src/app.py", "web.js", "README.md", "web.js", "data.bin", "bundle.js.gz")
    code, out = quick(*args)
    assert code == 0
    assert out.startswith("Found 0 findings; 6 files scanned in ")
    assert _ELAPSED.sub("", out) == _ELAPSED.sub("", full(*args)[1])
    assert quick("scan", "README.md")[1].startswith("Found 0 findings; 1 file scanned in ")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("keyed.py", f'KEY = "{fake_key()}"\n'),  # a key
        ("client.js", 'headers["Authorization"] = "Bearer " + token;\n'),  # an auth header
        ("notes.md", "We call Autype from the backend.\n"),  # the service's name
        ("plain.py", "x = 1  # autype-guard: ignore[AG101]\n"),  # a suppression comment
        ("weak.py", "weak_ref = None\n"),  # a marker, even where it cannot start a key
        ("release.tar.gz", "x\n"),  # a name the scan unpacks
        ("app.asar", "x\n"),  # a name the scan reads as a binary
        ("utf16.txt", "\ufefftext\n".encode("utf-16-le").decode("latin-1")),  # UTF-16
        ("nul.txt", "a\0b\n"),  # NUL bytes: the full scan sniffs them
        ("node_modules/lib.js", "x = 1\n"),  # excluded by default
    ],
)
def test_declines_what_it_cannot_decide(project: Path, name: str, content: str) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("latin-1") if name == "utf16.txt" else content.encode())
    assert quick("scan", "README.md", name) == (None, "")


def test_declines_gzip_content_and_large_files(project: Path) -> None:
    (project / "packed.js").write_bytes(gzip.compress(b"x = 1\n"))
    (project / "large.txt").write_bytes(b"x" * (quickscan.MAX_BYTES + 1))
    assert quick("scan", "packed.js") == (None, "")
    assert quick("scan", "large.txt") == (None, "")


def test_declines_options_environment_and_odd_paths(project: Path) -> None:
    (project / "link.py").symlink_to(project / "src" / "app.py")
    for args in (
        ("scan",),
        ("scan", "-q", "README.md"),
        ("scan", "README.md", "--format", "json"),
        ("fix", "README.md"),
        ("scan", "missing.py"),
        ("scan", "src"),
        ("scan", "link.py"),
        ("scan", str(project / "README.md")),
        ("scan", "src/../README.md"),
    ):
        assert quick(*args) == (None, ""), args
    assert quick("scan", "README.md", environ={"AUTYPE_GUARD_PREFILTER": "python"}) == (None, "")


@pytest.mark.parametrize(
    ("where", "name", "text"),
    [
        ("", ".autype-guard.toml", 'extend-exclude = ["gen/**"]\n'),
        ("src", ".autype-guard.toml", 'disable = ["AG101"]\nextend-exclude = ["gen/**"]\n'),
        ("", "pyproject.toml", '[tool.autype-guard]\nextend-exclude = ["gen/**"]\n'),
    ],
)
def test_a_config_is_read_and_applied_as_the_full_scan_does(
    project: Path, where: str, name: str, text: str
) -> None:
    (project / where / name).write_text(text)
    for generated in ("gen/schema.py", "src/gen/schema.py", "node_modules/lib.js"):
        (project / generated).parent.mkdir(parents=True, exist_ok=True)
        (project / generated).write_text("x = 1\n")
    args = ("scan", "src/app.py", "gen/schema.py", "src/gen/schema.py", "node_modules/lib.js")
    code, out = quick(*args)
    assert code == 0
    assert "excluded" in out
    assert _ELAPSED.sub("", out) == _ELAPSED.sub("", full(*args)[1])


@pytest.mark.parametrize(
    "text",
    [
        "exclude-paths = []\n",  # an unknown key: the full scan's error
        'disable = ["AG999"]\n',  # an unknown rule code
        'key-pattern = "ak_[A-Za-z0-9]{40}"\n',  # other markers
        "extend-exclude = [\n",  # not TOML
    ],
)
def test_declines_configs_it_cannot_apply(project: Path, text: str) -> None:
    (project / ".autype-guard.toml").write_text(text)
    assert quick("scan", "src/app.py") == (None, "")


def test_declines_a_marker_under_a_config(project: Path) -> None:
    (project / ".autype-guard.toml").write_text('extend-exclude = ["gen/**"]\n')
    (project / "client.js").write_text("fetch(url, {headers: {Authorization: `Bearer ${t}`}})\n")
    assert quick("scan", "src/app.py", "client.js") == (None, "")


def test_a_pyproject_without_our_table_keeps_the_fast_path(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    assert quick("scan", "src/app.py")[0] == 0


def test_console_script_takes_the_fast_path_or_the_full_one(project: Path) -> None:
    entry = [sys.executable, "-c", "from autype_guard.quickscan import main; main()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTYPE_GUARD_")}
    clean = subprocess.run([*entry, "scan", "web.js"], capture_output=True, text=True, env=env)
    assert (clean.returncode, clean.stderr) == (0, "")
    assert clean.stdout.startswith("Found 0 findings; 1 file scanned in ")
    (project / "web.js").write_text(f'const key = "{fake_key()}";\n')
    keyed = subprocess.run([*entry, "scan", "web.js"], capture_output=True, text=True, env=env)
    assert keyed.returncode == 1
    assert "AG10" in keyed.stdout and "ak_" in keyed.stdout
