"""Walk the paths to scan, honour excludes and git ignores, and classify each file's kind.

Never raises for file-system trouble: unreadable directories come back as `Skip` records.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple, Optional, Union

from .config import Config
from .model import FileKind


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


@dataclass(frozen=True)
class Skip:
    """A path that was not scanned, and why. `error` means it should have been and wasn't."""

    display: str
    reason: str
    error: bool = False


@dataclass
class DiscoveryStats:
    """Counts of what discovery passed over, for the summary."""

    excluded: int = 0
    git_ignored: int = 0
    symlinks: int = 0
    special: int = 0
    notes: list[str] = field(default_factory=list)


# --- globs ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a gitignore-like glob: `**` spans directories, `*` and `?` do not."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    # A pattern without "/" matches a name at any depth, like gitignore; either way a match
    # on a directory covers everything below it.
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{body}(?:/.*)?")


def glob_match(relpath: str, pattern: str) -> bool:
    """True when the `/`-separated relative path matches the glob (or lies below a match)."""
    return _glob_regex(pattern).fullmatch(relpath) is not None


# Control characters would break one-line output formats and terminals.
_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in range(32)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x7F: "\\x7f",
}


def printable_path(text: str) -> str:
    """A path safe to print: undecodable bytes as \\xNN, control characters escaped."""
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return shown.translate(_CONTROL_ESCAPES)


def relative_to_root(path: Path, root: Path) -> str:
    """The path relative to `root` with `/` separators, or the absolute path outside it."""
    try:
        return PurePosixPath(path.resolve().relative_to(root)).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


