"""Walk the paths to scan, honouring excludes and git ignores (a source: the work tree).

Never raises for file-system trouble: unreadable directories come back as `Skip` records.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import NamedTuple, Optional, Union

from ..config import Config
from ..globs import glob_set
from ..model import EXCLUDED, GIT_IGNORED, SYMLINK, DiscoveryStats, Skip
from ..paths import relative_to_root


class Candidate(NamedTuple):
    """A file to scan: where it is on disk and how findings should name it.

    `relpath` is the path relative to the config root with `/` separators (what
    per-file-ignores match); None means "work it out from `path`". (A named tuple: a walk
    makes one per file, and workers are sent them in batches.)
    """

    path: Union[str, Path]
    display: str
    explicit: bool = False
    relpath: Optional[str] = None


def is_excluded(path: Path, config: Config) -> bool:
    """True when `path` (resolved against the config root) matches an exclude glob."""
    return glob_set(config.excludes).match(relative_to_root(path, config.root))


# --- walking -------------------------------------------------------------------------------


def _git_visible_files(directory: str) -> Optional[frozenset[str]]:
    """Paths (relative to `directory`) of files git does not ignore, or None outside git."""
    from .. import gitrun  # start-up time: runs that name files (pre-commit) never walk a dir

    try:
        out = gitrun.run(
            directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", timeout=300
        )
    except gitrun.GitError:
        return None
    return frozenset(os.fsdecode(p) for p in out.stdout.split(b"\0") if p)


class Walker:
    """Turns the user's paths into Candidates; counts and records what it skips.

    Works on strings: each file costs one directory entry, a set lookup or two and string
    concatenation (no `Path` objects, no `resolve()` per file); paths relative to the config
    root and display paths are built from those of the top directory.
    """

    def __init__(self, config: Config, *, respect_gitignore: bool = True) -> None:
        self.config = config
        self.respect_gitignore = respect_gitignore
        self.stats = DiscoveryStats()
        self.cwd = Path.cwd()
        self.excludes = glob_set(config.excludes)

    def display(self, path: Path) -> str:
        try:
            shown = PurePosixPath(Path(os.path.abspath(path)).relative_to(self.cwd)).as_posix()
        except ValueError:
            shown = path.as_posix()
        # NOTE: the real name (undecodable bytes as surrogateescape): machine formats carry
        # it with their own escaping, human-readable reporters escape it visibly.
        return shown

    def _visible(self, directory: Path) -> Optional[frozenset[str]]:
        if not self.respect_gitignore:
            return None
        from .. import gitrun  # start-up time: runs that name files (pre-commit) never walk a dir

        if gitrun.find_git() is None:
            note = "git not found: files ignored by git are scanned too"
            if note not in self.stats.notes:
                self.stats.notes.append(note)
            return None
        return _git_visible_files(str(directory))

    def walk(self, paths: Iterable[Path]) -> Iterator[Union[Candidate, Skip]]:
        """Yield a Candidate per file to scan and a Skip per path that could not be."""
        for path in paths:
            display = self.display(path)
            try:
                st = path.lstat()
            except OSError as exc:
                yield Skip(display, _os_reason(exc), error=True)
                continue
            if stat.S_ISLNK(st.st_mode):
                self.stats.symlinks += 1
                self.stats.sample(SYMLINK, display)
                continue
            rel = relative_to_root(path, self.config.root)
            if stat.S_ISDIR(st.st_mode):
                if self.excludes.match(rel):
                    self.stats.excluded += 1
                    self.stats.sample(EXCLUDED, display + "/")
                    continue
                yield from self._walk_dir(path, display, rel, self._visible(path))
            elif stat.S_ISREG(st.st_mode):
                # Named explicitly (pre-commit passes staged files by name): git ignores do
                # not apply, config excludes still do.
                if self.excludes.match(rel):
                    self.stats.excluded += 1
                    self.stats.sample(EXCLUDED, display)
                    continue
                yield Candidate(path, display, explicit=True, relpath=rel)
            else:
                self.stats.special += 1
                yield Skip(display, "not a regular file (FIFO, socket or device)")

    def _walk_dir(
        self, top: Path, top_display: str, top_rel: str, visible: Optional[frozenset[str]]
    ) -> Iterator[Union[Candidate, Skip]]:
        # Each directory on the stack is (path on disk, path below `top` with "/" and a
        # trailing "/", or "" for top itself, and the same as findings name it); the part below
        # `top` is how `git ls-files` names files, and display and root-relative paths are
        # the top's plus that part.
        display_prefix = "" if top_display in ("", ".") else top_display.rstrip("/") + "/"
        rel_prefix = "" if top_rel in ("", ".") else top_rel.rstrip("/") + "/"
        excludes = self.excludes
        stats = self.stats
        stack: list[tuple[str, str, str]] = [(str(top), "", display_prefix)]
        while stack:
            directory, below, shown_below = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=_entry_name)
            except OSError as exc:
                yield Skip(shown_below.rstrip("/") or top_display, _os_reason(exc), error=True)
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                sub = below + name
                shown = shown_below + name
                try:
                    if entry.is_symlink():
                        stats.symlinks += 1
                        stats.sample(SYMLINK, shown)
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and entry.is_file(follow_symlinks=False)
                except OSError as exc:
                    yield Skip(shown, _os_reason(exc), error=True)
                    continue
                if is_dir:
                    if name == ".git" or excludes.match_name(rel_prefix + sub, name):
                        stats.excluded += 1
                        stats.sample(EXCLUDED, shown + "/")
                        continue
                    subdirs.append((entry.path, sub + "/", shown + "/"))
                elif is_file:
                    if excludes.match_name(rel_prefix + sub, name):
                        stats.excluded += 1
                        stats.sample(EXCLUDED, shown)
                        continue
                    if visible is not None and sub not in visible:
                        stats.git_ignored += 1
                        stats.sample(GIT_IGNORED, shown)
                        continue
                    yield Candidate(entry.path, shown, relpath=rel_prefix + sub)
                else:
                    stats.special += 1
                    yield Skip(shown, "not a regular file (FIFO, socket or device)")
            stack.extend(reversed(subdirs))


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
