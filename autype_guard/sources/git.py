"""Git-aware scans: the staged index, the files changed since a revision, and all history.

- `scan_staged`: the blobs in the index, so a partially staged file is judged on what will be
  committed, not on the work tree.
- `scan_changed`: work-tree files changed since a revision, plus untracked, not-ignored files.
- `scan_history`: every blob reachable from every ref, each distinct blob scanned once, each
  finding attributed to the earliest commit that introduced the key at that path.

Blob content is streamed through ONE `git cat-file --batch` process per scan: a writer thread
sends object ids in chunks while the caller reads and scans the answers, so no process is
started per commit or per blob, the two pipes never deadlock, and memory holds one blob at a
time. History is learned from one `git log --raw` pass over all refs. Scanning is
`sources.blobs.scan_bytes`. Never prints. Trouble with git itself (not installed, not a repository,
bad revision, broken repository) raises `GitError` with a one-line message; a blob that
cannot be read becomes a `FileResult` with an error, like an unreadable file.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Generic, Optional, TypeVar, Union
from urllib.parse import urlsplit, urlunsplit

from .. import gitrun
from ..classify import classify
from ..config import Config
from ..engine import ScanOptions, engine_for
from ..globs import _glob_regex, glob_set
from ..model import FileResult, Finding, GitSource, ScanReport
from ..progress import ProgressCallback
from ..shard import WHOLE, Shard
from .archives import packing_of
from .blobs import scan_bytes
from .files import scan_file
from .walk import Candidate

if TYPE_CHECKING:
    from .history_cache import Cached, HistoryCache, PreviousWalk, WalkRow

_ZERO_OID = re.compile(r"0+")
# Object ids requested per write to `git cat-file`: big enough to keep it busy, small
# enough that it never waits long for the next request.
_CHUNK = 64
_READ_BUFFER = 1 << 20
_DEFAULTS = ScanOptions()


GitError = gitrun.GitError  # a problem with git or the repository; one-line message


# --- running git ---------------------------------------------------------------------------

_MISSING = f"{gitrun.MISSING} (--staged, --since and --history need it)"


def run_git(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
    """Run git in `cwd`; return (exit code, stdout). Raise GitError for exit codes not in `ok`."""
    try:
        result = gitrun.run(cwd, *args, ok=ok)
    except gitrun.GitNotFound:
        raise GitError(_MISSING) from None
    return result.returncode, result.stdout


def start_git(
    cwd: Path, *args: str, stderr: IO[bytes], write: bool = False, bufsize: int = -1
) -> gitrun.Process:
    """Start a long-running git in `cwd` (see gitrun.start)."""
    try:
        return gitrun.start(cwd, *args, stderr=stderr, write=write, bufsize=bufsize)
    except gitrun.GitNotFound:
        raise GitError(_MISSING) from None


def _text(out: bytes) -> str:
    return out.decode("utf-8", "surrogateescape").strip()


# --- the repository ------------------------------------------------------------------------


@dataclass(frozen=True)
class Repository:
    """A git repository: `root` is its work tree, or its git directory when bare."""

    root: Path
    bare: bool = False


def open_repository(path: Path) -> Repository:
    """The repository holding `path` (a file or directory). Raises GitError outside one."""
    start = path if path.is_dir() else path.parent
    if not start.is_dir():
        raise GitError(f"not a git repository: {path} does not exist")
    try:
        _, out = run_git(
            start,
            "rev-parse",
            "--is-bare-repository",
            "--is-inside-work-tree",
            "--absolute-git-dir",
        )
    except GitError as exc:
        if "not a git repository" in str(exc):
            raise GitError(f"not a git repository: {start.resolve()}") from None
        raise
    bare, inside, git_dir = (_text(line) for line in out.splitlines()[:3])
    if bare == "true":
        return Repository(Path(git_dir), bare=True)
    if inside != "true":
        raise GitError(f"{start} is inside a .git directory; run from the work tree")
    _, top = run_git(start, "rev-parse", "--show-toplevel")
    return Repository(Path(_text(top)))


def pathspecs(repo: Repository, paths: Sequence[str]) -> tuple[str, ...]:
    """Git pathspecs (relative to the root, taken literally) for the user's PATHS.

    No PATHS, or one naming the root, means the whole repository: ()."""
    root = Path(os.path.realpath(repo.root))
    specs = []
    whole = False
    for raw in paths:
        try:
            rel = Path(os.path.realpath(raw)).relative_to(root)
        except ValueError:
            raise GitError(f"{raw} is outside the git repository {repo.root}") from None
        if rel == Path("."):
            whole = True
        elif repo.bare:
            raise GitError("paths cannot be given for a bare repository")
        else:
            specs.append(":(literal)" + PurePosixPath(rel).as_posix())
    return () if whole else tuple(specs)


def resolve_commit(repo: Repository, rev: str) -> str:
    """The full commit id `rev` names. Raises GitError for anything that is not a commit."""
    # NOTE: a revision starting with "-" would be read as an option by git.
    if not rev or rev.startswith("-"):
        raise GitError(f"bad revision {rev!r}")
    code, out = run_git(
        repo.root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", ok=(0, 1)
    )
    if code != 0:
        raise GitError(f"bad revision {rev!r}: not a commit in {repo.root}")
    return _text(out)


def public_url(url: str) -> str:
    """A remote URL fit for a report: credentials removed, scp-like syntax as ssh://."""
    # NOTE: remote URLs can carry tokens (https://user:token@host/...): never report them.
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    # scp-like `user@host:path` (the user is an account name such as git, not a secret).
    scp = re.fullmatch(r"([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!//)(.+)", url)
    if scp and not os.path.isabs(url):
        return f"ssh://{scp.group(1) or ''}{scp.group(2)}/{scp.group(3).lstrip('/')}"
    return url


