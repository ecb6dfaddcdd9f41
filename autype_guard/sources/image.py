"""Container images: `docker save` archives and OCI image layouts, scanned layer by layer.

An image is a tar archive or a directory holding either `manifest.json` (what `docker save`
writes) or an OCI layout (`oci-layout`, `index.json`, `blobs/sha256/...`). `docker://NAME`
asks a `docker` or `podman` command line for the archive first.

- **Layers.** Every file of every layer is scanned once, files deleted or replaced by a
  later layer included: the layer still ships them. A finding is located as
  `image.tar!sha256:<layer digest>/usr/share/nginx/html/app.js`; the path inside the image
  decides kind and place (`exposure.place_of`: web server roots are browser-shipped). A
  layer whose content was scanned already in this run (images sharing a base) is not
  scanned again: when a manifest names a layer by a digest met before, both layers are
  hashed, and only equal bytes skip it (a manifest cannot hide a layer behind the digest
  of another). The same key at the same path in
  several layers of one image is one finding, naming the first layer that holds it. A
  finding in a file that a later layer deletes (a whiteout `.wh.NAME`, an opaque
  directory `.wh..wh..opq`) or replaces says so: the key is still in the image.
- **Config.** `Env`, `Labels`, `Cmd`, `Entrypoint` and each history entry's `created_by`
  (ENV, ARG and RUN lines with their build arguments) are rendered as `.env`-like lines and
  scanned as `image.tar!config` (AG103; AG201 for a public-prefixed variable).
- **Bounds.** Nothing is extracted to disk and no name is used as a path: names are labels.
  Links are never followed. Compressed layers (gzip; zstd with the optional `zstandard`
  package) decompress up to `LAYER_RATIO` times their size (at least `MAX_DECOMPRESSED`,
  at most `MAX_LAYER_BYTES`); what lies past a cap is listed as not scanned. Files larger
  than `ScanOptions.chunk_size` are scanned in windows (`chunks`); a sparse file's holes are
  not read. Packed files inside a layer (`.gz`, `.zip`, `.tar`...) are opened with the
  bounds of `archives`.

- **Reading.** An uncompressed layer that lies as it is in a regular file (a member of the
  archive, a blob of a layout) is listed from its headers (`tarindex`) and its files are
  read at their offsets (`members`), by worker processes when a `pool` is given and the
  layer is large; any other layer is read as a stream through `tarfile`.

Nothing here raises for a bad image: what could not be read is a `Skip` with `error` set or
an `unscanned` entry. `ImageError` is raised only for `docker://` references that cannot be
saved.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Optional, Protocol

from ..classify import classify
from ..config import Config
from ..engine import Engine, ScanOptions, engine_for
from ..globs import glob_set
from ..model import FileKind, FileResult, Finding, ScanReport, Skip
from ..shard import Shard
from .archives import MAX_ARCHIVE_TOTAL, MAX_DECOMPRESSED, packing_of
from .blobs import scan_blob
from .chunks import scan_chunked_at
from .layers import (
    GZIP_MAGIC,
    ZSTD_MAGIC,
    EntryReader,
    Forward,
    Layered,
    ReadAhead,
    Reader,
    Slice,
    Store,
    content_digest,
    normal_name,
    open_store,
    skip_bytes,
)
from .members import (
    Batch,
    Item,
    MemberScanner,
    Outcome,
    close_files,
    scan_batch,
    scan_item,
    size_text,
)
from .reading import open_regular
from .tarindex import Member, Unsupported, read_index

# A compressed layer decompresses to at most this many times its size (at least
# MAX_DECOMPRESSED, at most MAX_LAYER_BYTES): real layers stay far below; a bomb does not.
LAYER_RATIO = 100
MAX_LAYER_BYTES = 64 << 30
# Nested image indexes followed at most this deep.
MAX_INDEX_DEPTH = 4
# Seconds `docker save` may take.
SAVE_TIMEOUT = 900.0
DOCKER_PREFIX = "docker://"

# A digest as manifests write it.
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# Control characters in names would break one-line output: shown as `?`.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
# Finding properties set on findings in files a later layer removes.
LAYER_STATUS = "image_layer_status"  # "deleted" or "replaced"
REMOVED_BY = "image_removed_by"  # the digest of the layer that removed the file


class ImageError(Exception):
    """A `docker://` reference that could not be saved, with a one-line message."""


# --- where an image's files are: a tar archive or a directory ---------------------------


# --- what the manifests say ----------------------------------------------------------------


@dataclass
class _Layer:
    name: str  # the blob's name in the store
    digest: str  # as the manifest or config names it (a label; content is hashed)
    media_type: str = ""


@dataclass
class _Image:
    label: str  # `image.tar`, or `image.tar[nginx:1.25]` when the archive holds several
    config: Optional[str]  # the config blob's name in the store
    layers: list[_Layer] = field(default_factory=list)


def _json(store: Store, name: str) -> object:
    data = store.read(name)
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _blob(digest: object) -> Optional[str]:
    if isinstance(digest, str) and _DIGEST.fullmatch(digest):
        return "blobs/sha256/" + digest[len("sha256:") :]
    return None


def _images(store: Store, display: str, notes: list[str]) -> list[_Image]:
    manifest = _json(store, "manifest.json")
    found: list[_Image] = []
    if isinstance(manifest, list):
        for entry in manifest:
            if not isinstance(entry, dict):
                continue
            config = entry.get("Config")
            layers = entry.get("Layers")
            if not isinstance(layers, list):
                continue
            tags = entry.get("RepoTags")
            tag = tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else ""
            image = _Image(tag, config if isinstance(config, str) else None)
            diff_ids = _diff_ids(store, image.config)
            for i, name in enumerate(layers):
                if isinstance(name, str):
                    image.layers.append(_Layer(name, _layer_digest(name, diff_ids, i)))
            found.append(image)
    elif store.read("index.json") is not None:
        _index(store, "index.json", found, notes, 0)
    else:
        notes.append("manifest.json is not a list of images")
    for n, image in enumerate(found):
        if len(found) == 1:
            image.label = display
        else:
            image.label = f"{display}[{_label(image.label) or n + 1}]"
    return found


def _index(store: Store, name: str, found: list[_Image], notes: list[str], depth: int) -> None:
    index = _json(store, name)
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        notes.append(f"{name} is not an image index")
        return
    for desc in index["manifests"]:
        if not isinstance(desc, dict):
            continue
        blob = _blob(desc.get("digest"))
        media = desc.get("mediaType", "")
        if blob is None:
            continue
        if media in _INDEX_TYPES:
            if depth < MAX_INDEX_DEPTH:
                _index(store, blob, found, notes, depth + 1)
            continue
        manifest = _json(store, blob)
        if not isinstance(manifest, dict):
            # A multi-platform index often lists platforms whose blobs were not saved.
            notes.append(f"manifest {desc.get('digest')} is not in the image: skipped")
            continue
        if manifest.get("mediaType") in _INDEX_TYPES or "manifests" in manifest:
            if depth < MAX_INDEX_DEPTH:
                _index(store, blob, found, notes, depth + 1)
            continue
        annotations = desc.get("annotations")
        tag = ""
        if isinstance(annotations, dict):
            ref = annotations.get("org.opencontainers.image.ref.name")
            tag = ref if isinstance(ref, str) else ""
        config = manifest.get("config")
        image = _Image(tag, _blob(config.get("digest")) if isinstance(config, dict) else None)
        layers = manifest.get("layers")
        for layer in layers if isinstance(layers, list) else []:
            if not isinstance(layer, dict):
                continue
            lblob = _blob(layer.get("digest"))
            if lblob is not None:
                media_type = layer.get("mediaType")
                image.layers.append(
                    _Layer(
                        lblob,
                        str(layer["digest"]),
                        media_type if isinstance(media_type, str) else "",
                    )
                )
        found.append(image)


def _diff_ids(store: Store, config: Optional[str]) -> list[str]:
    doc = _json(store, config) if config else None
    rootfs = doc.get("rootfs") if isinstance(doc, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return [i if isinstance(i, str) else "" for i in ids] if isinstance(ids, list) else []


def _layer_digest(name: str, diff_ids: list[str], i: int) -> str:
    clean = normal_name(name) or name
    if clean.startswith("blobs/sha256/") and _DIGEST.fullmatch("sha256:" + clean[13:]):
        return "sha256:" + clean[13:]
    if i < len(diff_ids) and _DIGEST.fullmatch(diff_ids[i]):
        return diff_ids[i]
    return _label(clean)


def _entry_name(raw: str) -> str:
    """A layer entry's path as findings name it: `normal_name`, or for a name that climbs out
    (`..`) the name itself with its control characters shown (never written anywhere)."""
    name = normal_name(raw)
    return name if name is not None else _label(raw.replace("\\", "/").lstrip("/"))


def _is_whiteout(name: str, whiteouts: set[str], opaque: set[str]) -> bool:
    """True for a whiteout entry, recorded: `.wh..wh..opq` makes its directory opaque (what
    lower layers put there is gone), `.wh.NAME` deletes NAME."""
    base = posixpath.basename(name)
    if not base.startswith(WHITEOUT):
        return False
    parent = posixpath.dirname(name)
    if base == OPAQUE:
        opaque.add(parent)
    else:
        whiteouts.add(posixpath.join(parent, base[len(WHITEOUT) :]))
    return True


def _label(name: str) -> str:
    return _CONTROL.sub("?", name)


# --- scanning ------------------------------------------------------------------------------


@dataclass
class _LayerFiles:
    """What one layer holds, for telling which files later layers remove."""

    paths: frozenset[str] = frozenset()
    whiteouts: frozenset[str] = frozenset()
    opaque: frozenset[str] = frozenset()


@dataclass
class _Scanned:
    """A layer scanned in this run: where it is, what it holds and, once asked, the hash
    of its bytes."""

    store: Store
    name: str
    files: _LayerFiles
    digest: Optional[str] = None


@dataclass
class _Held:
    """A file's result with findings, kept until the image's last layer is read."""

    layer: int
    path: str  # of the file in the image
    prefix: int  # the length of `image!digest/` before the path in findings
    result: FileResult


class ImageScan:
    """One run over several images: layers already scanned (by content) are skipped."""

    def __init__(
        self,
        config: Config,
        options: ScanOptions,
        report: ScanReport,
        shard: Optional[Shard] = None,
        pool: Optional[Callable[[], Pool]] = None,
    ) -> None:
        self.engine: Engine = engine_for(config, options)
        # `--shard K/N`: the files whose path inside the image this share takes (every
        # layer's version of a path goes to one shard, so the first layer holding a key is
        # named as in a whole run), and the image config in the share that takes its name.
        self.shard = shard
        self.config = config
        self.report = report
        self.excludes = glob_set(config.excludes)
        # The layers scanned, by the digest their manifest gave them. A layer is skipped
        # only when the hash of its bytes equals a scanned one's (hashed then, not before:
        # most layers are never met twice), never for its name alone.
        self.claimed: dict[str, list[_Scanned]] = {}
        self.stores: list[Store] = []  # open until the run ends
        # Worker processes for large uncompressed layers: started at the first such layer.
        self.pool = pool
        self.workers: Optional[Pool] = None

    def scan(self, path: Path, display: str) -> None:
        store = open_store(path)
        if isinstance(store, str):
            self.report.skipped.append(Skip(display, store, error=True))
            return
        self.stores.append(store)
        notes: list[str] = []
        images = _images(store, display, notes)
        if not images:
            self.report.skipped.append(
                Skip(display, "no image in the manifest: nothing scanned", error=True)
            )
        for note in notes:
            self.report.stats.notes.append(f"{display}: {note}")
        for image in images:
            self._scan_image(store, image)

    def release(self) -> None:
        """Hash the layers scanned from the last image (its archive is about to go away),
        then close it."""
        if not self.stores:
            return
        store = self.stores.pop()
        for scanned in (s for group in self.claimed.values() for s in group):
            if scanned.store is store and scanned.digest is None:
                scanned.digest = content_digest(store, scanned.name)
        store.close()

    def close(self) -> None:
        for store in self.stores:
            store.close()
        self.stores.clear()
        if self.workers is not None:
            self.workers.close()
            self.workers = None
            close_files()  # opened here if the pool broke

    def _scan_image(self, store: Store, image: _Image) -> None:
        if image.config is not None:
            self._scan_config(store, image)
        held: list[_Held] = []
        listing: list[_LayerFiles] = []
        digests: list[str] = []
        for n, layer in enumerate(image.layers):
            files = self._layer(store, image, layer, n, held)
            listing.append(files)
            digests.append(layer.digest)
        self._settle(held, listing, digests)

    def _layer(
        self, store: Store, image: _Image, layer: _Layer, n: int, held: list[_Held]
    ) -> _LayerFiles:
        where = f"{image.label}!{layer.digest}"
        opened = store.open(layer.name)
        if opened is None:
            self.report.skipped.append(Skip(where, "layer is missing from the image", error=True))
            return _LayerFiles()
        raw, size = opened
        earlier = self.claimed.get(layer.digest, [])
        if earlier:
            # Recognised by content, not by the name: both are hashed before skipping.
            mine = content_digest(store, layer.name)
            for scanned in earlier:
                if scanned.digest is None:
                    scanned.digest = content_digest(scanned.store, scanned.name)
                if mine is not None and scanned.digest == mine:
                    raw.close()
                    return scanned.files
        files = _LayerFiles()
        with raw:
            if layer.media_type and "tar" not in layer.media_type:
                # Not a filesystem layer (an attestation, an artifact): scanned as content.
                data = raw.read(MAX_ARCHIVE_TOTAL + 1)
                if len(data) > MAX_ARCHIVE_TOTAL:
                    self.report.skipped.append(
                        Skip(where, f"larger than {MAX_ARCHIVE_TOTAL >> 20} MB: not scanned", True)
                    )
                else:
                    self.report.add(scan_blob(self.engine, data, where, where))
            else:
                plain = self._read_plain_layer(store, layer, where, n, held)
                files = plain or self._read_layer(store, layer, raw, size, where, n, held)
        self.claimed.setdefault(layer.digest, []).append(_Scanned(store, layer.name, files))
        return files

    def _read_plain_layer(
        self, store: Store, layer: _Layer, where: str, n: int, held: list[_Held]
    ) -> Optional[_LayerFiles]:
        """An uncompressed layer lying as it is in a regular file: its headers are read
        (`tarindex`), then its files at their offsets (`members`), in this process or by
        the pool. None when the layer is not such a layer, or not a tar `tarindex` reads
        (compressed, sparse members, no tar at all): nothing was scanned then."""
        located = store.locate(layer.name)
        if located is None:
            return None
        path, base, length = located
        try:
            fd, _ = open_regular(path)
        except OSError:
            return None
        try:
            scanner = MemberScanner(fd, base, self.engine)
            head = scanner.read_at(0, 4)
            if head[:2] == GZIP_MAGIC or head == ZSTD_MAGIC:
                return None
            try:
                index = read_index(scanner.read_at, length)
            except (Unsupported, OSError):
                return None
            files, items = self._listing(index.members, where)
            problem = index.problem
            broken = self._scan_items(scanner, path, base, items, where, n, held)
            if broken is not None:
                problem = broken
            if problem is not None:
                reason = f"layer is truncated or corrupt ({problem}): the rest not scanned"
                self.report.skipped.append(Skip(where, reason, error=True))
            return files
        finally:
            os.close(fd)

    def _listing(self, members: list[Member], where: str) -> tuple[_LayerFiles, list[Item]]:
        """What a layer holds, and the files of it to scan."""
        paths: set[str] = set()
        whiteouts: set[str] = set()
        opaque: set[str] = set()
        items: list[Item] = []
        # Whether a directory is excluded, once per directory: below one that is not, only
        # the file's own name and the path globs are left to test (`GlobSet.match_name`).
        excluded_dirs: dict[str, bool] = {}
        for member in members:
            name = _entry_name(member.name)
            if _is_whiteout(name, whiteouts, opaque):
                continue
            paths.add(name)
            if not member.isreg():
                continue  # directories, links, devices: nothing to read, never followed
            parent = posixpath.dirname(name)
            excluded = excluded_dirs.get(parent)
            if excluded is None:
                excluded = excluded_dirs[parent] = bool(parent) and self.excludes.match(parent)
            if excluded or self.excludes.match_name(name, posixpath.basename(name)):
                self.report.stats.excluded += 1
                continue
            if self.shard is not None and not self.shard.takes(name):
                continue
            items.append(Item(name, f"{where}/{name}", member.offset, member.size))
        return _LayerFiles(frozenset(paths), frozenset(whiteouts), frozenset(opaque)), items

    def _scan_items(
        self,
        scanner: MemberScanner,
        path: str,
        base: int,
        items: list[Item],
        where: str,
        n: int,
        held: list[_Held],
    ) -> Optional[str]:
        """Scan a layer's files in order; why the layer could not be read to its end, if
        it could not."""
        if self.pool is not None and _worth_a_pool(items):
            if self.workers is None:
                self.workers = self.pool()
            batches = _batches(path, base, items, self.config, self.engine.options)
            for outcome in self.workers.map(scan_batch, batches):
                self.report.clean_uncounted += outcome.clean
                self.report.binary_uncounted += outcome.binary
                for i, result in outcome.results:
                    self._keep(result, n, items[i].name, where, held)
                if outcome.broken is not None:
                    return outcome.broken[1]  # what later batches found is dropped, as here
            return None
        for item in items:
            try:
                scanned = scan_item(scanner, item)
            except OSError as exc:
                return str(exc) or type(exc).__name__
            if isinstance(scanned, str):
                self.report.add(scanned)
            else:
                self._keep(scanned, n, item.name, where, held)
        return None

    def _read_layer(
        self,
        store: Store,
        layer: _Layer,
        raw: Reader,
        size: int,
        where: str,
        n: int,
        held: list[_Held],
    ) -> _LayerFiles:
        cap = min(MAX_LAYER_BYTES, max(LAYER_RATIO * size, MAX_DECOMPRESSED))
        try:
            stream = Layered(raw, cap)
        except ImportError:
            reason = "zstd-compressed layer: install autype-guard[zstd] to scan it; not scanned"
            self.report.skipped.append(Skip(where, reason, error=True))
            return _LayerFiles()
        paths: set[str] = set()
        whiteouts: set[str] = set()
        opaque: set[str] = set()

        def reopen() -> Optional[Reader]:
            again = store.open(layer.name)
            if again is None:
                return None
            return Layered(again[0], None)

        entries = 0
        # Decompression runs in a thread (zlib and zstd release the GIL), ahead of the scan.
        ahead = ReadAhead(stream) if stream.packing != "tar" else None
        try:
            forward = Forward(ahead or stream)
            with tarfile.open(fileobj=forward, mode="r:") as archive:  # type: ignore[call-overload]
                while True:
                    info = archive.next()
                    if info is None:
                        break
                    archive.members.clear()  # memory stays flat however many files
                    entries += 1
                    name = _entry_name(info.name)
                    if _is_whiteout(name, whiteouts, opaque):
                        continue
                    paths.add(name)
                    if not info.isreg():
                        continue  # directories, links, devices: nothing to read, never followed
                    if self.excludes.match(name):
                        self.report.stats.excluded += 1
                        continue
                    if self.shard is not None and not self.shard.takes(name):
                        continue
                    try:
                        self._entry(archive, forward, info, name, where, n, held, reopen)
                    except (OSError, EOFError, zlib.error, tarfile.TarError):
                        raise  # the layer stream failed: see below
                    except Exception as exc:  # a defect scanning one file: the rest goes on
                        display = f"{where}/{name}"
                        error = f"internal error while scanning: {type(exc).__name__}: {exc}"
                        self.report.add(FileResult(display, classify(display), error=error))
        except zlib.error as exc:
            self.report.skipped.append(
                Skip(where, f"corrupt compressed layer ({exc}): the rest not scanned", True)
            )
        except Exception as exc:  # tarfile raises many kinds for bad input; none may escape
            if stream.capped:
                reason = (
                    f"layer decompresses to more than {_size(cap)} ({LAYER_RATIO} times its"
                    " compressed size): the rest not scanned"
                )
            elif entries:
                reason = f"layer is truncated or corrupt ({type(exc).__name__}: {exc})"
            else:
                reason = f"not a tar layer ({type(exc).__name__}: {exc}): not scanned"
            self.report.skipped.append(Skip(where, reason, error=True))
        finally:
            if ahead is not None:
                ahead.close()
        if stream.capped and not any(s.display == where for s in self.report.skipped):
            self.report.skipped.append(
                Skip(
                    where,
                    f"layer decompresses to more than {_size(cap)}: the rest not scanned",
                    True,
                )
            )
        return _LayerFiles(frozenset(paths), frozenset(whiteouts), frozenset(opaque))

    def _entry(
        self,
        archive: tarfile.TarFile,
        forward: Forward,
        info: tarfile.TarInfo,
        name: str,
        where: str,
        n: int,
        held: list[_Held],
        reopen: Callable[[], Optional[Reader]],
    ) -> None:
        display = f"{where}/{name}"
        engine = self.engine
        if info.sparse is not None:
            sparse = archive.extractfile(info)
            if sparse is None:
                return
            result = self._sparse(sparse, info, display, name)
            self._keep(result, n, name, where, held)
            return
        # A regular file's bytes follow its header: read straight from the layer stream
        # (tarfile goes on from the next header).
        forward.seek(info.offset_data)
        fh = Slice(forward, info.size)
        if info.size > engine.options.chunk_size:
            first = fh.read(2)
            if packing_of(name, first) is not None:
                # Compressed and archive files are opened whole, with the archive caps.
                if info.size > MAX_ARCHIVE_TOTAL:
                    reason = (
                        f"packed file larger than {_size(MAX_ARCHIVE_TOTAL)}"
                        f" ({_size(info.size)}): not scanned"
                    )
                    result = FileResult(display, FileKind.ARCHIVE, size=info.size)
                    result.unscanned.append((display, reason))
                else:
                    result = scan_blob(engine, first + fh.read(info.size - 2), display, name)
            else:
                offset = info.offset_data

                def again() -> Optional[Reader]:
                    stream = reopen()
                    if stream is None:
                        return None
                    skip_bytes(stream, offset)
                    return stream

                reader = EntryReader(fh, info.size, first, again)
                result = scan_chunked_at(reader.read_at, info.size, display, name, engine)
        else:
            data = fh.read(info.size)
            if len(data) < info.size:
                raise OSError("layer ends inside a file")
            if packing_of(name, data) is None:
                verdict = engine.is_clean(data)
                if verdict is not None:
                    self.report.add(verdict)
                    return
            result = scan_blob(engine, data, display, name)
        self._keep(result, n, name, where, held)

    def _keep(self, result: FileResult, n: int, name: str, where: str, held: list[_Held]) -> None:
        if result.findings:
            held.append(_Held(n, name, len(where) + 1, result))
        else:
            self.report.add(result)

    def _sparse(self, fh: IO[bytes], info: tarfile.TarInfo, display: str, name: str) -> FileResult:
        """A sparse file: only its data regions are read (its holes are zeros)."""
        parts = []
        total = 0
        cut = False
        regions: list[tuple[int, int]] = list(info.sparse or ())  # type: ignore[arg-type]
        for offset, length in regions:
            if length <= 0:
                continue
            take = min(length, MAX_ARCHIVE_TOTAL - total)
            if take < length:
                cut = True
            if take <= 0:
                break
            fh.seek(offset)
            parts.append(fh.read(take))
            total += take
        result = scan_blob(self.engine, b"".join(parts), display, name)
        if cut:
            result.unscanned.append(
                (
                    display,
                    f"sparse file with more than {_size(MAX_ARCHIVE_TOTAL)} of data:"
                    " the rest not scanned",
                )
            )
        result.notes.append(
            f"sparse file of {_size(info.size)}: its {_size(total)} of data scanned, holes"
            " skipped (positions are within the data)"
        )
        return result

    def _settle(self, held: list[_Held], listing: list[_LayerFiles], digests: list[str]) -> None:
        """Keep one finding per key and path (the first layer's) and tell which files a
        later layer removes; then add the results to the report."""
        first_layer: dict[tuple[str, str, str], int] = {}
        holders: dict[tuple[str, str], set[int]] = {}
        for item in held:
            for finding in item.result.findings:
                holders.setdefault((item.path, finding.fingerprint), set()).add(item.layer)
        for item in held:
            kept = []
            for finding in item.result.findings:
                key = (finding.path[item.prefix :], finding.code, finding.fingerprint)
                # Every occurrence in the first layer holding the key at this path is kept.
                if first_layer.setdefault(key, item.layer) != item.layer:
                    continue
                status = _removal(
                    item.path, holders[(item.path, finding.fingerprint)], item.layer, listing
                )
                if status is not None:
                    how, by = status
                    finding = _removed(finding, how, digests[by])
                kept.append(finding)
            item.result.findings = kept
            self.report.add(item.result)

    def _scan_config(self, store: Store, image: _Image) -> None:
        assert image.config is not None
        display = f"{image.label}!config"
        doc = _json(store, image.config)
        if not isinstance(doc, dict):
            self.report.skipped.append(
                Skip(display, "the image config is missing or not JSON: not scanned", True)
            )
            return
        if self.shard is not None and not self.shard.takes(_CONFIG_SHARD_NAME):
            return
        text = render_config(doc)
        result = self.engine.scan_plain(text.encode("utf-8"), display, "config", kind=FileKind.ENV)
        result.findings = [_image_advice(f) for f in result.findings]
        self.report.add(result)


def _removal(
    path: str, holders: set[int], first: int, listing: list[_LayerFiles]
) -> Optional[tuple[str, int]]:
    """How the file at `path` (holding the key in layers `holders`, first `first`) leaves the
    image's final filesystem, and which layer does it: None when it is still there."""
    ancestors = []
    parent = posixpath.dirname(path)
    while parent:
        ancestors.append(parent)
        parent = posixpath.dirname(parent)
    for j in range(len(listing) - 1, first, -1):
        files = listing[j]
        if path in files.paths:
            return None if j in holders else ("replaced", j)
        if path in files.whiteouts or any(
            a in files.whiteouts or a in files.opaque for a in ancestors
        ):
            return ("deleted", j)
        if "" in files.opaque and j > first:
            return ("deleted", j)
    return None


def _removed(finding: Finding, how: str, by: str) -> Finding:
    verb = "deleted" if how == "deleted" else "replaced"
    message = (
        f"{finding.message} (the file is {verb} by a later layer, {by}, but still in the image)"
    )
    suggestion = (
        "The layer that adds the file still ships it: rebuild the image so that no layer"
        f" holds the key (a multi-stage build, a build secret). {finding.suggestion}"
    )
    return replace(
        finding,
        message=message,
        suggestion=suggestion,
        properties=(*finding.properties, (LAYER_STATUS, how), (REMOVED_BY, by)),
    )


_BUILD_SECRET = (
    "Give the image the key at run time from a secret store, or during the build as a build"
    " secret (`RUN --mount=type=secret,id=autype_api_key`), never with ENV, LABEL or a build"
    " argument: the image's config and history keep those for everyone who can pull it."
)
_ROTATE = "Rotate the key in the Autype dashboard (Settings -> API Keys)."


def _image_advice(finding: Finding) -> Finding:
    if finding.code == "AG201":
        suggestion = f"{finding.suggestion} {_BUILD_SECRET}"
    else:
        suggestion = f"{_BUILD_SECRET} {_ROTATE}"
    fix = finding.fix
    if fix is not None:
        fix = replace(fix, title="Pass the key as a build secret or at run time")
    return replace(finding, suggestion=suggestion, fix=fix)


# RUN lines of the classic builder and BuildKit start with the build arguments in effect:
# `|2 A=1 B=2 /bin/sh -c ...`.
_BUILD_ARGS = re.compile(r"\|(\d+)\s+")
_NOP = re.compile(r"^/bin/sh\s+-c\s+#\(nop\)\s*")


def render_config(doc: dict[str, object]) -> str:
    """An image config as `.env`-like lines: environment, labels, command and each history
    entry (ENV and ARG assignments and a RUN's build arguments as `NAME=value`, other
    instructions as comments). Line breaks inside values become spaces."""
    lines: list[str] = []
    config = doc.get("config") or doc.get("Config")
    if isinstance(config, dict):
        env = config.get("Env")
        if isinstance(env, list):
            lines.append("# Env")
            lines.extend(_one_line(e) for e in env if isinstance(e, str))
        labels = config.get("Labels")
        if isinstance(labels, dict) and labels:
            lines.append("# Labels")
            lines.extend(f"{_one_line(str(k))}={_one_line(str(v))}" for k, v in labels.items())
        for key in ("Entrypoint", "Cmd"):
            value = config.get(key)
            if isinstance(value, (list, str)):
                lines.append(f"# {key}")
                lines.append(f"{key.upper()}={_one_line(json.dumps(value))}")
    history = doc.get("history")
    if isinstance(history, list):
        for i, entry in enumerate(history):
            if not isinstance(entry, dict) or not isinstance(entry.get("created_by"), str):
                continue
            lines.append(f"# history {i + 1}")
            lines.extend(_history_lines(entry["created_by"]))
    return "\n".join(lines) + "\n"


def _history_lines(created_by: str) -> list[str]:
    text = _one_line(_NOP.sub("", created_by.strip())).strip()
    word, _, rest = text.partition(" ")
    if word in ("ENV", "ARG"):
        return _assignments(rest, word == "ENV") or [f"# {text}"]
    if word == "RUN":
        text = rest.strip()
    m = _BUILD_ARGS.match(text)
    if m is None:
        return [f"# {text}"]
    words = _split(text[m.end() :])
    count = int(m.group(1))
    out = [w for w in words[:count] if "=" in w]
    return [*out, f"# RUN {' '.join(words[count:])}"]


def _assignments(text: str, env: bool) -> list[str]:
    words = _split(text)
    if env and len(words) >= 2 and "=" not in words[0]:  # the old `ENV NAME value` form
        return [f"{words[0]}={' '.join(words[1:])}"]
    return [w for w in words if "=" in w]


def _split(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


_size = size_text


class Pool(Protocol):
    """Worker processes that scan batches of a layer's files (`parallel.OrderedPool`)."""

    def map(
        self, fn: Callable[[Batch], Outcome], batches: Iterator[Batch]
    ) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


# A layer's files go to the pool only when there is enough of them to be worth it.
POOL_MIN_FILES = 64
POOL_MIN_BYTES = 16 << 20
# A batch holds up to this many files or bytes (a file larger than that goes alone).
BATCH_FILES = 256
BATCH_BYTES = 4 << 20


def _worth_a_pool(items: list[Item]) -> bool:
    return len(items) >= POOL_MIN_FILES and sum(item.size for item in items) >= POOL_MIN_BYTES


def _batches(
    path: str, base: int, items: list[Item], config: Config, options: ScanOptions
) -> Iterator[Batch]:
    batch: list[tuple[int, Item]] = []
    size = 0
    for i, item in enumerate(items):
        if batch and (len(batch) >= BATCH_FILES or size + item.size > BATCH_BYTES):
            yield Batch(path, base, batch, config, options)
            batch, size = [], 0
        batch.append((i, item))
        size += item.size
    if batch:
        yield Batch(path, base, batch, config, options)


# --- the run -------------------------------------------------------------------------------


# The name the image config is sharded by (no file in a layer is called so).
_CONFIG_SHARD_NAME = "\0image config"


def scan_images(
    refs: Sequence[str],
    config: Config,
    options: Optional[ScanOptions] = None,
    shard: Optional[Shard] = None,
    pool: Optional[Callable[[], Pool]] = None,
) -> ScanReport:
    """Scan each image archive, OCI layout or `docker://NAME` in `refs`. Never raises for a
    bad image (it is a `Skip` with `error` set); raises `ImageError` when a `docker://`
    image cannot be saved. `pool` makes the worker processes that large uncompressed layers
    are scanned by (called at the first one; closed at the end); without it every file is
    scanned in this process. Findings and their order do not depend on it."""
    started = time.perf_counter()
    report = ScanReport()
    scan = ImageScan(config, options or ScanOptions(), report, shard, pool)
    try:
        for ref in dict.fromkeys(refs):  # an image named twice is scanned once
            if ref.startswith(DOCKER_PREFIX):
                with _saved(ref[len(DOCKER_PREFIX) :]) as path:
                    opened = len(scan.stores)
                    scan.scan(path, ref)
                    if len(scan.stores) > opened:
                        scan.release()
            else:
                scan.scan(Path(ref), ref)
    finally:
        scan.close()
    report.elapsed = time.perf_counter() - started
    return report


class _saved:
    """`docker save` (or `podman save`) of an image into a temporary archive, removed after."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tmp: Optional[tempfile.TemporaryDirectory[str]] = None

    def __enter__(self) -> Path:
        name = self.name
        # NOTE: a name is never an option of the save command.
        if not name or name.startswith("-") or any(c.isspace() for c in name):
            raise ImageError(f"not an image name: {name!r}")
        tool = shutil.which("docker") or shutil.which("podman")
        if tool is None:
            raise ImageError(
                f"{DOCKER_PREFIX}{name}: neither docker nor podman was found on PATH;"
                " save the image with `docker save -o image.tar NAME` and pass the archive"
            )
        self.tmp = tempfile.TemporaryDirectory(prefix="autype-guard-image-")
        out = Path(self.tmp.name) / "image.tar"
        try:
            proc = subprocess.run(
                [tool, "save", "-o", str(out), name],
                capture_output=True,
                timeout=SAVE_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.__exit__()
            raise ImageError(f"{os.path.basename(tool)} save {name} failed: {exc}") from None
        if proc.returncode != 0:
            self.__exit__()
            lines = os.fsdecode(proc.stderr).strip().splitlines()
            why = lines[-1] if lines else f"exit status {proc.returncode}"
            raise ImageError(f"{os.path.basename(tool)} save {name} failed: {why}")
        return out

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


__all__ = [
    "DOCKER_PREFIX",
    "LAYER_RATIO",
    "LAYER_STATUS",
    "MAX_LAYER_BYTES",
    "REMOVED_BY",
    "ImageError",
    "ImageScan",
    "Pool",
    "render_config",
    "scan_images",
]
