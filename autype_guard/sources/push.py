"""Push-time scans: the commits a push brings, on the server (pre-receive) or the client
(pre-push), never the work tree.

- `parse_pre_receive` / `parse_pre_push`: the ref updates git hands a hook on stdin.
- `scan_pushed`: the blobs the commits reachable from `include` and not from `exclude`
  introduced (the history scan's machinery in `sources.git`: one `git log --raw` over the
  range, one `git cat-file --batch`); each finding carries its commit.
- `pre_receive_range` / `pre_push_range`: which commits a push brings.
- `config_at` / `files_at` / `config_from`: a repository's config (and any file) at a
  revision, read from git objects, never from the pushed commits or a work tree.
- `server_settings`: the admin's `autype-guard.*` settings from the server repository's
  git config.

Never prints, never writes into the repository. Trouble with git raises `GitError`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .. import gitrun
from ..config import CONFIG_FILE, PYPROJECT, Config, ConfigError, parse_config, toml_parser
from ..engine import ScanOptions
from ..model import ScanReport
from ..progress import ProgressCallback
from .git import (
    HISTORY_LOG,
    BlobStream,
    GitError,
    HistoryBlob,
    LogProgress,
    RepoPaths,
    Repository,
    blob_oid,
    collect_history,
    describe,
    history_requests,
    is_file_mode,
    run_git,
    scan_history_blob,
    start_git,
)

_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_ZERO = re.compile(r"0+")
_DEFAULTS = ScanOptions()
# A config read from git is as bounded as one read from disk.
_MAX_CONFIG_BYTES = 1 << 20


def is_zero(oid: str) -> bool:
    """True for git's all-zero object id (a ref that is created or deleted)."""
    return _ZERO.fullmatch(oid) is not None


@dataclass(frozen=True)
class RefUpdate:
    """One ref a push updates: `old` and `new` are object ids (all zeros: none)."""

    old: str
    new: str
    ref: str

    @property
    def deleted(self) -> bool:
        return is_zero(self.new)

    @property
    def created(self) -> bool:
        return is_zero(self.old)


def _fields(data: bytes, count: int, what: str) -> Iterable[list[str]]:
    for number, raw in enumerate(data.decode("utf-8", "surrogateescape").splitlines(), 1):
        if not raw.strip():
            continue
        fields = raw.split()
        if len(fields) != count:
            raise GitError(f"{what} line {number}: expected {count} fields, got {len(fields)}")
        yield fields


def _checked(oid: str, what: str) -> str:
    if not _OID.fullmatch(oid):
        raise GitError(f"{what}: {oid[:80]!r} is not an object id")
    return oid


def parse_pre_receive(data: bytes) -> list[RefUpdate]:
    """`<old> <new> <ref>` lines, as git gives a pre-receive hook."""
    return [
        RefUpdate(_checked(old, "pre-receive input"), _checked(new, "pre-receive input"), ref)
        for old, new, ref in _fields(data, 3, "pre-receive input")
    ]


def parse_pre_push(data: bytes) -> list[RefUpdate]:
    """`<local ref> <local sha> <remote ref> <remote sha>` lines, as git gives a pre-push
    hook: the remote's side is the old value, the local commit the new one."""
    return [
        RefUpdate(_checked(remote, "pre-push input"), _checked(local, "pre-push input"), ref)
        for _local_ref, local, ref, remote in _fields(data, 4, "pre-push input")
    ]


def hook_repository(path: Path) -> Repository:
    """The repository a server-side hook runs in (git starts it in the git directory, bare
    or not), as a bare repository: a push is read from git objects, never a work tree."""
    try:
        _, out = run_git(path, "rev-parse", "--absolute-git-dir")
    except GitError as exc:
        if "not a git repository" in str(exc):
            raise GitError(f"not a git repository: {path.resolve()}") from None
        raise
    return Repository(Path(out.decode("utf-8", "surrogateescape").strip()), bare=True)


# --- which commits a push brings ------------------------------------------------------------


