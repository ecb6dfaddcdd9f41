"""The cache of an incremental history audit (`scan --history --cache FILE`).

An SQLite database (the standard library's `sqlite3`) holding what earlier runs learned:
the commits they walked and, per blob scanned at a path, its verdict (`clean`, `binary`)
or its `FileResult` as JSON. The next run still walks the whole log (so attribution to the
earliest commit, deleted refs and rewritten history stay exactly right) but reads and scans
only the blobs the cache does not know.

NOTE: the cache never holds a key. A FileResult's findings carry a masked preview, masked
snippets and a fingerprint only; `scan --show-secrets` and `--verify` (which need the raw
keys) cannot use a cache. A file that is not a sound cache of this format (corrupt, another
program's database, a newer layout) is never trusted: it is rebuilt and the run says so.
The scanner version and a hash of the effective configuration are stored with the results;
when either differs, every earlier result is dropped and everything is scanned again.

Concurrent runs on one file are safe: WAL journal, a busy timeout, writes in short
`BEGIN IMMEDIATE` transactions that first check the file still belongs to this version and
configuration (a run with another configuration may have reset it meanwhile).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Optional, Union

from ..config import Config
from ..engine import ScanOptions
from ..model import (
    Applicability,
    CacheStats,
    Edit,
    EditKind,
    EditSite,
    FileKind,
    FileResult,
    Finding,
    Fix,
    Position,
    RelatedLocation,
    Severity,
    Span,
    UnusedSuppression,
)
from ..version import __version__

try:
    import sqlite3
except ImportError:  # a Python built without it: only --cache needs it
    sqlite3 = None  # type: ignore[assignment]

FORMAT = "autype-guard-history-cache/1"
# Seconds a run waits for another run's write transaction before giving up on a write.
BUSY_TIMEOUT = 30.0
# Rows written per transaction: progress survives an interrupted run, locks stay short.
_BATCH = 2000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS blobs (oid TEXT NOT NULL, path TEXT NOT NULL,"
    " verdict TEXT NOT NULL, result TEXT, PRIMARY KEY (oid, path)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS commits (sha TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS walk (oid TEXT NOT NULL, path TEXT NOT NULL, sha TEXT NOT NULL,"
    " date TEXT NOT NULL, ord INTEGER NOT NULL, first INTEGER NOT NULL,"
    " PRIMARY KEY (oid, path)) WITHOUT ROWID",
)
_TABLES = frozenset(("meta", "blobs", "commits", "walk"))
# A blob's appearance in the walk: object id, path, commit, author date, commit position.
WalkRow = tuple[str, str, str, str, int]


@dataclass(frozen=True)
class PreviousWalk:
    """What the last complete walk recorded (see `HistoryCache.previous_walk`)."""

    tips: tuple[str, ...]  # the commits the refs pointed at
    commits: int
    symlinks: int
    excluded: tuple[str, ...]
    firsts: list[WalkRow]  # each blob's first appearance, in walk order
    elsewhere: list[WalkRow]  # later appearances elsewhere of blobs that passed the prefilter


CLEAN, BINARY, RESULT = "clean", "binary", "result"
Cached = Union[str, FileResult]  # a verdict (CLEAN or BINARY) or the blob's FileResult


class _Foreign(Exception):
    """The file is an SQLite database, but not a cache of this format."""


def settings_hash(config: Config, options: ScanOptions, config_prefix: str) -> str:
    """A hash of everything that decides a blob's findings: the configuration (with the
    config root as a path inside the repository, so clones at other places share a cache)
    and the scan options that change findings."""
    material = {
        name: _canonical(value)
        for name, value in ((f.name, getattr(config, f.name)) for f in fields(config))
        if name not in ("root", "source")
    }
    material["config_root_in_repository"] = config_prefix
    material["options"] = {
        "show_placeholders": options.show_placeholders,
        "inline_ignore": options.inline_ignore,
        "chunk_size": options.chunk_size,
        "chunk_overlap": options.chunk_overlap,
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _canonical(value: Any) -> Any:
    """`value` as JSON data, independent of set order (string hashes differ per process)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (frozenset, set)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


