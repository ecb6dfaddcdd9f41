"""Shared test helpers: fake keys that look real, and a throwaway git repository."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from pathlib import Path

import pytest

_ALPHABET = string.ascii_letters + string.digits


def fake_key(length: int = 32) -> str:
    """A random key that the classifier treats as real (never a real Autype key)."""
    from autype_guard.keys import is_real_key

    while True:
        key = "ak_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if is_real_key(key):
            return key


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


@pytest.fixture
def key() -> str:
    return fake_key()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    return path
