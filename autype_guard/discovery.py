"""Walk the paths to scan, honour excludes and git ignores, and classify each file's kind.

Never raises for file-system trouble: unreadable directories come back as `Skip` records.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Optional, Union

from .config import Config
from .model import FileKind


@dataclass(frozen=True)
class Candidate:
    """A file to scan: where it is on disk and how findings should name it."""

    path: Path
    display: str
    explicit: bool = False


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


def is_excluded(path: Path, config: Config) -> bool:
    rel = relative_to_root(path, config.root)
    return any(glob_match(rel, pattern) for pattern in config.excludes)


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
    if shutil.which("git") is None:
        return None
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                directory,
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return frozenset(os.fsdecode(p) for p in out.stdout.split(b"\0") if p)


class Walker:
    """Turns the user's paths into Candidates; counts and records what it skips."""

    def __init__(self, config: Config, *, respect_gitignore: bool = True) -> None:
        self.config = config
        self.respect_gitignore = respect_gitignore
        self.stats = DiscoveryStats()
        self.cwd = Path.cwd()

    def display(self, path: Path) -> str:
        try:
            shown = PurePosixPath(Path(os.path.abspath(path)).relative_to(self.cwd)).as_posix()
        except ValueError:
            shown = path.as_posix()
        return printable_path(shown)

    def _visible(self, directory: Path) -> Optional[frozenset[str]]:
        if not self.respect_gitignore:
            return None
        if shutil.which("git") is None:
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
            if stat.S_ISDIR(st.st_mode):
                if is_excluded(path, self.config):
                    self.stats.excluded += 1
                    continue
                yield from self._walk_dir(path, self._visible(path))
            elif stat.S_ISREG(st.st_mode):
                # Named explicitly (pre-commit passes staged files by name): git ignores do
                # not apply, config excludes still do.
                if is_excluded(path, self.config):
                    self.stats.excluded += 1
                    continue
                yield Candidate(path, display, explicit=True)
            else:
                self.stats.special += 1
                yield Skip(display, "not a regular file (FIFO, socket or device)")

    def _walk_dir(
        self, top: Path, visible: Optional[frozenset[str]]
    ) -> Iterator[Union[Candidate, Skip]]:
        # Paths stay strings built by scandir from `top`, so slicing off `base` gives the
        # path relative to `top`, which is how `git ls-files` names files.
        base = os.path.join(str(top), "")
        stack = [str(top)]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                yield Skip(self.display(Path(directory)), _os_reason(exc), error=True)
                continue
            subdirs = []
            for entry in entries:
                path = Path(entry.path)
                try:
                    if entry.is_symlink():
                        self.stats.symlinks += 1
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file(follow_symlinks=False)
                except OSError as exc:
                    yield Skip(self.display(path), _os_reason(exc), error=True)
                    continue
                if is_dir:
                    if entry.name == ".git" or is_excluded(path, self.config):
                        self.stats.excluded += 1
                        continue
                    subdirs.append(entry.path)
                elif is_file:
                    if is_excluded(path, self.config):
                        self.stats.excluded += 1
                        continue
                    if visible is not None and entry.path[len(base) :] not in visible:
                        self.stats.git_ignored += 1
                        continue
                    yield Candidate(path, self.display(path))
                else:
                    self.stats.special += 1
                    yield Skip(self.display(path), "not a regular file (FIFO, socket or device)")
            stack.extend(reversed(subdirs))


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
