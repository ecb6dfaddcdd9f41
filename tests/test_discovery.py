from __future__ import annotations

import os
from pathlib import Path

import pytest

from autype_guard.classify import classify
from autype_guard.globs import glob_match
from autype_guard.model import FileKind

from .conftest import fake_key, git
from .test_cli import run


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("app.py", FileKind.PYTHON),
        ("src/index.ts", FileKind.SCRIPT),
        ("dist/app.min.js", FileKind.BUNDLE),
        ("dist/index-58dee3d8.js", FileKind.BUNDLE),
        ("main.3f2a9c.js", FileKind.BUNDLE),
        ("app.js.map", FileKind.SOURCE_MAP),
        ("templates/x.html", FileKind.MARKUP),
        ("views/a.blade.php", FileKind.MARKUP),
        ("client.go", FileKind.SOURCE),
        (".env", FileKind.ENV),
        (".env.production", FileKind.ENV),
        ("prod.env", FileKind.ENV),
        ("Dockerfile", FileKind.CONFIG),
        ("worker.Dockerfile", FileKind.CONFIG),
        ("docker-compose.yml", FileKind.CONFIG),
        ("values.yaml", FileKind.CONFIG),
        ("capture.har", FileKind.CONFIG),
        ("prod.tfvars", FileKind.CONFIG),
        ("README.md", FileKind.DOCS),
        ("notes.txt", FileKind.DOCS),
        ("analysis.ipynb", FileKind.NOTEBOOK),
        ("SHA256SUMS", FileKind.TEXT),
    ],
)
def test_classify(name: str, kind: FileKind) -> None:
    assert classify(name) is kind


def test_shebang_decides_kind_of_extensionless_scripts() -> None:
    assert classify("bin/tool", b"#!/usr/bin/env python3\n") is FileKind.PYTHON
    assert classify("bin/run", b"#!/bin/sh\n") is FileKind.SOURCE


@pytest.mark.parametrize(
    ("path", "pattern", "hit"),
    [
        ("examples/app.py", "examples/**", True),
        ("a/node_modules/x.js", "node_modules", True),
        ("src/a.json", "*.json", True),
        ("src/a.json", "src/*.py", False),
        ("deep/a/b/c.py", "**/b/*.py", True),
        ("tests/fixtures/x", "tests/fixtures/**", True),
    ],
)
def test_glob_match(path: str, pattern: str, hit: bool) -> None:
    assert glob_match(path, pattern) is hit


def test_git_ignored_files_are_skipped_and_counted_unless_named(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    (repo / ".gitignore").write_text("dist/\n")
    (repo / "dist").mkdir()
    (repo / "dist" / "app.js").write_text(f'const k = "{fake_key()}";\n')
    git(repo, "add", ".gitignore")
    code, out, _ = run("scan", ".")
    assert code == 0
    assert "1 ignored by git" in out and "--no-ignore" in out
    assert run("scan", "--no-ignore", ".")[0] == 1
    assert run("scan", "dist/app.js")[0] == 1


def test_symlinks_are_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.py").write_text(f'k = "{fake_key()}"\n')
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink(outside, tree / "link")
    os.symlink(tree, tree / "loop")
    monkeypatch.chdir(tree)
    code, out, _ = run("scan", ".")
    assert code == 0
    assert "2 symlinks not followed" in out


def test_fifo_is_skipped_without_opening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.py").write_text("x = 1\n")
    code, out, _ = run("scan", ".")
    assert code == 0
    assert "1 file scanned" in out
