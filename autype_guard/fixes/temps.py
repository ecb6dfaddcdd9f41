"""The temporary files `fix` writes before it renames them into place, kept out of git.

Each new file is first written to `.autype-guard-XXXXXXXX.tmp` in its target's directory
(same file system: the rename is atomic), created mode 0600. A run killed before the rename
leaves them behind; the env file's holds every moved key. So:

- `exclude_from_git`: before any is written, every git repository a temporary file goes
  into lists `TEMP_PATTERN` in its `info/exclude` (found with `git rev-parse --git-path`:
  in a linked work tree that is the main repository's), and `check_ignored` asks git about
  the files once written: `git add -A` never stages one, `git status` never shows one.
- `remove_stale`: the next run removes the ones an interrupted run left: named like ours,
  regular files, owned by this user and last written before this run started.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from .. import gitrun
from .envfile import FixError

PREFIX = ".autype-guard-"
SUFFIX = ".tmp"
# The `info/exclude` line; no slash: it matches in every directory.
TEMP_PATTERN = f"{PREFIX}*{SUFFIX}"
_EXCLUDE_COMMENT = "# autype-guard fix: temporary files of an interrupted run"
# What `tempfile.mkstemp` puts between prefix and suffix: 8 of [a-z0-9_].
_TEMP_NAME = re.compile(re.escape(PREFIX) + r"[a-z0-9_]{8}" + re.escape(SUFFIX))


def is_temp_name(name: str) -> bool:
    """True for the name of a temporary file `fix` writes."""
    return _TEMP_NAME.fullmatch(name) is not None


def create(directory: Path) -> tuple[int, str]:
    """A new temporary file in `directory`, mode 0600: (open descriptor, path)."""
    return tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX, dir=directory)


def _git(directory: Path, *args: str) -> Optional[gitrun.Result]:
    try:
        out = gitrun.run(directory, *args, ok=None, timeout=60)
    except gitrun.GitError:
        return None
    return out if out.returncode == 0 else None


def _repository(directory: Path) -> Optional[tuple[Path, Path]]:
    """(work tree root, its `info/exclude`) when `directory` is in a git work tree."""
    out = _git(directory, "rev-parse", "--show-toplevel", "--git-path", "info/exclude")
    if out is None:
        return None
    lines = os.fsdecode(out.stdout).splitlines()
    if len(lines) != 2 or not lines[0]:
        return None
    # NOTE: `--git-path` answers relative to the directory git ran in, unless absolute.
    return Path(lines[0]), directory / lines[1]


def repositories(directories: Iterable[Path]) -> dict[Path, Path]:
    """The git work trees holding `directories`: {root: its info/exclude file}."""
    found: dict[Path, Path] = {}
    for directory in sorted(set(directories)):
        repo = _repository(directory)
        if repo is not None:
            found.setdefault(repo[0], repo[1])
    return found


def exclude_from_git(repos: dict[Path, Path]) -> None:
    """Add `TEMP_PATTERN` to each repository's `info/exclude` unless it is there; raise
    FixError (nothing of the fix written yet) when that file cannot be written."""
    for exclude in sorted(set(repos.values())):
        try:
            data = exclude.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise FixError(
                f"cannot read {exclude}: {exc.strerror or exc}; nothing was written"
            ) from None
        lines = data.decode("utf-8", errors="surrogateescape").splitlines()
        if TEMP_PATTERN in (line.strip() for line in lines):
            continue
        nl = b"\r\n" if b"\r\n" in data else b"\n"
        add = b"" if not data or data.endswith(b"\n") else nl
        add += _EXCLUDE_COMMENT.encode() + nl + TEMP_PATTERN.encode() + nl
        try:
            exclude.parent.mkdir(parents=True, exist_ok=True)
            with open(exclude, "ab") as handle:
                handle.write(add)
        except OSError as exc:
            raise FixError(
                f"cannot add {TEMP_PATTERN} to {exclude}: {exc.strerror or exc};"
                " nothing was written"
            ) from None


def check_ignored(repos: dict[Path, Path], temps: Iterable[str]) -> Optional[str]:
    """The first of `temps` inside one of `repos` that git does not ignore, else None."""
    roots = sorted((root.resolve() for root in repos), key=lambda r: len(r.parts), reverse=True)
    by_repo: dict[Path, list[str]] = {}
    for tmp in temps:
        path = Path(tmp).resolve()
        root = next((r for r in roots if path.is_relative_to(r)), None)  # the innermost
        if root is not None:
            by_repo.setdefault(root, []).append(path.relative_to(root).as_posix())
    for root, rels in sorted(by_repo.items()):
        for rel in rels:  # NOTE: one by one: `check-ignore -z` needs `--stdin`
            if _git(root, "check-ignore", "-q", "--", rel) is None:
                return str(root / rel)
    return None


def find_stale(directories: Iterable[Path], before: float) -> list[Path]:
    """The temporary files an interrupted run left in `directories`: named like ours,
    regular files (not symlinks), owned by this user, last written before `before`."""
    found = []
    uid = os.geteuid()
    for directory in sorted(set(directories)):
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            for entry in entries:
                if not is_temp_name(entry.name):
                    continue
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode) and st.st_uid == uid and st.st_mtime < before:
                        found.append(Path(entry.path))
    return found


def remove_stale(directories: Iterable[Path], before: float) -> list[Path]:
    """Remove what `find_stale` finds; return what was removed."""
    removed = []
    for path in find_stale(directories, before):
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return removed