def describe(repo: Repository, mode: str, since: Optional[str] = None) -> GitSource:
    """What a report says about the repository: HEAD, branch, remote (without credentials)."""
    code, head = run_git(repo.root, "rev-parse", "--quiet", "--verify", "HEAD^{commit}", ok=(0, 1))
    code_b, branch = run_git(repo.root, "symbolic-ref", "--quiet", "--short", "HEAD", ok=(0, 1))
    code_r, remote = run_git(repo.root, "config", "--get", "remote.origin.url", ok=(0, 1))
    return GitSource(
        mode=mode,
        root=str(repo.root),
        head=_text(head) if code == 0 else None,
        branch=_text(branch) if code_b == 0 else None,
        remote=public_url(_text(remote)) if code_r == 0 and _text(remote) else None,
        since=since,
    )


def shallow_boundary(repo: Repository) -> tuple[str, ...]:
    """The boundary commits of a shallow clone (empty for a complete repository)."""
    _, out = run_git(repo.root, "rev-parse", "--is-shallow-repository", "--git-path", "shallow")
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if not lines or lines[0].strip() != "true":
        return ()
    shallow = Path(lines[1].strip()) if len(lines) > 1 else Path(".git/shallow")
    if not shallow.is_absolute():
        shallow = repo.root / shallow
    try:
        return tuple(line.strip() for line in shallow.read_text().splitlines() if line.strip())
    except OSError:
        return ("(unknown)",)


def _need_work_tree(repo: Repository, what: str) -> None:
    if repo.bare:
        raise GitError(f"{what} needs a work tree; {repo.root} is a bare repository")


# --- which paths count ---------------------------------------------------------------------


