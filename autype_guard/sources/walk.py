"""Walk the paths to scan, honouring excludes and git ignores (a source: the work tree).

Each file gets the nearest config from its directory upward (`config.ConfigResolver`): a
walk notices a config file among a directory's entries and carries that config below it.
A path is excluded when a glob of its nearest config, of any config further up (globs
relative to that config's directory) or of `--exclude` (relative to the current directory)
matches it, the same whether the walk reached it or it was named on the command line.

Never raises for file-system trouble: unreadable directories come back as `Skip` records.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import NamedTuple, Optional, Union

from ..config import CONFIG_NAMES, Config, ConfigResolver
from ..globs import GlobSet, glob_set
from ..model import EXCLUDED, GIT_IGNORED, SYMLINK, DiscoveryStats, Skip
from ..paths import relative_to_root


class Candidate(NamedTuple):
    """A file to scan: where it is on disk and how findings should name it.

    `relpath` is the path relative to the config root with `/` separators (what
    per-file-ignores match); None means "work it out from `path`". `config` is the file's
    own config when it is not the run's (a nested config), else None. (A named tuple: a
    walk makes one per file, and workers are sent them in batches; a batch pickles a shared
    config once.)
    """

    path: Union[str, Path]
    display: str
    explicit: bool = False
    relpath: Optional[str] = None
    config: Optional[Config] = None


def is_excluded(path: Path, config: Config) -> bool:
    """True when `path` matches an exclude glob of `config` (relative to the config root)
    or of `--exclude` (relative to the current directory)."""
    if glob_set(config.excludes).match(relative_to_root(path, config.root)):
        return True
    cli = config.overrides.exclude
    return bool(cli) and glob_set(cli).match(relative_to_root(path, Path.cwd()))


class _Anchor(NamedTuple):
    """Exclude globs and how a path below a walked directory `top` (`/`-separated, relative
    to `top`) becomes relative to where the globs are anchored (a config's directory, or
    the current directory): `prefix` + the path, less its first `strip` characters when it
    starts with `under`; a path elsewhere is matched absolute (`outside` + the path)."""

    globs: GlobSet
    prefix: str
    strip: int = 0
    under: str = ""
    outside: str = ""

    def rel(self, sub: str) -> str:
        if not self.strip:
            return self.prefix + sub
        if sub.startswith(self.under):
            return sub[self.strip :]
        return self.outside + sub

    @classmethod
    def of(cls, globs: GlobSet, top: str, anchor: str) -> _Anchor:
        """`top` and `anchor`: absolute, resolved directories."""
        if top == anchor:
            return cls(globs, "")
        if top.startswith(anchor.rstrip("/") + "/"):
            return cls(globs, top[len(anchor.rstrip("/")) + 1 :] + "/")
        outside = top.rstrip("/") + "/"
        if anchor.startswith(outside):
            under = anchor[len(outside) :] + "/"
            return cls(globs, "", len(under), under, outside)
        return cls(globs, outside)


_Matchers = tuple[_Anchor, ...]


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


class DirTask(NamedTuple):
    """A directory to walk with everything below it: a unit of work a worker process walks
    and scans itself (see `treepool.py`). Plain strings only, so that it pickles small; the
    config context is rebuilt from `anchor` and `rel` by the walker that takes it.

    `top` and `top_display`: the directory the user named and its display path; `directory`:
    the directory on disk; `below`/`shown_below`: its path below `top` (with a trailing `/`,
    "" for `top` itself) and the same as findings name it; `anchor`: the `below` of the
    directory whose config applies here ("" for `top`'s), `rel` the prefix of config-relative
    paths there."""

    top: str
    top_display: str
    directory: str
    below: str
    shown_below: str
    anchor: str
    rel: str


class Walker:
    """Turns the user's paths into Candidates; counts and records what it skips.

    Works on strings: each file costs one directory entry, a set lookup or two and string
    concatenation (no `Path` objects, no `resolve()` per file); paths relative to the config
    root and display paths are built from those of the top directory.
    """

    def __init__(
        self,
        config: Config,
        *,
        respect_gitignore: bool = True,
        resolver: Optional[ConfigResolver] = None,
    ) -> None:
        self.config = config
        self.respect_gitignore = respect_gitignore
        self.stats = DiscoveryStats()
        self.cwd = Path.cwd()
        self.resolver = resolver if resolver is not None else ConfigResolver(config)
        self._cwd_globs = glob_set(config.overrides.exclude) if config.overrides.exclude else None
        self._chains: dict[str, tuple[Config, ...]] = {}
        self._reported: set[str] = set()
        self._contexts: dict[tuple[str, str, str], _Context] = {}
        # What `git ls-files` lists below each top directory (None: not in git, or ignores
        # not honoured), kept for a second walk over the same paths and for workers.
        self.visible: dict[str, Optional[frozenset[str]]] = {}

    def restart(self) -> None:
        """Start over with fresh counts (what was read from disk and git stays cached)."""
        notes = self.stats.notes
        self.stats = DiscoveryStats(notes=list(notes))
        self._reported = set()

    def _chain(self, directory: str) -> tuple[Config, ...]:
        """The configs whose excludes apply in `directory` (absolute, resolved): its nearest
        first, then each one further up; the run's config when there is none."""
        chain = self._chains.get(directory)
        if chain is None:
            found = []
            config = self.resolver.nearest(directory)
            while config is not None and config not in found:
                found.append(config)
                root = str(config.root)
                parent = os.path.dirname(root)
                config = None if parent == root else self.resolver.nearest(parent)
            chain = tuple(found) if found else (self.config,)
            self._chains[directory] = chain
        return chain

    def _matchers(self, chain: tuple[Config, ...], top: str) -> _Matchers:
        """Matchers for paths below `top` (absolute, resolved): each config's globs, then
        `--exclude`'s."""
        out = [_Anchor.of(glob_set(c.excludes), top, os.path.realpath(c.root)) for c in chain]
        if self._cwd_globs is not None:
            out.append(_Anchor.of(self._cwd_globs, top, str(self.cwd)))
        return tuple(out)

    def _errors(self, directory: str) -> Iterator[Skip]:
        """A Skip (an error: the run fails) for each nested config in `directory` (absolute,
        resolved) or above it that failed to load, once.

        Only configs on that path: every config there was looked at when the directory's
        chain was made, so the first walk over a directory below a broken config reports
        it, wherever the walk starts (a worker's walk of a subtree reports it again: the
        merge keeps the first)."""
        errors = self.resolver.errors
        if not errors:
            return
        for source, message in errors.items():
            if source in self._reported:
                continue
            where = os.path.dirname(source)
            if directory == where or directory.startswith(where.rstrip("/") + "/"):
                self._reported.add(source)
                yield Skip(self.display(Path(source)), f"invalid config: {message}", error=True)

    def _own(self, config: Config) -> Optional[Config]:
        return None if config is self.config else config

    def display(self, path: Path) -> str:
        try:
            shown = PurePosixPath(Path(os.path.abspath(path)).relative_to(self.cwd)).as_posix()
        except ValueError:
            shown = path.as_posix()
        # NOTE: the real name (undecodable bytes as surrogateescape): machine formats carry
        # it with their own escaping, human-readable reporters escape it visibly.
        return shown

    def _visible(self, directory: Path) -> Optional[frozenset[str]]:
        key = str(directory)
        if key in self.visible:
            return self.visible[key]
        found = None
        if self.respect_gitignore:
            from .. import gitrun  # start-up time: runs that name files never walk a dir

            if gitrun.find_git() is None:
                note = "git not found: files ignored by git are scanned too"
                if note not in self.stats.notes:
                    self.stats.notes.append(note)
            else:
                found = _git_visible_files(key)
        self.visible[key] = found
        return found

    def walk(self, paths: Iterable[Path]) -> Iterator[Union[Candidate, Skip]]:
        """Yield a Candidate per file to scan and a Skip per path that could not be."""
        for item in self.plan(paths):
            if isinstance(item, DirTask):
                walk = self.resume([item])
                while True:
                    items = walk.next_dir()
                    if items is None:
                        break
                    yield from items
            else:
                yield item

    def plan(self, paths: Iterable[Path]) -> Iterator[Union[Candidate, Skip, DirTask]]:
        """`walk`, except that each directory named in `paths` comes back as a DirTask to
        walk (with `resume`) instead of its files."""
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
            absolute = os.path.realpath(path)
            if stat.S_ISDIR(st.st_mode):
                parent = os.path.dirname(absolute)
                chain = self._chain(parent)
                yield from self._errors(parent)
                if _excluded(self._matchers(chain, parent), os.path.basename(absolute)):
                    self.stats.excluded += 1
                    self.stats.sample(EXCLUDED, display + "/")
                    continue
                own = self._chain(absolute)
                yield from self._errors(absolute)
                rel = relative_to_root(path, own[0].root)
                self._visible(path)
                top = str(path)
                shown = "" if display in ("", ".") else display.rstrip("/") + "/"
                yield DirTask(top, display, top, "", shown, "", _prefix(rel))
            elif stat.S_ISREG(st.st_mode):
                # Named explicitly (pre-commit passes staged files by name): git ignores do
                # not apply, config excludes still do.
                parent = os.path.dirname(absolute)
                chain = self._chain(parent)
                yield from self._errors(parent)
                if _excluded(self._matchers(chain, parent), os.path.basename(absolute)):
                    self.stats.excluded += 1
                    self.stats.sample(EXCLUDED, display)
                    continue
                rel = relative_to_root(path, chain[0].root)
                yield Candidate(
                    path, display, explicit=True, relpath=rel, config=self._own(chain[0])
                )
            else:
                self.stats.special += 1
                yield Skip(display, "not a regular file (FIFO, socket or device)")

    def resume(self, tasks: Sequence[DirTask]) -> DirWalk:
        """A walk of `tasks`' directories (in walk order, all below one top directory) and
        everything below them, a directory at a time."""
        stack = []
        for task in reversed(tasks):
            key = (task.top, task.anchor, task.rel)
            context = self._contexts.get(key)
            if context is None:
                where = os.path.join(task.top, task.anchor) if task.anchor else task.top
                chain = self._chain(os.path.realpath(where))
                context = self._context(chain, task.top, task.anchor, task.rel)
                self._contexts[key] = context
            stack.append((task.directory, task.below, task.shown_below, context))
        top = tasks[0]
        return DirWalk(self, top.top, top.top_display, self.visible.get(top.top), stack)

    def _context(self, chain: tuple[Config, ...], top: str, below: str, rel: str) -> _Context:
        """What a walk needs below a directory (`top` + `below`) whose nearest config heads
        `chain`: exclude matchers, with prefixes that turn a path below `top` into one
        relative to where each glob set is anchored; the candidates' config; the prefix of
        their paths relative to that config's root, and the part of `below` it replaces."""
        return self._matchers(chain, os.path.realpath(top)), self._own(chain[0]), rel, below

    def _enter(self, directory: str, top: str, below: str, context: _Context) -> _Context:
        """The context below `directory` (`top` + `below`), which holds a config file name."""
        absolute = os.path.realpath(directory)
        chain = self._chain(absolute)
        outer = context[1] if context[1] is not None else self.config
        if chain[0] is outer:
            return context  # a pyproject.toml without [tool.autype-guard], or a broken one
        return self._context(chain, top, below, "")


class DirWalk:
    """A walk below one top directory, a directory at a time (`next_dir`), depth first in
    name order, each directory's files before its subdirectories. The directories still to
    walk are `stack` (the next one last); `split` hands the last of them to someone else.

    Each directory on the stack is (path on disk, path below `top` with "/" and a trailing
    "/", or "" for top itself, and the same as findings name it, and the config context it
    is in); the part below `top` is how `git ls-files` names files, and display and
    root-relative paths are the top's plus that part."""

    def __init__(
        self,
        walker: Walker,
        top: str,
        top_display: str,
        visible: Optional[frozenset[str]],
        stack: list[_Pending],
    ) -> None:
        self.walker = walker
        self.top = top
        self.top_display = top_display
        self.visible = visible
        self.stack = stack

    def split(self, count: int) -> list[DirTask]:
        """Take the `count` directories that this walk would reach last off its stack, as
        DirTasks in walk order: the rest of this walk comes before all of them."""
        taken, self.stack[:count] = self.stack[:count], []
        return [
            DirTask(self.top, self.top_display, d, below, shown, context[3], context[2])
            for d, below, shown, context in reversed(taken)
        ]

    def next_dir(self) -> Optional[list[Union[Candidate, Skip]]]:
        """The Candidates and Skips of the next directory (its subdirectories go on the
        stack), or None when the walk is done."""
        if not self.stack:
            return None
        walker = self.walker
        stats = walker.stats
        visible = self.visible
        directory, below, shown_below, context = self.stack.pop()
        out: list[Union[Candidate, Skip]] = []
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=_BY_NAME)
        except OSError as exc:
            out.append(
                Skip(shown_below.rstrip("/") or self.top_display, _os_reason(exc), error=True)
            )
            return out
        if walker.resolver.active and below and any(e.name in CONFIG_NAMES for e in entries):
            context = walker._enter(directory, self.top, below, context)
            out.extend(walker._errors(os.path.realpath(directory)))
        matchers, config, rel_prefix, own = context
        single = len(matchers) == 1 and not matchers[0].strip
        excludes, exclude_prefix = matchers[0].globs, matchers[0].prefix
        # The common case, literal names only: the test is a set lookup, no call.
        excluded_names = excludes.names if single and excludes.names_only else None
        cut = len(own)
        subdirs = []
        for entry in entries:
            name = entry.name
            sub = below + name
            shown = shown_below + name
            # Regular files first (most entries; no system call where the file system
            # gives entry types), then directories, symbolic links, anything else.
            try:
                is_file = entry.is_file(follow_symlinks=False)
                is_dir = not is_file and entry.is_dir(follow_symlinks=False)
                if not is_file and not is_dir and entry.is_symlink():
                    stats.symlinks += 1
                    stats.sample(SYMLINK, shown)
                    continue
            except OSError as exc:
                out.append(Skip(shown, _os_reason(exc), error=True))
                continue
            if is_dir:
                if name == ".git" or (
                    excludes.match_name(exclude_prefix + sub, name)
                    if single
                    else _excluded_below(matchers, sub, name)
                ):
                    stats.excluded += 1
                    stats.sample(EXCLUDED, shown + "/")
                    continue
                subdirs.append((entry.path, sub + "/", shown + "/", context))
            elif is_file:
                if (
                    name in excluded_names
                    if excluded_names is not None
                    else excludes.match_name(exclude_prefix + sub, name)
                    if single
                    else _excluded_below(matchers, sub, name)
                ):
                    stats.excluded += 1
                    stats.sample(EXCLUDED, shown)
                    continue
                if visible is not None and sub not in visible:
                    stats.git_ignored += 1
                    stats.sample(GIT_IGNORED, shown)
                    continue
                out.append(Candidate(entry.path, shown, False, rel_prefix + sub[cut:], config))
            else:
                stats.special += 1
                out.append(Skip(shown, "not a regular file (FIFO, socket or device)"))
        self.stack.extend(reversed(subdirs))
        return out


# A walk's state below a directory: exclude matchers, the candidates' own config (None: the
# run's), the prefix of their config-relative paths and the part of the walked path it replaces.
_Context = tuple[_Matchers, Optional[Config], str, str]
# A directory a walk has still to list: path on disk, path below the top directory and as
# findings name it, config context.
_Pending = tuple[str, str, str, _Context]


def _prefix(rel: str) -> str:
    return "" if rel in ("", ".") else rel.rstrip("/") + "/"


def _excluded(matchers: _Matchers, name: str) -> bool:
    """True when `name`, in the directory the matchers were made for, is excluded."""
    return any(m.globs.match(m.rel(name)) for m in matchers)


def _excluded_below(matchers: _Matchers, sub: str, name: str) -> bool:
    return any(m.globs.match_name(m.rel(sub), name) for m in matchers)


_BY_NAME = attrgetter("name")


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
