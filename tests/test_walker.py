from __future__ import annotations

import os
from pathlib import Path

import pytest

from autype_guard.config import Config
from autype_guard.globs import GlobSet, glob_match
from autype_guard.sources.walk import Candidate, Skip, Walker

PATTERNS = [
    "node_modules",
    ".git",
    "*.egg-info",
    "build/",
    "src/*.py",
    "**/b/*.py",
    "tests/fixtures/**",
    "docs/**/*.md",
    "a?c",
    "[ab]x",
    "/rooted",
]
PATHS = [
    "node_modules",
    "a/node_modules/x.js",
    "pkg.egg-info/PKG-INFO",
    "x/pkg.egg-info",
    "build/out.js",
    "lib/build/out.js",
    "src/a.py",
    "src/sub/a.py",
    "deep/a/b/c.py",
    "tests/fixtures/x",
    "docs/a/b/c.md",
    "abc/d",
    "q/bx",
    "rooted/file",
    "sub/rooted",
    "plain.txt",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_glob_set_matches_like_glob_match(pattern: str) -> None:
    globs = GlobSet([pattern])
    for rel in PATHS:
        assert globs.match(rel) is glob_match(rel, pattern), rel


def test_glob_set_name_test_agrees_when_parents_do_not_match() -> None:
    globs = GlobSet(PATTERNS)
    for rel in PATHS:
        parts = rel.split("/")
        parents = ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
        if any(globs.match(p) for p in parents):
            continue
        assert globs.match_name(rel, parts[-1]) is globs.match(rel), rel


def _walk(paths: list[Path], config: Config) -> list[tuple[str, str]]:
    out = []
    for item in Walker(config, respect_gitignore=False).walk(paths):
        if isinstance(item, Candidate):
            out.append((item.display, item.relpath or ""))
        else:
            assert isinstance(item, Skip)
            out.append((item.display, "skip"))
    return out


def test_walk_names_files_relative_to_cwd_and_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    for rel in ["a.py", "src/b.py", "src/deep/c.js", "node_modules/x.js", "skip/y.py"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    config = Config(root=root, extend_exclude=("skip/**",))
    monkeypatch.chdir(root)
    assert _walk([Path(".")], config) == [
        ("a.py", "a.py"),
        ("src/b.py", "src/b.py"),
        ("src/deep/c.js", "src/deep/c.js"),
    ]
    assert _walk([Path("src")], config) == [
        ("src/b.py", "src/b.py"),
        ("src/deep/c.js", "src/deep/c.js"),
    ]
    monkeypatch.chdir(root / "src")
    assert _walk([Path("deep"), Path("../a.py")], config) == [
        ("deep/c.js", "src/deep/c.js"),
        ("../a.py", "a.py"),
    ]
    monkeypatch.chdir(tmp_path)
    assert _walk([Path("proj/src/deep")], config) == [("proj/src/deep/c.js", "src/deep/c.js")]


def test_walk_outside_the_root_uses_the_given_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "root").mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "f.txt").write_text("x\n")
    monkeypatch.chdir(tmp_path / "root")
    config = Config(root=tmp_path / "root")
    assert _walk([Path("../other")], config) == [("../other/f.txt", "../other/f.txt")]
    absolute = os.fspath(other)
    assert _walk([other], config) == [(f"{absolute}/f.txt", f"{absolute}/f.txt")]