class RepoPaths:
    """Repository paths (relative to the root, `/`-separated) as config and reports see them.

    Config excludes are combined into one regex (discovery's glob translation), answers
    cached per path: history asks once per blob introduction. Findings name a path
    relative to the current directory, like a work-tree scan does (the reporters resolve
    paths from there), so run from the root they carry the path in the repository."""

    def __init__(self, repo: Repository, config: Config) -> None:
        self.config = config
        pattern = "|".join(f"(?:{_glob_regex(p).pattern})" for p in config.excludes)
        self._regex = re.compile(pattern) if pattern else None
        self._cache: dict[str, bool] = {}
        cli = config.overrides.exclude
        self._cli = glob_set(cli) if cli else None
        root = Path(os.path.realpath(repo.root))
        cwd = os.path.realpath(os.getcwd())
        self._root = str(root)
        self._cwd = None if repo.bare or cwd == self._root else cwd
        self._shown: dict[str, str] = {}
        try:
            prefix = PurePosixPath(Path(os.path.realpath(config.root)).relative_to(root)).as_posix()
        except ValueError:
            prefix = None  # config lives outside the repository: match repository paths
        self._prefix = "" if prefix in (None, ".") else prefix + "/"

    @property
    def prefix(self) -> str:
        """Where the config root is inside the repository ("" at its root, else "dir/")."""
        return self._prefix

    def relpath(self, path: str) -> str:
        """`path` (relative to the repository) as config globs see it: relative to config.root."""
        if self._prefix and path.startswith(self._prefix):
            return path[len(self._prefix) :]
        return path

    def excluded(self, path: str) -> bool:
        hit = self._cache.get(path)
        if hit is None:
            hit = self._regex is not None and self._regex.fullmatch(self.relpath(path)) is not None
            if not hit and self._cli is not None:
                # --exclude globs match paths relative to the current directory.
                hit = self._cli.match(self.display(path))
            self._cache[path] = hit
        return hit

    def display(self, path: str) -> str:
        """How findings name `path`: relative to the current directory."""
        if self._cwd is None:
            return path
        shown = self._shown.get(path)
        if shown is None:
            full = os.path.join(self._root, *path.split("/"))
            shown = PurePosixPath(Path(os.path.relpath(full, self._cwd))).as_posix()
            self._shown[path] = shown
        return shown


def is_file_mode(mode: str) -> bool:
    # Regular files only: 120000 is a symlink (its blob is the target path), 160000 a submodule.
    return mode.startswith("100")


# --- streaming blobs through one `git cat-file --batch` ------------------------------------


def _widen_pipe(fd: int) -> None:
    """Best effort: a 1 MiB pipe instead of 64 KiB, so cat-file and the reader switch
    turns 16 times less often on large blobs (about 10% of wall time on 1 GB of history)."""
    try:
        import fcntl

        # Linux only: the fcntl module has no F_SETPIPE_SZ elsewhere (and none on Windows).
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _READ_BUFFER)
    except (ImportError, AttributeError, OSError):
        pass


R = TypeVar("R")


class _Sync:
    """In a request stream: wait until the reader has consumed every earlier request."""


SYNC = _Sync()


class _End:
    pass


_END = _End()


