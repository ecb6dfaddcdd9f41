"""How moved keys get into a Python program's environment: the env-file loader a project
uses (python-dotenv, django-environ, pydantic-settings) and the file it reads.

`fix` keeps `os.environ["NAME"]` in the code either way. With a loader, the key goes to the
file that loader reads (when the code names it, or python-dotenv's nearest `.env`); without
one, the report says how to export the env file (`set -a; . ./.env; set +a`) or to use the
deployment's secret store. Reads files, never writes; never raises for file trouble.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .. import gitrun
from ..paths import read_regular_file

# A dependency list or an import is read up to this size (a settings module is small).
_MAX_READ = 2 * 1024 * 1024

# Each loader: its package name in dependency files, the import that uses it, and the call
# that names the file it reads (its first string argument or the keyword), as regexes.
_LOADERS: tuple[tuple[str, re.Pattern[str], re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "python-dotenv",
        # `python-dotenv`, `python_dotenv` in requirements, pyproject, Pipfile, setup.cfg.
        re.compile(r"(?im)^[\s\"']*python[-_]dotenv\b"),
        # `from dotenv import load_dotenv`, `import dotenv`.
        re.compile(r"(?m)^\s*(?:from\s+dotenv\s+import\b|import\s+dotenv\b)"),
        # `load_dotenv(".env.local")`, `load_dotenv(dotenv_path="config/.env")`.
        re.compile(r"""load_dotenv\(\s*(?:dotenv_path\s*=\s*)?["']([^"'\n]+)["']"""),
    ),
    (
        "django-environ",
        re.compile(r"(?im)^[\s\"']*django[-_]environ\b"),
        # `import environ`, `from environ import Env`.
        re.compile(r"(?m)^\s*(?:from\s+environ\s+import\b|import\s+environ\b)"),
        # `environ.Env.read_env(".env")`, `env.read_env(env_file="conf/.env")`.
        re.compile(r"""read_env\(\s*(?:env_file\s*=\s*)?["']([^"'\n]+)["']"""),
    ),
    (
        "pydantic-settings",
        re.compile(r"(?im)^[\s\"']*pydantic[-_]settings\b"),
        # `from pydantic_settings import BaseSettings`.
        re.compile(r"(?m)^\s*(?:from\s+pydantic_settings\s+import\b|import\s+pydantic_settings\b)"),
        # `SettingsConfigDict(env_file=".env")`, `env_file = ".env.prod"` in a Config class.
        re.compile(r"""env_file\s*=\s*["']([^"'\n]+)["']"""),
    ),
)
_DEPENDENCY_FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.in",
    "pyproject.toml",
    "Pipfile",
    "setup.cfg",
    "setup.py",
)
# Files a Python project's start-up directory holds (where relative env-file paths start).
_PROJECT_MARKERS = ("manage.py", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt")
# Python files that may call a loader, found with `git grep` (what the searches above need).
_CALLS = r"load_dotenv|read_env|env_file|dotenv|pydantic_settings|import environ"


@dataclass(frozen=True)
class Loader:
    """A loader the project uses: its package, where that shows (`found_in`), and the env
    file it reads when that is known (None: the default file works or nothing says)."""

    name: str
    found_in: str
    env_file: Optional[Path] = None


def _read(path: Path) -> str:
    try:
        return read_regular_file(path, _MAX_READ).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _loader_files(repo: Optional[Path]) -> list[Path]:
    """Python files of the repository that may call a loader (none outside git)."""
    if repo is None:
        return []
    try:
        out = gitrun.run(
            repo,
            "grep",
            "--untracked",
            "-l",
            "-I",
            "-E",
            "-e",
            _CALLS,
            "--",
            "*.py",
            ok=(0, 1),
            timeout=60,
        )
    except gitrun.GitError:
        return []
    return [repo / os.fsdecode(p) for p in out.stdout.splitlines() if p]


def _project_dir(start: Path, top: Path) -> Path:
    """The nearest directory from `start` up to `top` that looks like where the program
    starts (manage.py, pyproject.toml, ...): relative env-file paths start there."""
    for directory in (start, *start.parents):
        if any((directory / marker).is_file() for marker in _PROJECT_MARKERS):
            return directory
        if directory == top:
            break
    return top


def _nearest_env(start: Path, top: Path) -> Optional[Path]:
    """python-dotenv's `find_dotenv()`: the nearest existing `.env` from `start` upward
    (stopping at `top`)."""
    for directory in (start, *start.parents):
        if (directory / ".env").is_file():
            return directory / ".env"
        if directory == top:
            break
    return None


def detect(fixed: Sequence[Path], top: Path, repo: Optional[Path]) -> Optional[Loader]:
    """The loader the project of the fixed Python files uses, or None. `top`: where the
    default env file is (the repository's top level, or the scanned directory)."""
    top = top.resolve()
    sources: list[Path] = []
    for path in [*fixed, *_loader_files(repo)]:
        resolved = path.resolve()
        if resolved not in sources:
            sources.append(resolved)
    texts = {path: _read(path) for path in sources}
    for name, _, imported, call in _LOADERS:
        for path, text in texts.items():
            if not imported.search(text):
                continue
            found = _display(path, top)
            named = call.search(text)
            if named is not None:
                base = path.parent if name == "django-environ" else _project_dir(path.parent, top)
                return Loader(name, found, (base / named.group(1)).resolve())
            if name == "python-dotenv" and "load_dotenv(" in text:
                nearest = _nearest_env(path.parent, top)
                return Loader(name, found, nearest.resolve() if nearest else None)
            if name == "django-environ" and "read_env(" in text:
                return Loader(name, found, (path.parent / ".env").resolve())
            return Loader(name, found)
    for name, listed, _, _ in _LOADERS:
        for dependency in _dependency_files(fixed, top):
            if listed.search(_read(dependency)):
                return Loader(name, _display(dependency, top))
    return None


def _dependency_files(fixed: Iterable[Path], top: Path) -> list[Path]:
    """The dependency files in the directories from each fixed file up to `top`."""
    seen: list[Path] = []
    for path in fixed:
        for directory in path.resolve().parents:
            for name in _DEPENDENCY_FILES:
                candidate = directory / name
                if candidate not in seen and candidate.is_file():
                    seen.append(candidate)
            if directory == top:
                break
    return seen


def _display(path: Path, top: Path) -> str:
    try:
        return path.relative_to(top).as_posix()
    except ValueError:
        return path.as_posix()


def _source_command(env_display: str) -> str:
    """The shell line that exports an env file's entries."""
    path = env_display if env_display.startswith(("/", "./", "../")) else f"./{env_display}"
    return f"set -a; . {shlex.quote(path)}; set +a"


def advice(loader: Optional[Loader], env_display: str) -> str:
    """What to tell the user about getting the moved keys into a Python program."""
    if loader is None:
        return (
            "Python code now reads os.environ: export the keys before it runs"
            f" (`{_source_command(env_display)}`), or set them in the deployment's secret"
            " store."
        )
    if loader.name == "pydantic-settings":
        # NOTE: pydantic-settings fills its settings object from the file, not os.environ.
        return (
            f"pydantic-settings (in {loader.found_in}) reads {env_display}, which holds the"
            " keys, into its settings, not into os.environ: read each key through a settings"
            " field of the same name, or export the file before the program runs"
            f" (`{_source_command(env_display)}`). In deployments, use the secret store."
        )
    return (
        f"Python code keeps os.environ[...]: {loader.name} (in {loader.found_in}) loads"
        f" {env_display}, which holds the keys, into os.environ; call it before the keys are"
        " read. In deployments, set them in the secret store."
    )


__all__ = ["Loader", "advice", "detect"]
