"""The env file that receives moved keys, and the git checks that keep it out of commits.

- `EnvFile.read` parses `NAME=value` lines (`export NAME=value`, quotes, comments) well
  enough to know which names exist and what they hold; `with_entries` appends lines and
  keeps the file's line endings. Nothing here writes: `apply.py` writes atomically.
- NOTE: a tracked env file is refused (`is_tracked`): writing a key into it would commit it.
  An env file git does not ignore gets a `.gitignore` line (`gitignore_with`).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .. import gitrun


class FixError(Exception):
    """A problem that stops the whole fix run before anything is written; one-line message."""


# One `NAME=value` line: optional `export`, the name, `=`, the rest.
_ENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)")
# A value that needs no quotes in .env files, shells and docker compose.
_BARE_VALUE = re.compile(r"[A-Za-z0-9_\-./+=:@]+")


def _parse_value(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    # An unquoted value ends at a comment that follows whitespace.
    return re.split(r"\s#", raw, maxsplit=1)[0].strip()


def format_entry(name: str, key: str) -> Optional[str]:
    """The env-file line for a key (without newline), or None if it cannot be written."""
    if _BARE_VALUE.fullmatch(key):
        return f"{name}={key}"
    if "'" not in key and "\n" not in key:
        return f"{name}='{key}'"
    return None


@dataclass
class EnvFile:
    """An env file as read (or absent). `values`: the last value of each name."""

    path: Path
    data: Optional[bytes] = None  # None: the file does not exist yet
    text: str = ""
    mode: int = 0o600
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> EnvFile:
        """Read and parse `path`; raise FixError if it exists but cannot be used."""
        try:
            st = path.lstat()
        except FileNotFoundError:
            if not path.parent.is_dir():
                raise FixError(f"{path.parent} is not a directory: cannot create {path}") from None
            return cls(path)
        except OSError as exc:
            raise FixError(f"cannot read {path}: {exc.strerror or exc}") from None
        if stat.S_ISLNK(st.st_mode):
            # NOTE: refused wherever it points: a rename would replace the link, not write
            # its target, and git's answers about the link say nothing about the target
            # (outside the repository, or a tracked file inside it).
            raise FixError(
                f"{path} is a symlink (to {os.readlink(path)}): refusing to write keys"
                " through it; pass --env-file with the file itself"
            )
        if stat.S_ISDIR(st.st_mode):
            raise FixError(f"{path} is a directory: cannot write keys to it; pass --env-file FILE")
        if not stat.S_ISREG(st.st_mode):
            raise FixError(f"{path} is not a regular file: refusing to write keys to it")
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except OSError as exc:
            raise FixError(f"cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise FixError(f"{path} is not valid UTF-8: refusing to edit it") from None
        env = cls(path, data, text, stat.S_IMODE(st.st_mode))
        for line in text.splitlines():
            m = _ENV_LINE.fullmatch(line)
            if m:
                env.values[m.group(1)] = _parse_value(m.group(2))
        return env

    @property
    def newline(self) -> str:
        first = self.text.find("\n")
        return "\r\n" if first > 0 and self.text[first - 1] == "\r" else "\n"

    def with_entries(self, entries: list[str]) -> str:
        """The file's text with `entries` (lines without newline) appended."""
        if not entries:
            return self.text
        nl = self.newline
        text = self.text
        if text and not text.endswith("\n"):
            text += nl
        return text + "".join(line + nl for line in entries)


# --- git -----------------------------------------------------------------------------------


def _git(directory: Path, *args: str) -> Optional[gitrun.Result]:
    """git's answer (whatever its exit code), or None when git is missing or fails to run."""
    try:
        return gitrun.run(directory, *args, ok=None, timeout=60)
    except gitrun.GitError:
        return None


def git_toplevel(path: Path) -> Optional[Path]:
    """The root of the git work tree holding `path` (a file or directory), or None."""
    directory = path if path.is_dir() else path.parent
    out = _git(directory, "rev-parse", "--show-toplevel")
    if out is None or out.returncode != 0:
        return None
    return Path(os.fsdecode(out.stdout.strip())).resolve()


def _rel(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root).as_posix()


def is_tracked(root: Path, path: Path) -> bool:
    """True when git tracks `path` (committed or staged)."""
    out = _git(root, "ls-files", "--error-unmatch", "--", _rel(root, path))
    return out is not None and out.returncode == 0


def is_ignored(root: Path, path: Path) -> bool:
    """True when git ignores `path`; raise FixError when git cannot tell."""
    out = _git(root, "check-ignore", "-q", "--", _rel(root, path))
    if out is None or out.returncode not in (0, 1):
        detail = "" if out is None else os.fsdecode(out.stderr).strip()
        raise FixError(f"cannot ask git whether {path} is ignored: {detail or 'git failed'}")
    return out.returncode == 0


def gitignore_pattern(root: Path, path: Path) -> str:
    """The anchored `.gitignore` line that ignores exactly `path`: `/.env`, `/deploy/.env`."""
    rel = _rel(root, path)
    # Glob characters and a leading `#`/`!` would change the pattern's meaning: escape them.
    escaped = re.sub(r"([*?\[\]\\!#])", r"\\\1", rel)
    return "/" + escaped


@dataclass(frozen=True)
class TextFile:
    """A small text file as read: its text and mode, or absent."""

    path: Path
    data: Optional[bytes]
    mode: int

    @property
    def text(self) -> str:
        return "" if self.data is None else self.data.decode("utf-8", errors="surrogateescape")


def read_text_file(path: Path, default_mode: int) -> TextFile:
    """Read `path` if it exists; raise FixError if it exists but is not a readable file."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return TextFile(path, None, default_mode)
    except OSError as exc:
        raise FixError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FixError(f"{path} is not a regular file: refusing to edit it")
    try:
        return TextFile(path, path.read_bytes(), stat.S_IMODE(st.st_mode))
    except OSError as exc:
        raise FixError(f"cannot read {path}: {exc.strerror or exc}") from None


def gitignore_with(current: TextFile, pattern: str) -> bytes:
    """`.gitignore` content with `pattern` appended, keeping its line endings."""
    text = current.text
    first = text.find("\n")
    nl = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    if text and not text.endswith("\n"):
        text += nl
    return (text + pattern + nl).encode("utf-8", errors="surrogateescape")