class BlobStream(Generic[R]):
    """Requests go to ONE `git cat-file --batch` from a writer thread; iterate for the blobs.

    `requests` is consumed in the writer thread (it may itself read another git process);
    each request's object id comes from `oid_of`. Iteration yields `(request, data)` in
    request order, `data` None for a missing object. A request stream may yield `SYNC` to wait
    until every earlier blob has been consumed (so it can decide what to ask next).

    NOTE: cat-file must run without `--buffer`: it then flushes each answer at once, which
    `SYNC` relies on (with `--buffer` the last answers would wait for the end of input, and
    the writer waits for them: a deadlock).
    """

    def __init__(
        self,
        cwd: Path,
        requests: Iterable[Union[R, _Sync]],
        oid_of: Callable[[R], str],
        on_abort: Callable[[], None] = lambda: None,
    ) -> None:
        self._requests = requests
        self._oid_of = oid_of
        self._on_abort = on_abort
        self._queue: queue.SimpleQueue[Union[R, _End]] = queue.SimpleQueue()
        self._consumed = 0
        self._queued = 0
        self._cond = threading.Condition()
        self._stop = False
        self._error: Optional[BaseException] = None
        # Closed in _close(), when the stream ends.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._proc = start_git(
                cwd, "cat-file", "--batch", stderr=self._stderr, write=True, bufsize=_READ_BUFFER
            )
        except GitError:
            self._stderr.close()
            raise
        assert self._proc.stdout is not None
        _widen_pipe(self._proc.stdout.fileno())
        self._thread = threading.Thread(target=self._write_all, name="cat-file-writer", daemon=True)
        self._thread.start()

    def _write_all(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        pending: list[str] = []

        def flush() -> None:
            if pending:
                stdin.write("".join(pending).encode("ascii"))
                stdin.flush()
                pending.clear()

        try:
            for request in self._requests:
                if self._stop:
                    break
                if isinstance(request, _Sync):
                    flush()
                    with self._cond:
                        while self._consumed < self._queued and not self._stop:
                            self._cond.wait()
                    continue
                self._queue.put(request)
                self._queued += 1
                pending.append(self._oid_of(request) + "\n")
                if len(pending) >= _CHUNK:
                    flush()
            flush()
        except BaseException as exc:  # handed to the reader, which raises it
            self._error = exc
        finally:
            with contextlib.suppress(OSError):
                stdin.close()
            self._queue.put(_END)

    def __iter__(self) -> Iterator[tuple[R, Optional[bytes]]]:
        out = self._proc.stdout
        assert out is not None
        finished = False
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    finished = True
                    break
                header = out.readline()
                if not header:
                    break  # cat-file stopped early: reported below
                fields = header.split()
                data: Optional[bytes] = None
                if len(fields) == 3:
                    size = int(fields[2])
                    blob = out.read(size)
                    out.read(1)  # the newline after the content
                    if fields[1] == b"blob" and len(blob) == size:
                        data = blob
                yield item, data
                with self._cond:
                    self._consumed += 1
                    self._cond.notify()
        finally:
            message = self._close(aborted=not finished)
        if self._error is not None and not isinstance(self._error, BrokenPipeError):
            raise self._error
        if not finished or self._error is not None or self._proc.returncode != 0:
            raise GitError(f"git cat-file failed: {message}")

    def _close(self, aborted: bool) -> str:
        """Stop everything; return what cat-file said on stderr."""
        if aborted:
            self._stop = True
            with self._cond:
                self._cond.notify_all()
            self._on_abort()
            self._proc.kill()
        self._thread.join()
        self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        try:
            self._stderr.seek(0)
            return gitrun.message(self._stderr.read())
        except OSError:
            return "unknown error"
        finally:
            self._stderr.close()


# --- --staged ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryBlob:
    oid: str
    path: str
    commit: str = ""
    date: str = ""
    order: int = 0  # position of the commit in the walk: lower is earlier


def _raw_records(out: bytes) -> Iterator[tuple[str, str, str]]:
    """(new mode, new object id, path) from `git diff --raw -z` output."""
    tokens = out.split(b"\0")
    i = 0
    while i + 1 < len(tokens):
        record = tokens[i].decode("ascii", "replace").lstrip("\n")
        if not record.startswith(":"):
            i += 1
            continue
        path = os.fsdecode(tokens[i + 1])
        i += 2
        parsed = _parse_record(record)
        if parsed is not None:
            yield parsed[0], parsed[1], path


def _parse_record(record: str) -> Optional[tuple[str, str]]:
    """(mode, object id) of the result side of a raw (or combined raw) diff record, or None
    when the path was deleted."""
    parents = len(record) - len(record.lstrip(":"))
    fields = record[parents:].split(" ")
    if len(fields) < 2 * parents + 3:
        return None
    mode = fields[parents]
    oid = fields[2 * parents + 1]
    if _ZERO_OID.fullmatch(oid):
        return None
    return mode, oid


def scan_staged(
    repo: Repository,
    config: Config,
    options: ScanOptions = _DEFAULTS,
    specs: Sequence[str] = (),
) -> ScanReport:
    """Scan the content staged in the index (new and modified files, renames and copies at
    their new path; deletions are not scanned)."""
    _need_work_tree(repo, "--staged")
    started = time.perf_counter()
    report = ScanReport(git=describe(repo, "staged"))
    _, out = run_git(
        repo.root,
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-color",
        "--diff-filter=ACMT",
        "--",
        *specs,
    )
    paths = RepoPaths(repo, config)
    blobs = []
    for mode, oid, path in _raw_records(out):
        if not is_file_mode(mode):
            report.stats.symlinks += mode == "120000"
            continue
        if paths.excluded(path):
            report.stats.excluded += 1
            continue
        blobs.append(HistoryBlob(oid, path))
    if blobs:
        for blob, data in BlobStream(repo.root, blobs, blob_oid):
            report.files.append(scan_history_blob(blob, data, paths, config, options))
    report.elapsed = time.perf_counter() - started
    return report


def blob_oid(blob: HistoryBlob) -> str:
    return blob.oid


def scan_history_blob(
    blob: HistoryBlob, data: Optional[bytes], paths: RepoPaths, config: Config, options: ScanOptions
) -> FileResult:
    """Scan one blob as the file at its path; never raises."""
    display = paths.display(blob.path)
    if data is None:
        where = f" (commit {blob.commit[:12]})" if blob.commit else ""
        return FileResult(
            display,
            classify(display),
            error=f"object {blob.oid[:12]}{where} is missing from the repository",
        )
    try:
        return scan_bytes(data, display, config, options, relpath=paths.relpath(blob.path))
    except Exception as exc:
        return FileResult(
            display,
            classify(display),
            error=f"internal error while scanning: {type(exc).__name__}: {exc}",
        )


# --- --since (work-tree files) -------------------------------------------------------------


def _nul_paths(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def scan_changed(
    repo: Repository,
    rev: str,
    config: Config,
    options: ScanOptions = _DEFAULTS,
    specs: Sequence[str] = (),
    progress: Optional[ProgressCallback] = None,
) -> ScanReport:
    """Scan the work-tree files changed since `rev` (committed, staged or not), plus
    untracked files git does not ignore. Deleted files are not scanned."""
    _need_work_tree(repo, "--since")
    started = time.perf_counter()
    commit = resolve_commit(repo, rev)
    report = ScanReport(git=describe(repo, "since", since=commit))
    _, changed = run_git(
        repo.root,
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--no-color",
        "--diff-filter=ACMT",
        commit,
        "--",
        *specs,
    )
    untracked_args = ["ls-files", "-z", "--others"]
    if options.respect_gitignore:
        untracked_args.append("--exclude-standard")
    _, untracked = run_git(repo.root, *untracked_args, "--", *specs)
    paths = RepoPaths(repo, config)
    candidates = []
    for path in sorted(set(_nul_paths(changed)) | set(_nul_paths(untracked))):
        if paths.excluded(path):
            report.stats.excluded += 1
            continue
        full = repo.root / path
        if full.is_symlink():
            report.stats.symlinks += 1
        elif full.is_file():
            candidates.append(Candidate(full, paths.display(path)))
    total = sum(_size(Path(c.path)) for c in candidates) if progress else 0
    done = 0
    for candidate in candidates:
        result = scan_file(candidate, config, options)
        report.files.append(result)
        if progress is not None:
            done += result.size
            progress(len(report.files), done, len(candidates), total)
    report.elapsed = time.perf_counter() - started
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --- --history -----------------------------------------------------------------------------


@dataclass
class LogProgress:
    """What the log reader learned, shared with the blob reader (see BlobStream.SYNC)."""

    total: Optional[int] = None  # blobs to scan, known once the log is read
    commits: int = 0
    excluded: set[str] = field(default_factory=set)
    symlinks: int = 0
    with_markers: set[str] = field(default_factory=set)  # blobs that passed the prefilter
    # With a cache: the blobs it already knows (not sent to git) and the commits walked.
    cached: list[tuple[HistoryBlob, Cached]] = field(default_factory=list)
    commit_ids: list[str] = field(default_factory=list)
    # With a cache, for the next run: first appearances of blobs in the commits read from
    # the log, and every later appearance elsewhere of the blobs that passed the prefilter.
    firsts: list[HistoryBlob] = field(default_factory=list)
    again: list[HistoryBlob] = field(default_factory=list)


# How `git log` lists a history for `history_requests`: oldest first, every file each commit
# adds or changes (merges as combined diffs), NUL-separated, full object ids, no renames.
HISTORY_LOG = (
    "--reverse",
    "--topo-order",
    "--root",
    "--raw",
    "-c",
    "-z",
    "--no-abbrev",
    "--no-renames",
    "--no-color",
    "--no-show-signature",
    "--format=%x00%H %aI",
)


def _log_tokens(stream: IO[bytes]) -> Iterator[bytes]:
    """NUL-separated tokens of a `git log -z` stream, read in large chunks."""
    rest = b""
    fd = stream.fileno()
    while True:
        chunk = os.read(fd, _READ_BUFFER)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def history_requests(
    log: IO[bytes],
    paths: RepoPaths,
    walk: LogProgress,
    shard: Shard = WHOLE,
    cache: Optional[HistoryCache] = None,
    previous: Optional[PreviousWalk] = None,
) -> Iterator[Union[HistoryBlob, _Sync]]:
    """The blobs to scan, in the order their commits were made (oldest first): each distinct
    blob once at the path where it first appeared; then, after a SYNC, the same blobs again at
    any other path they appeared at, but only those that passed the prefilter.

    Only blobs `shard` takes (by object id) are asked for. Blobs `cache` knows at their path
    are not asked for either: they go to `walk.cached` with what the cache says.

    `previous`: what an earlier walk (recorded in the cache) learned of the commits `log`
    leaves out (it then lists only commits made since): its blobs come first, as if its
    commits had been read again."""

    def known(blob: HistoryBlob) -> bool:
        if cache is None:
            return False
        hit = cache.lookup(blob.oid, blob.path, paths.display(blob.path))
        if hit is None:
            return False
        if not isinstance(hit, str):
            walk.with_markers.add(blob.oid)
        walk.cached.append((blob, hit))
        return True

    seen: dict[str, str] = {}  # blob -> path of its first appearance
    taken = 0  # distinct blobs in this shard
    elsewhere: dict[str, list[HistoryBlob]] = {}  # blob -> later appearances at other paths
    elsewhere_seen: set[tuple[str, str]] = set()
    commit = date = ""
    order = 0
    if previous is not None:
        order = previous.commits
        walk.symlinks = previous.symlinks
        walk.excluded.update(previous.excluded)
        for row in previous.firsts:
            blob = HistoryBlob(*row)
            seen[blob.oid] = blob.path
            if shard.takes(blob.oid):
                taken += 1
                if not known(blob):
                    yield blob
        for row in previous.elsewhere:
            blob = HistoryBlob(*row)
            elsewhere_seen.add((blob.oid, blob.path))
            elsewhere.setdefault(blob.oid, []).append(blob)
    tokens = _log_tokens(log)
    for token in tokens:
        if not token:
            continue
        if token.startswith(b"\n"):
            token = token[1:]
        if not token.startswith(b":"):
            # A commit header: "<sha> <author date>".
            commit, _, date = token.decode("ascii", "replace").partition(" ")
            order += 1
            if cache is not None:
                walk.commit_ids.append(commit)
            continue
        path_token = next(tokens, None)
        if path_token is None:
            break
        parsed = _parse_record(token.decode("ascii", "replace"))
        if parsed is None:
            continue
        mode, oid = parsed
        path = os.fsdecode(path_token)
        if not is_file_mode(mode):
            walk.symlinks += mode == "120000"
            continue
        if paths.excluded(path):
            walk.excluded.add(path)
            continue
        first = seen.get(oid)
        if first is None:
            seen[oid] = path
            blob = HistoryBlob(oid, path, commit, date, order)
            if cache is not None:
                walk.firsts.append(blob)
            if shard.takes(oid):
                taken += 1
                if not known(blob):
                    yield blob
        elif first != path and (oid, path) not in elsewhere_seen and shard.takes(oid):
            elsewhere_seen.add((oid, path))
            elsewhere.setdefault(oid, []).append(HistoryBlob(oid, path, commit, date, order))
    walk.commits = order
    walk.total = taken
    if not elsewhere:
        return
    yield SYNC  # wait for the reader to mark which blobs passed the prefilter
    again = [b for oid, blobs in elsewhere.items() if oid in walk.with_markers for b in blobs]
    walk.again = again
    walk.total = taken + len(again)
    for blob in again:
        if not known(blob):
            yield blob


def scan_history(
    repo: Repository,
    config: Config,
    options: ScanOptions = _DEFAULTS,
    *,
    since: Optional[str] = None,
    specs: Sequence[str] = (),
    progress: Optional[ProgressCallback] = None,
    shard: Shard = WHOLE,
    cache: Optional[Path] = None,
) -> ScanReport:
    """Scan every blob reachable from every ref (with `since`: introduced by commits after
    it). Each finding carries the commit that introduced it and that commit's author date in
    `properties`; one key at one path is one finding, attributed to the earliest commit.

    `shard`: scan only the blobs it takes (by object id). A shard reports the findings of its
    own blobs, each with `properties.walk_order` (the introducing commit's position in the
    walk, oldest first) so that merging shards (`report.merge`) keeps the earliest commit.

    `cache`: an SQLite file (see `history_cache`) recording what earlier runs scanned; only
    blobs it does not know are read and scanned, and the others' findings come from it.
    Raises `history_cache.CacheError` when the file cannot be opened or created."""
    started = time.perf_counter()
    since_commit = resolve_commit(repo, since) if since is not None else None
    source = describe(repo, "history", since=since_commit)
    boundary = shallow_boundary(repo)
    report = ScanReport(git=replace(source, shallow=boundary))
    if boundary:
        shown = ", ".join(c[:12] for c in boundary[:3]) + (", ..." if len(boundary) > 3 else "")
        report.stats.notes.append(
            f"shallow clone: history behind {len(boundary)} boundary commit(s) ({shown}) is not"
            " in this clone, so keys added and removed before them cannot be seen, and keys"
            " already present at the boundary are attributed to the boundary commit; run"
            " `git fetch --unshallow` for a complete audit"
        )
    args = ["log", "--all", *([f"^{since_commit}"] if since_commit else []), *HISTORY_LOG]
    paths = RepoPaths(repo, config)
    walk = LogProgress()
    store = None
    if cache is not None:
        from .history_cache import open_cache  # start-up time: sqlite3 only with --cache

        store = open_cache(cache, config, options, paths.prefix)
    previous = tips = None
    walk_key = json.dumps([since_commit, list(specs), str(shard), list(boundary)])
    if store is not None:
        tips = _tips(repo)
        previous = store.previous_walk(walk_key)
        if previous is not None and not _all_reachable(repo, previous.tips):
            previous = None  # history was rewritten or refs deleted: walk it all again
        if previous is not None:
            # Only the commits made since: everything else comes from the recorded walk.
            args += ["--not", *previous.tips]
    finished = False
    try:
        with tempfile.TemporaryFile() as log_err:
            log = start_git(repo.root, *args, "--", *specs, stderr=log_err)
            assert log.stdout is not None
            try:
                requests = history_requests(log.stdout, paths, walk, shard, store, previous)
                stream = BlobStream(repo.root, requests, blob_oid, on_abort=log.kill)
                collect_history(
                    stream, report, walk, paths, config, options, progress, shard, store
                )
                if log.wait() != 0:
                    log_err.seek(0)
                    raise GitError(f"git log failed: {gitrun.message(log_err.read())}")
                finished = True
            finally:
                if log.poll() is None:
                    log.kill()
                    log.wait()
                log.stdout.close()
    finally:
        if store is not None:
            # Commits are recorded only after a complete walk; blobs as they were scanned.
            store.stats.new_commits = sum(not store.saw_commit(c) for c in walk.commit_ids)
            if finished and tips is not None:
                store.record_walk(
                    walk_key,
                    tips,
                    commits=walk.commits,
                    symlinks=walk.symlinks,
                    excluded=walk.excluded,
                    firsts=[_row(b) for b in walk.firsts],
                    elsewhere=[_row(b) for b in walk.again],
                    incremental=previous is not None,
                )
            store.close(walk.commit_ids if finished else ())
            report.cache = store.stats
    report.stats.excluded += len(walk.excluded)
    report.stats.symlinks += walk.symlinks
    report.git = replace(report.git, commits=walk.commits) if report.git else None
    report.elapsed = time.perf_counter() - started
    return report


def _row(blob: HistoryBlob) -> WalkRow:
    return (blob.oid, blob.path, blob.commit, blob.date, blob.order)


# More ref tips than this are not recorded: the next run walks everything again rather than
# pass them all on git's command line.
_MAX_TIPS = 2000


def _tips(repo: Repository) -> Optional[list[str]]:
    """The commits every ref (and HEAD) points at, or None when there are too many."""
    code, out = run_git(repo.root, "rev-list", "--no-walk", "--all", ok=(0, 128))
    if code != 0:
        return None
    tips = sorted(set(_text(out).split()))
    return tips if len(tips) <= _MAX_TIPS else None


def _all_reachable(repo: Repository, tips: Sequence[str]) -> bool:
    """True when every commit in `tips` (and so all their history) is still reachable from
    the refs: no branch was deleted or rewritten since they were recorded."""
    if not tips or any(not re.fullmatch(r"[0-9a-f]{40,64}", t) for t in tips):
        return False
    code, out = run_git(repo.root, "rev-list", "--count", *tips, "--not", "--all", ok=(0, 128))
    return code == 0 and _text(out) == "0"


def collect_history(
    stream: BlobStream[HistoryBlob],
    report: ScanReport,
    walk: LogProgress,
    paths: RepoPaths,
    config: Config,
    options: ScanOptions,
    progress: Optional[ProgressCallback],
    shard: Shard = WHOLE,
    cache: Optional[HistoryCache] = None,
) -> None:
    # (path, fingerprint) -> (commit order, finding, its FileResult): the earliest wins.
    best: dict[tuple[str, str], tuple[int, Finding, FileResult]] = {}
    kept: list[tuple[int, FileResult]] = []  # with the position of their commit
    done = nbytes = 0
    engine = None  # built with the first blob: a run answered from a cache needs none

    def take(blob: HistoryBlob, result: FileResult) -> None:
        history: tuple[tuple[str, str], ...] = (("commit", blob.commit), ("author_date", blob.date))
        if not shard.whole:
            history += (("walk_order", str(blob.order)),)
        contributed = False
        for finding in result.findings:
            ident = (blob.path, finding.fingerprint)
            old = best.get(ident)
            if old is None or blob.order < old[0]:
                dated = replace(finding, properties=finding.properties + history)
                best[ident] = (blob.order, dated, result)
                contributed = True
        result.findings = []
        if contributed or result.error or result.suppressed:
            kept.append((blob.order, result))
        elif result.skipped == "binary":
            report.binary_uncounted += 1
        else:
            report.clean_uncounted += 1

    for blob, data in stream:
        done += 1
        nbytes += len(data) if data else 0
        if progress is not None:
            progress(done, nbytes, walk.total, None)
        # The engine's cheap first look, without building a FileResult for the many blobs
        # that fail it. Compressed and archived blobs always go to scan_bytes.
        if data is not None and packing_of(blob.path, data) is None:
            if engine is None:
                engine = engine_for(config, options)
            verdict = engine.is_clean(data, findings_only=True)
            if verdict is not None:
                report.add(verdict)
                if cache is not None:
                    cache.put(blob.oid, blob.path, verdict)
                continue
        if data is not None:
            walk.with_markers.add(blob.oid)
        result = scan_history_blob(blob, data, paths, config, options)
        if cache is not None and data is not None:
            cache.put(blob.oid, blob.path, result)
        take(blob, result)
    if cache is not None:
        cache.stats.scanned = done
        cache.stats.reused = len(walk.cached)
        if progress is not None and walk.cached:
            progress(done + len(walk.cached), nbytes, walk.total, None)
    for blob, hit in walk.cached:
        if isinstance(hit, str):
            report.add(hit)
        else:
            take(blob, hit)
    walk.cached.clear()
    for _order, finding, result in best.values():
        result.findings.append(finding)
    # In walk order whether scanned now or taken from a cache, so reports are the same.
    kept.sort(key=lambda item: (item[0], item[1].path))
    for _order, result in kept:
        if result.findings or result.error or result.suppressed:
            result.findings.sort(key=lambda f: (f.line, f.column))
            report.files.append(result)
        elif result.skipped == "binary":
            report.binary_uncounted += 1
        else:
            report.clean_uncounted += 1
