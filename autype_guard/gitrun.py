"""Running git: the one place that finds the binary, builds its environment and starts it.

- `run`: run a git command to completion; return its exit code and output, or raise
  `GitError` with a one-line message (git missing, git not startable, a timeout, an exit code
  the caller did not expect).
- `start`: start a long-running git child (`cat-file --batch`, `log`) with the same
  environment; the caller owns its pipes.
- `environment`: the environment every git child gets (see there for what it protects).

The binary is looked up once per value of PATH. Imports nothing from the rest of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional, Union

MISSING = "git is not installed or not on PATH"

# Removed from the caller's environment:
# - variables that point git at another repository, work tree, object store, ref namespace
#   or config file than the one the caller names with `-C`: a scan looks at the repository
#   it was asked about (a hook in a linked work tree exports GIT_DIR, for one). NOTE:
#   GIT_INDEX_FILE stays: `git commit -a` and `git commit PATH` run the pre-commit hook
#   with a temporary index, and `--staged` must judge that index;
# - GIT_EXTERNAL_DIFF, a program git would run for every changed file of a patch.
_DROPPED = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_CONFIG",
        "GIT_EXTERNAL_DIFF",
    }
)

# Set for every git child, whatever the caller's environment says.
_FIXED = {
    # NOTE: a scan must never reach the network: git >= 2.45 honours this and will not fetch
    # the missing blobs of a partial clone one by one (older versions ignore it).
    "GIT_NO_LAZY_FETCH": "1",
    # Never wait for a password or passphrase on the terminal.
    "GIT_TERMINAL_PROMPT": "0",
    # No pager (it would only start on a terminal; this also overrides core.pager).
    "GIT_PAGER": "cat",
    # Messages in English: they are shown to the user as they are and matched on.
    "LC_ALL": "C",
}

# Options given before every command. NOTE: `core.fsmonitor` names a program that git runs
# whenever it reads the index (`ls-files`, `diff`, `check-ignore`); the scanned repository's
# own config must not make a scan run programs. Empty disables it both where it is a
# program (before git 2.36) and where it is a boolean (since).
_OPTIONS = ("-c", "core.fsmonitor=")
# Given to long-running children too (`log`, `cat-file --batch` over a whole history): git
# maps pack files into memory and, by default, keeps up to 8 GiB of them mapped, so reading
# every blob of a large history grows the child to the size of its packs. Mapping at most
# 128 MiB in 16 MiB windows bounds that at a few percent of speed (on a 387 MiB pack:
# cat-file 549 -> 213 MB, log 400 -> 150 MB, each about 10% slower).
_STREAMING_OPTIONS = ("-c", "core.packedGitLimit=128m", "-c", "core.packedGitWindowSize=16m")

# Kept for every child after `keep_object_directories()`: a pre-receive hook runs while the
# pushed objects sit in a quarantine directory that only these variables name.
_QUARANTINE = frozenset({"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"})
_kept: frozenset[str] = frozenset()

_found: dict[str, Optional[str]] = {}

Process = subprocess.Popen[bytes]


class GitError(Exception):
    """A problem with git or the repository; the message is one line for the user."""


class GitNotFound(GitError):
    """git is not installed or not on PATH."""


@dataclass(frozen=True)
class Result:
    """A finished git command."""

    returncode: int
    stdout: bytes
    stderr: bytes


def find_git() -> Optional[str]:
    """The absolute path of the git binary, or None; looked up once per value of PATH."""
    path = os.environ.get("PATH", os.defpath)
    if path not in _found:
        exe = shutil.which("git", path=path)
        _found[path] = os.path.abspath(exe) if exe is not None else None
    return _found[path]


def keep_object_directories(keep: bool = True) -> None:
    """From now on, hand GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES on to git
    (with `keep` False: drop them again, the default).

    Only for `autype-guard pre-receive`: git runs that hook with the pushed objects in a
    quarantine directory named by these variables, and without them the new commits cannot
    be read. Every other command drops them (see _DROPPED)."""
    global _kept
    _kept = _QUARANTINE if keep else frozenset()


def environment() -> dict[str, str]:
    """The caller's environment without the variables above, with the fixed settings."""
    dropped = _DROPPED - _kept
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(_FIXED)
    return env


def message(stderr: bytes) -> str:
    """The most telling line of git's error output."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else "unknown error"


def _argv(
    cwd: Union[str, Path, None], args: tuple[str, ...], options: tuple[str, ...] = _OPTIONS
) -> list[str]:
    exe = find_git()
    if exe is None:
        raise GitNotFound(MISSING)
    where = ["-C", str(cwd)] if cwd is not None else []
    return [exe, *options, *where, *args]


def run(
    cwd: Union[str, Path, None],
    *args: str,
    ok: Optional[Collection[int]] = (0,),
    timeout: Optional[float] = None,
) -> Result:
    """Run `git -C cwd ARGS` (in the current directory when `cwd` is None), stdin empty.

    Raise GitError for an exit code not in `ok` (None: any exit code is an answer), naming
    the command and git's most telling error line; GitNotFound when there is no git."""
    command = args[0] if args else ""
    argv = _argv(cwd, args)
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            env=environment(),
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {command} timed out after {timeout:g} s") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if ok is not None and proc.returncode not in ok:
        raise GitError(f"git {command} failed: {message(proc.stderr)}")
    return Result(proc.returncode, proc.stdout, proc.stderr)


def start(
    cwd: Union[str, Path, None],
    *args: str,
    stderr: IO[bytes],
    write: bool = False,
    bufsize: int = -1,
) -> Process:
    """Start `git -C cwd ARGS` and return it running: stdout is a pipe for the caller to
    read, stdin a pipe to write when `write` (else empty), stderr goes to the file `stderr`
    (a pipe nobody reads could fill up and stall git). Raise GitError if it cannot start."""
    argv = _argv(cwd, args, _OPTIONS + _STREAMING_OPTIONS)
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if write else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=environment(),
            bufsize=bufsize,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