@dataclass(frozen=True)
class PushRange:
    """Commits reachable from `include` and from none of `exclude` (revision arguments).

    `refs`: (object id, ref) pairs naming what the push sets each ref to: a ref (a tag) that
    points at a blob or a tree rather than a commit has that content scanned directly,
    the ref's name standing for the blob's path."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]
    refs: tuple[tuple[str, str], ...] = ()


def pre_receive_range(updates: Iterable[RefUpdate]) -> PushRange:
    """On the server, before the refs move: commits no existing ref reaches. A deleted ref
    brings nothing; a ref moved to commits the repository has already brings nothing."""
    updates = [u for u in updates if not u.deleted]
    include = tuple(dict.fromkeys(u.new for u in updates))
    return PushRange(include, ("--all",), tuple((u.new, u.ref) for u in updates))


def _existing_commits(repo: Repository, oids: Sequence[str]) -> set[str]:
    """Those of `oids` that name objects this repository has (peeled to commits)."""
    found = set()
    for oid in oids:
        code, _ = run_git(
            repo.root, "rev-parse", "--verify", "--quiet", f"{oid}^{{commit}}", ok=(0, 1)
        )
        if code == 0:
            found.add(oid)
    return found


def pre_push_range(
    repo: Repository, updates: Iterable[RefUpdate], remote: Optional[str] = None
) -> PushRange:
    """On the client: commits the remote does not have as far as this clone knows: not
    reachable from the remote's old value of each ref (when this clone has it) nor from any
    remote-tracking ref of `remote` (all remotes when None)."""
    updates = [u for u in updates if not u.deleted]
    include = tuple(dict.fromkeys(u.new for u in updates))
    olds = [u.old for u in updates if not u.created]
    known = _existing_commits(repo, olds)
    remotes = f"--remotes={remote}" if remote else "--remotes"
    return PushRange(include, (*(o for o in olds if o in known), remotes))


def refs_reaching(repo: Repository, commit: str, updates: Sequence[RefUpdate]) -> list[str]:
    """The refs of `updates` whose new value reaches `commit` (all of them when only one)."""
    if len(updates) <= 1 or not commit:
        return [u.ref for u in updates]
    reaching = []
    for update in updates:
        code, _ = run_git(repo.root, "merge-base", "--is-ancestor", commit, update.new, ok=(0, 1))
        if code == 0:
            reaching.append(update.ref)
    return reaching or [u.ref for u in updates]


# --- scanning them --------------------------------------------------------------------------


def scan_pushed(
    repo: Repository,
    commits: PushRange,
    config: Config,
    options: ScanOptions = _DEFAULTS,
    *,
    mode: str = "push",
    specs: Sequence[str] = (),
    progress: Optional[ProgressCallback] = None,
) -> ScanReport:
    """Scan the blobs the commits in `commits` introduced, like `--history` over that range:
    each finding carries its commit and author date; one key at one path is one finding,
    attributed to the earliest pushed commit that added it. `specs` (git pathspecs) limit
    the commits' paths."""
    started = time.perf_counter()
    report = ScanReport(git=describe(repo, mode))
    paths = RepoPaths(repo, config)
    include, direct = _targets(repo, commits)
    if direct:
        for blob, data in BlobStream(repo.root, direct, blob_oid):
            report.add(scan_history_blob(blob, data, paths, config, options))
    if not include:
        report.elapsed = time.perf_counter() - started
        return report
    args = ["log", *include, "--not", *commits.exclude, *HISTORY_LOG, "--", *specs]
    walk = LogProgress()
    with tempfile.TemporaryFile() as log_err:
        log = start_git(repo.root, *args, stderr=log_err)
        assert log.stdout is not None
        try:
            stream = BlobStream(
                repo.root, history_requests(log.stdout, paths, walk), blob_oid, on_abort=log.kill
            )
            collect_history(stream, report, walk, paths, config, options, progress)
            if log.wait() != 0:
                log_err.seek(0)
                raise GitError(f"git log failed: {gitrun.message(log_err.read())}")
        finally:
            if log.poll() is None:
                log.kill()
                log.wait()
            log.stdout.close()
    report.stats.excluded += len(walk.excluded)
    report.stats.symlinks += walk.symlinks
    report.git = replace(report.git, commits=walk.commits) if report.git else None
    report.elapsed = time.perf_counter() - started
    return report


def _targets(repo: Repository, commits: PushRange) -> tuple[list[str], list[HistoryBlob]]:
    """The commits to walk, and the blobs to scan directly: what a ref set to a blob or a
    tree (through any tags) holds."""
    refs = dict(commits.refs)
    include: list[str] = []
    direct: list[HistoryBlob] = []
    for oid in commits.include:
        ref = refs.get(oid)
        if ref is None:
            include.append(oid)
            continue
        _, out = run_git(repo.root, "cat-file", "-t", f"{oid}^{{}}", ok=(0, 1, 128))
        kind = out.strip()
        if kind not in (b"blob", b"tree"):
            include.append(oid)  # a commit (or what git log will name as wrong)
            continue
        _, out = run_git(repo.root, "rev-parse", "--verify", f"{oid}^{{}}")
        peeled = out.decode("ascii", "replace").strip()
        if kind == b"blob":
            direct.append(HistoryBlob(peeled, ref))
        else:
            _, listing = run_git(repo.root, "ls-tree", "-r", "-z", "--full-tree", peeled)
            for entry in listing.split(b"\0"):
                head, _, path = entry.partition(b"\t")
                fields = head.decode("ascii", "replace").split()
                if len(fields) == 3 and fields[1] == "blob" and is_file_mode(fields[0]):
                    direct.append(HistoryBlob(fields[2], f"{ref}:{os.fsdecode(path)}"))
    return include, direct