class GlobSet:
    """Several globs compiled for matching many paths: `match(rel)` is True when any glob
    matches `rel` (see `glob_match`).

    `match_name(rel, name)` is the same test for a path whose parent directories are known
    not to match (a walk that prunes excluded directories): globs without a `/` match a path
    exactly when they match one of its components, so for them only the last one, `name`,
    needs testing, and literal names are a set lookup.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        names: set[str] = set()
        name_globs: list[str] = []
        path_globs: list[str] = []
        for pattern in patterns:
            body = pattern.strip("/")
            if not body:
                continue
            if "/" in pattern.rstrip("/") or "**" in body:
                path_globs.append(pattern)
            elif not any(c in body for c in "*?[\\"):
                names.add(body)
            else:
                name_globs.append(pattern)
        self.names = frozenset(names)
        self._name = _alternation(name_globs)
        self._path = _alternation(path_globs)

    def match(self, rel: str) -> bool:
        if self._path is not None and self._path.fullmatch(rel) is not None:
            return True
        return any(self._match_component(part) for part in rel.split("/"))

    def _match_component(self, name: str) -> bool:
        return name in self.names or (
            self._name is not None and self._name.fullmatch(name) is not None
        )

    def match_name(self, rel: str, name: str) -> bool:
        return self._match_component(name) or (
            self._path is not None and self._path.fullmatch(rel) is not None
        )


def _alternation(patterns: Sequence[str]) -> Optional[re.Pattern[str]]:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{_glob_regex(p).pattern})" for p in patterns))


@lru_cache(maxsize=16)
def glob_set(patterns: tuple[str, ...]) -> GlobSet:
    """A cached `GlobSet` of `patterns`."""
    return GlobSet(patterns)


def is_excluded(path: Path, config: Config) -> bool:
    """True when `path` (resolved against the config root) matches an exclude glob."""
    return glob_set(config.excludes).match(relative_to_root(path, config.root))


# --- classification ------------------------------------------------------------------------

_BY_SUFFIX: dict[str, FileKind] = {}
for _kind, _suffixes in {
    FileKind.PYTHON: ".py .pyi .pyw",
    FileKind.SCRIPT: ".js .mjs .cjs .ts .mts .cts .jsx .tsx",
    FileKind.SOURCE_MAP: ".map",
    FileKind.MARKUP: (
        ".html .htm .xhtml .vue .svelte .astro .j2 .jinja .jinja2 .njk .hbs .handlebars "
        ".mustache .ejs .erb .liquid .twig .tmpl .gohtml .jsp .cshtml .razor .haml .slim .pug"
    ),
    FileKind.SOURCE: (
        ".go .rb .java .kt .kts .scala .php .cs .fs .swift .rs .c .cc .cpp .h .hpp .m .sh "
        ".bash .zsh .fish .ps1 .psm1 .bat .cmd .pl .pm .lua .r .ex .exs .erl .dart .groovy "
        ".gradle .sql .clj .hs .jl .nim .zig .vb .css .scss .sass .less .rake .gemspec"
    ),
    FileKind.CONFIG: (
        ".json .jsonc .json5 .yaml .yml .toml .ini .cfg .conf .properties .tfvars .tf .hcl "
        ".har .xml .plist .tsv .csv .dockerfile .npmrc .pypirc .netrc .service .nomad"
    ),
    FileKind.DOCS: ".md .markdown .mdx .rst .txt .adoc .asciidoc .rdoc .org .textile .log .tex",
    FileKind.NOTEBOOK: ".ipynb",
}.items():
    for _suffix in _suffixes.split():
        _BY_SUFFIX[_suffix] = _kind

_BY_NAME: dict[str, FileKind] = {
    "dockerfile": FileKind.CONFIG,
    "containerfile": FileKind.CONFIG,
    "jenkinsfile": FileKind.CONFIG,
    "procfile": FileKind.CONFIG,
    "vagrantfile": FileKind.SOURCE,
    "makefile": FileKind.SOURCE,
    "gemfile": FileKind.SOURCE,
    "rakefile": FileKind.SOURCE,
    "justfile": FileKind.SOURCE,
    ".envrc": FileKind.ENV,
    ".flaskenv": FileKind.ENV,
    ".npmrc": FileKind.CONFIG,
    ".pypirc": FileKind.CONFIG,
    ".netrc": FileKind.CONFIG,
    ".gitconfig": FileKind.CONFIG,
    ".bashrc": FileKind.SOURCE,
    ".zshrc": FileKind.SOURCE,
    ".profile": FileKind.SOURCE,
    "readme": FileKind.DOCS,
}
# A minified or content-hashed build artefact: `app.min.js`, `main.3f2a9c.js`, `index-58dee3d8.js`.
_BUNDLE_NAME = re.compile(
    r".*(?:\.min\.(?:js|mjs|css)|[.-][0-9a-f]{6,}\.(?:js|mjs|css)|\.(?:chunk|bundle)\.(?:js|css))"
)


# Archives whose members are scanned; a member is labelled `archive!member`.
ARCHIVE_SUFFIXES = (
    ".zip",
    ".whl",
    ".egg",
    ".jar",
    ".war",
    ".ear",
    ".xpi",
    ".crx",
    ".vsix",
    ".nupkg",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
)


def member_path(label: str) -> str:
    """The innermost member path of an archive label (`a.zip!b.jar!c/d.js` -> `c/d.js`),
    or the label itself when it names no archive member."""
    i = label.rfind("!")
    while i > 0:
        if label[:i].lower().endswith(ARCHIVE_SUFFIXES):
            return label[i + 1 :]
        i = label.rfind("!", 0, i)
    return label


def classify(name: str, head: bytes = b"") -> FileKind:
    """The kind of a file from its name and (optionally) its first bytes; never raises.

    A precompressed asset (`app.js.gz`, `app.js.br`) has the kind of the file inside it."""
    lower = member_path(name).rsplit("/", 1)[-1].lower()
    if lower.endswith((".gz", ".br")) and not lower.endswith((".tar.gz", ".tgz")):
        lower = lower[:-3]
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return FileKind.ENV
    if lower in _BY_NAME:
        return _BY_NAME[lower]
    if lower.startswith(("dockerfile.", "containerfile.")) or lower.endswith(".dockerfile"):
        return FileKind.CONFIG
    if lower.startswith(("docker-compose", "compose.")) and lower.endswith((".yml", ".yaml")):
        return FileKind.CONFIG
    if _BUNDLE_NAME.fullmatch(lower):
        return FileKind.BUNDLE
    if lower.endswith(".blade.php"):
        return FileKind.MARKUP
    dot = lower.rfind(".")
    if dot > 0 or (dot == 0 and lower.count(".") > 1):
        kind = _BY_SUFFIX.get(lower[dot:])
        if kind is not None:
            return kind
    if head.startswith(b"#!"):
        first = head.split(b"\n", 1)[0]
        return FileKind.PYTHON if b"python" in first else FileKind.SOURCE
    return FileKind.TEXT


# --- walking -------------------------------------------------------------------------------


def _git_visible_files(directory: str) -> Optional[frozenset[str]]:
    """Paths (relative to `directory`) of files git does not ignore, or None outside git."""
    from . import gitrun  # start-up time: runs that name files (pre-commit) never walk a dir

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
        return printable_path(shown)

    def _visible(self, directory: Path) -> Optional[frozenset[str]]:
        if not self.respect_gitignore:
            return None
        from . import gitrun  # start-up time: runs that name files (pre-commit) never walk a dir

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
                continue
            rel = relative_to_root(path, self.config.root)
            if stat.S_ISDIR(st.st_mode):
                if self.excludes.match(rel):
                    self.stats.excluded += 1
                    continue
                yield from self._walk_dir(path, display, rel, self._visible(path))
            elif stat.S_ISREG(st.st_mode):
                # Named explicitly (pre-commit passes staged files by name): git ignores do
                # not apply, config excludes still do.
                if self.excludes.match(rel):
                    self.stats.excluded += 1
                    continue
                yield Candidate(path, display, explicit=True, relpath=rel)
            else:
                self.stats.special += 1
                yield Skip(display, "not a regular file (FIFO, socket or device)")

    def _walk_dir(
        self, top: Path, top_display: str, top_rel: str, visible: Optional[frozenset[str]]
    ) -> Iterator[Union[Candidate, Skip]]:
        # Each directory on the stack is (path on disk, path below `top` with "/" and a
        # trailing "/", or "" for top itself, and the same made printable); the part below
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
                # Names with control characters or undecodable bytes are shown escaped.
                shown = shown_below + (name if name.isprintable() else printable_path(name))
                try:
                    if entry.is_symlink():
                        stats.symlinks += 1
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and entry.is_file(follow_symlinks=False)
                except OSError as exc:
                    yield Skip(shown, _os_reason(exc), error=True)
                    continue
                if is_dir:
                    if name == ".git" or excludes.match_name(rel_prefix + sub, name):
                        stats.excluded += 1
                        continue
                    subdirs.append((entry.path, sub + "/", shown + "/"))
                elif is_file:
                    if excludes.match_name(rel_prefix + sub, name):
                        stats.excluded += 1
                        continue
                    if visible is not None and sub not in visible:
                        stats.git_ignored += 1
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