class HistoryCache:
    """An open cache file. Reads happen once, at `open`; `put` buffers rows, `flush` and
    `close` write them. Never raises for a bad file (it is rebuilt); raises `CacheError`
    only when the file cannot be created or opened at all."""

    def __init__(self, path: Path, key: str) -> None:
        if sqlite3 is None:
            raise CacheError("--cache needs Python's sqlite3 module, which this Python lacks")
        self.path = path
        self.key = key
        self.stats = CacheStats(str(path))
        self._known: dict[str, str] = {}  # "oid\0path" -> verdict, or result JSON text
        self._commits: set[str] = set()
        self._pending: list[tuple[str, str, str, Optional[str]]] = []
        self._walk_read: Optional[tuple[Optional[str], Optional[str]]] = None
        self._connection = self._connect()

    # --- opening -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = self._open_checked()
        except sqlite3.OperationalError as exc:
            # NOTE: busy, locked, read-only or an I/O error is not a broken file: never
            # delete it then. Missing columns or tables are a foreign layout: rebuild.
            if not str(exc).startswith(("no such column", "no such table")):
                raise CacheError(f"cannot use the history cache {self.path}: {exc}") from None
            connection = self._rebuild(exc)
        except (sqlite3.DatabaseError, _Foreign) as exc:
            connection = self._rebuild(exc)
        return connection

    def _rebuild(self, exc: BaseException) -> sqlite3.Connection:
        """Replace a file that is not a sound cache by an empty one (with a warning)."""
        self.stats.warning = f"{self.path} is not a usable history cache ({_reason(exc)}): rebuilt"
        self._remove()
        try:
            return self._open_checked()
        except (sqlite3.Error, _Foreign) as again:
            raise CacheError(f"cannot create the history cache {self.path}: {again}") from None

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(self.path) + suffix)

    def _open_checked(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the history cache {self.path}: {exc}") from None
        # NOTE: switching a new file to WAL can meet a concurrent run creating it and fail at
        # once with "database is locked" (SQLite does not wait on its busy timeout there):
        # such an open is tried again until the busy timeout has passed.
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                connection = sqlite3.connect(
                    str(self.path),
                    timeout=BUSY_TIMEOUT,
                    isolation_level=None,
                    check_same_thread=False,
                )
            except sqlite3.OperationalError as exc:
                raise CacheError(f"cannot open the history cache {self.path}: {exc}") from None
            try:
                self._prepare(connection)
            except sqlite3.OperationalError as exc:
                connection.close()
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise
            except BaseException:
                connection.close()
                raise
            return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and not tables >= _TABLES - {"walk"}:
                raise _Foreign("it holds other tables")
            for statement in _SCHEMA:
                connection.execute(statement)
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
            if tables and meta.get("format") != FORMAT:
                raise _Foreign(f"format {meta.get('format')!r}")
            if meta.get("version") != __version__ or meta.get("settings") != self.key:
                if tables and meta:
                    self.stats.reset = (
                        "another scanner version"
                        if meta.get("version") != __version__
                        else "another configuration"
                    )
                connection.execute("DELETE FROM blobs")
                connection.execute("DELETE FROM commits")
                connection.execute("DELETE FROM walk")
                connection.execute("DELETE FROM meta WHERE key LIKE 'walk_%'")
                connection.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (("format", FORMAT), ("version", __version__), ("settings", self.key)),
                )
            else:
                for oid, path, verdict, result in connection.execute(
                    "SELECT oid, path, verdict, result FROM blobs"
                ):
                    if verdict in (CLEAN, BINARY):
                        self._known[f"{oid}\0{path}"] = verdict
                    elif verdict == RESULT and isinstance(result, str):
                        self._known[f"{oid}\0{path}"] = result
                self._commits = {row[0] for row in connection.execute("SELECT sha FROM commits")}
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise

    # --- reading -----------------------------------------------------------------------

    def lookup(self, oid: str, path: str, display: str) -> Optional[Cached]:
        """What an earlier run learned of blob `oid` at `path` (a verdict or a fresh
        FileResult named `display`), or None when it must be scanned. A row that does not
        decode is not trusted: None."""
        known = self._known.get(f"{oid}\0{path}")
        if known is None or known in (CLEAN, BINARY):
            return known
        try:
            return _decode_result(json.loads(known), display)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def saw_commit(self, sha: str) -> bool:
        return sha in self._commits

    def previous_walk(self, key: str) -> Optional[PreviousWalk]:
        """The last complete walk made with the same `key` (revision range, pathspecs,
        shard, shallow boundary), or None. Never raises: a walk that does not read back is
        None (the run then walks everything)."""
        connection = self._connection
        try:
            connection.execute("BEGIN")
            try:
                meta = dict(
                    connection.execute("SELECT key, value FROM meta WHERE key LIKE 'walk_%'")
                )
                if meta.get("walk_key") != key:
                    return None
                rows = connection.execute(
                    "SELECT oid, path, sha, date, ord, first FROM walk ORDER BY ord"
                ).fetchall()
            finally:
                connection.execute("COMMIT")
            firsts: list[WalkRow] = []
            elsewhere: list[WalkRow] = []
            for oid, path, sha, date, order, first in rows:
                row = (str(oid), str(path), str(sha), str(date), int(order))
                (firsts if first else elsewhere).append(row)
            walk = PreviousWalk(
                tips=tuple(str(t) for t in json.loads(meta["walk_tips"])),
                commits=int(meta["walk_commits"]),
                symlinks=int(meta["walk_symlinks"]),
                excluded=tuple(str(p) for p in json.loads(meta["walk_excluded"])),
                firsts=firsts,
                elsewhere=elsewhere,
            )
        except (sqlite3.Error, ValueError, TypeError, KeyError):
            return None
        self._walk_read = (key, meta.get("walk_tips"))
        return walk

    def record_walk(
        self,
        key: str,
        tips: Iterable[str],
        commits: int,
        symlinks: int,
        excluded: Iterable[str],
        firsts: Iterable[WalkRow],
        elsewhere: Iterable[WalkRow],
        incremental: bool,
    ) -> None:
        """Record a complete walk for the next run: with `incremental`, `firsts` are added to
        the walk read by `previous_walk` (unless another run recorded a walk since: then
        nothing is recorded); else they replace it. `elsewhere` always replaces."""
        meta = {
            "walk_key": key,
            "walk_tips": json.dumps(sorted(tips)),
            "walk_commits": str(commits),
            "walk_symlinks": str(symlinks),
            "walk_excluded": json.dumps(sorted(excluded), ensure_ascii=False),
        }
        first_rows = [(*row, 1) for row in firsts]
        other_rows = [(*row, 0) for row in elsewhere]

        def write(connection: sqlite3.Connection) -> None:
            if incremental:
                now = dict(
                    connection.execute("SELECT key, value FROM meta WHERE key LIKE 'walk_%'")
                )
                if self._walk_read != (now.get("walk_key"), now.get("walk_tips")):
                    return
            else:
                connection.execute("DELETE FROM walk")
            connection.execute("DELETE FROM walk WHERE first = 0")
            connection.executemany(
                "INSERT OR REPLACE INTO walk (oid, path, sha, date, ord, first)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                first_rows + other_rows,
            )
            connection.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items()
            )

        self._write(write)

    # --- writing -----------------------------------------------------------------------

    def put(self, oid: str, path: str, outcome: Cached) -> None:
        """Remember what scanning blob `oid` at `path` gave (before history properties are
        added). Results with an error are not kept: they are tried again next time."""
        if isinstance(outcome, str):
            self._pending.append((oid, path, outcome, None))
        elif outcome.error is None:
            text = json.dumps(_encode_result(outcome), ensure_ascii=False, separators=(",", ":"))
            self._pending.append((oid, path, RESULT, text))
        if len(self._pending) >= _BATCH:
            self.flush()

    def flush(self, commits: Iterable[str] = ()) -> None:
        """Write buffered rows (and `commits` walked) in one transaction; a write that
        cannot get the lock in time, or a file reset meanwhile for another version or
        configuration, drops them (the next run scans those blobs again)."""
        rows, self._pending = self._pending, []
        commit_rows = [(sha,) for sha in commits]
        if not rows and not commit_rows:
            return

        def write(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "INSERT OR REPLACE INTO blobs (oid, path, verdict, result) VALUES (?, ?, ?, ?)",
                rows,
            )
            connection.executemany("INSERT OR IGNORE INTO commits (sha) VALUES (?)", commit_rows)

        self._write(write)

    def _write(self, write: Callable[[sqlite3.Connection], None]) -> None:
        """Run `write` in one transaction if the file still belongs to this version and
        configuration; a failure to write is a warning, never an exception."""
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("version") == __version__ and meta.get("settings") == self.key:
                    write(connection)
                connection.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            if self.stats.warning is None:
                self.stats.warning = f"could not write to the history cache {self.path}: {exc}"

    def close(self, commits: Iterable[str] = ()) -> None:
        try:
            self.flush(commits)
        finally:
            self._connection.close()