# --- what a revision says -------------------------------------------------------------------


def read_at(repo: Repository, rev: str, path: str) -> Optional[bytes]:
    """The content of `path` at commit `rev` (a regular file), or None when it has none."""
    return files_at(repo, (rev,), (path,)).get((rev, path))


def files_at(
    repo: Repository, revs: Iterable[str], names: Sequence[str]
) -> dict[tuple[str, str], bytes]:
    """The content of each of `names` (paths from the top) at each commit of `revs`, read
    by one `git cat-file --batch`: {(rev, name): content}, without what is not a file."""
    requests = [(rev, name) for rev in dict.fromkeys(revs) for name in names]
    if not requests:
        return {}
    found = {}
    for request, data in BlobStream(repo.root, requests, _spec):
        if data is not None:
            found[request] = data
    return found


def _spec(request: tuple[str, str]) -> str:
    return f"{request[0]}:{request[1]}"


def default_tip(repo: Repository) -> Optional[str]:
    """The commit the repository's HEAD (its default branch) points at; None when unborn."""
    code, out = run_git(repo.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok=(0, 1))
    text = out.decode("ascii", "replace").strip()
    return text if code == 0 and text else None


CONFIG_NAMES = (CONFIG_FILE, PYPROJECT)


def config_at(repo: Repository, rev: Optional[str], codes: Collection[str] = ()) -> Config:
    """The config at the top of commit `rev` (`.autype-guard.toml`, else pyproject.toml's
    `[tool.autype-guard]`); the defaults when there is none or `rev` is None. Raises
    ConfigError for a config that is there but invalid."""
    if rev is None:
        return Config(root=Path(repo.root))
    files = files_at(repo, (rev,), CONFIG_NAMES)
    return config_from({name: files[(r, name)] for r, name in files}, repo, rev, codes)


def config_from(
    files: Mapping[str, bytes], repo: Repository, rev: str, codes: Collection[str] = ()
) -> Config:
    """The config that `files` (name -> content, as `files_at` read them at commit `rev`)
    hold; see `config_at`."""
    root = Path(repo.root)
    for name in CONFIG_NAMES:
        raw = files.get(name)
        if raw is None:
            continue
        where = Path(f"{rev[:12]}:{name}")
        if len(raw) > _MAX_CONFIG_BYTES:
            raise ConfigError(f"{where}: config is larger than {_MAX_CONFIG_BYTES} bytes")
        tomllib = toml_parser()
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: config is not valid UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: invalid TOML: {exc}") from None
        table = data
        if name == PYPROJECT:
            tool = data.get("tool")
            if not isinstance(tool, dict) or "autype-guard" not in tool:
                continue
            table = tool["autype-guard"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [tool.autype-guard] must be a table")
        return replace(parse_config(table, root=root, codes=codes), source=where)
    return Config(root=root)


# --- the server's own settings --------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    """`autype-guard.*` in the server repository's git config (never from a push)."""

    timeout: Optional[float] = None  # seconds; None: no limit
    fail_open: bool = False  # on a timeout, let the push through
    allow_skip: bool = False  # honour the push option autype-guard.skip
    log_file: Optional[str] = None
    inline_ignore: bool = True  # honour `autype-guard: ignore` comments in pushed content


def _config_value(repo: Repository, name: str, kind: Optional[str] = None) -> Optional[str]:
    args = ["config", *([f"--type={kind}"] if kind else []), "--get", name]
    code, out = run_git(repo.root, *args, ok=(0, 1))
    text = out.decode("utf-8", "surrogateescape").strip()
    return text if code == 0 and text else None


def server_settings(repo: Repository) -> ServerSettings:
    """Read the admin's settings; raise GitError for a value git or this reader rejects."""
    try:
        timeout_text = _config_value(repo, "autype-guard.timeout")
        fail_open = _config_value(repo, "autype-guard.failOpen", "bool") == "true"
        allow_skip = _config_value(repo, "autype-guard.allowSkip", "bool") == "true"
        inline_ignore = _config_value(repo, "autype-guard.inlineIgnore", "bool") != "false"
    except GitError as exc:
        raise GitError(f"bad autype-guard setting in the server's git config: {exc}") from None
    timeout = None
    if timeout_text is not None:
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = -1.0
        if not timeout > 0 or timeout != timeout or timeout == float("inf"):
            raise GitError(
                f"autype-guard.timeout must be a number of seconds above 0, got {timeout_text!r}"
            )
    return ServerSettings(
        timeout=timeout,
        fail_open=fail_open,
        allow_skip=allow_skip,
        log_file=_config_value(repo, "autype-guard.logFile", "path"),
        inline_ignore=inline_ignore,
    )
