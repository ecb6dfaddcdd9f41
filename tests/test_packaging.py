"""The source distribution: built for real (setuptools' PEP 517 hook, no isolated build
environment), then its file list and metadata checked."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str]:
    """(the sdist's file names without their top directory, its PKG-INFO)."""
    out = tmp_path_factory.mktemp("sdist")
    # Built from a copy: setuptools stages the sdist and writes egg-info in the source
    # directory, where another build (a second test run) could be doing the same.
    source = tmp_path_factory.mktemp("source") / "autype-guard"
    skip = shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", ".*_cache", "build", "dist"
    )
    shutil.copytree(ROOT, source, ignore=skip, symlinks=True)
    build = (
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=30,  # the whole build; it takes a few seconds
        check=True,
    )
    name = proc.stdout.strip().splitlines()[-1]
    with tarfile.open(out / name) as archive:
        members = [m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name]
        top = archive.getnames()[0].split("/")[0]
        info = archive.extractfile(f"{top}/PKG-INFO")
        assert info is not None
        return [m for m in members if m], info.read().decode()


def test_sdist_holds_the_whole_package_and_its_documents(sdist: tuple[list[str], str]) -> None:
    names, _ = sdist
    package = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "autype_guard").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert package <= set(names)
    docs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} | docs <= set(names)


def test_sdist_leaves_the_test_suite_out_entirely(sdist: tuple[list[str], str]) -> None:
    names, _ = sdist
    # All or nothing: setuptools alone would ship tests/test_*.py without conftest and data.
    assert [n for n in names if n.startswith("tests/") or n.endswith("conftest.py")] == []
    assert not any(n.startswith(("fuzz/", "bench/", "examples/", ".ci/")) for n in names)


def test_metadata_license_urls_and_python_classifiers(sdist: tuple[list[str], str]) -> None:
    _, pkg_info = sdist
    meta = Parser().parsestr(pkg_info)
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in meta.get_all("License-File", [])
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL", []))
    assert set(urls) == {"Homepage", "Repository", "Issues", "Changelog"}
    assert all(u.startswith("https://github.com/autype-guard/autype-guard") for u in urls.values())
    classifiers = meta.get_all("Classifier", [])
    versions = [c.rsplit(" ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c)]
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    assert meta["Requires-Python"] == f">={versions[0]}"
    assert {"Topic :: Security", "Environment :: Console"} <= set(classifiers)