class CacheError(Exception):
    """The cache file cannot be created or opened (a directory, no permission)."""


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def open_cache(
    path: Path, config: Config, options: ScanOptions, config_prefix: str
) -> HistoryCache:
    """Open (or create) the cache at `path` for this configuration and these options."""
    return HistoryCache(path, settings_hash(config, options, config_prefix))


# --- FileResult <-> JSON ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _encode_result(result: FileResult) -> dict[str, Any]:
    data: dict[str, Any] = _plain(result)
    return data


def _span(data: Any) -> Span:
    return Span(Position(*data["start"].values()), Position(*data["end"].values()))


def _fix(data: Any) -> Optional[Fix]:
    if data is None:
        return None
    site = data["site"]
    return Fix(
        title=data["title"],
        applicability=Applicability(data["applicability"]),
        edits=tuple(Edit(e["start"], e["end"], e["content"]) for e in data["edits"]),
        replacement=data["replacement"],
        site=None
        if site is None
        else EditSite(
            site["start"],
            site["end"],
            EditKind(site["kind"]),
            tuple((a, b) for a, b in site["pieces"]),
            site["hint"],
        ),
    )


def _finding(data: Any, old: str, new: str) -> Finding:
    return Finding(
        code=data["code"],
        name=data["name"],
        message=data["message"],
        path=_renamed(data["path"], old, new),
        kind=FileKind(data["kind"]),
        span=_span(data["span"]),
        severity=Severity(data["severity"]),
        fingerprint=data["fingerprint"],
        preview=data["preview"],
        suggestion=data["suggestion"],
        snippet=data["snippet"],
        snippet_caret=(data["snippet_caret"][0], data["snippet_caret"][1]),
        fix=_fix(data["fix"]),
        encoding=data["encoding"],
        placeholder=bool(data["placeholder"]),
        related=tuple(
            RelatedLocation(_renamed(r["path"], old, new), r["line"], r["message"])
            for r in data["related"]
        ),
        properties=tuple((str(k), str(v)) for k, v in data["properties"]),
        has_key=bool(data["has_key"]),
        aliases=tuple(data["aliases"]),
        byte_offset=data["byte_offset"],
        byte_length=data["byte_length"],
    )


def _renamed(path: str, old: str, new: str) -> str:
    """A path of the cached result as this run names it (the working directory may differ)."""
    if old == new or not path.startswith(old):
        return path
    return new + path[len(old) :]


def _decode_result(data: Any, display: str) -> FileResult:
    old = data["path"]
    return FileResult(
        path=display,
        kind=FileKind(data["kind"]),
        findings=[_finding(f, old, display) for f in data["findings"]],
        notes=[str(n) for n in data["notes"]],
        error=data["error"],
        skipped=data["skipped"],
        size=int(data["size"]),
        suppressed=int(data["suppressed"]),
        baselined=int(data["baselined"]),
        unused_suppressions=[
            UnusedSuppression(u["line"], u["column"], tuple(u["codes"]), tuple(u["unknown"]))
            for u in data["unused_suppressions"]
        ],
        unscanned=[(_renamed(a, old, display), b) for a, b in data["unscanned"]],
    )
