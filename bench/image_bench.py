"""Time `autype-guard scan --image` against the floor of reading the same layers with tar.

Builds (once, outside the repository) two images as `docker save` writes them, one layer
each: an uncompressed layer of the npm part of the benchmark tree (`DATA/tree/npm`, under
`srv/app/packages`: `node_modules` is excluded by default), and a gzip layer of its PyPI and
standard-library parts plus this interpreter's standard library.
Then, per layer, the median of `--runs` runs of

  floor:  tar -xOf layer.tar > /dev/null          (uncompressed)
          gzip -dc layer.tar.gz | tar -xOf - > /dev/null   (gzip)
  scan:   autype-guard scan --image image.tar -j 1

and the ratio scan / floor, in wall-clock and in CPU seconds. Then two more references per
layer: the floor with a search of its bytes (`tar -xOf layer.tar | rg -c ak_`, ripgrep from
`DATA/bin/rg` or PATH) and the scan with two jobs (`-j 2`). Last, for scale, a scan of the
npm files as a directory tree.
Standard library only; run it under `nice -n 10`.

    python3 bench/image_bench.py [--data /work/bench-data] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _add_tree(archive: tarfile.TarFile, root: Path, prefix: str) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            arcname = f"{prefix}/{path.relative_to(root).as_posix()}"
            archive.add(path, arcname=arcname, recursive=False)


def _layer(out: Path, sources: list[tuple[Path, str]], gzipped: bool) -> Path:
    tar_path = out.with_suffix(".tar.partial")
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as archive:
        for root, prefix in sources:
            _add_tree(archive, root, prefix)
    if gzipped:
        gz_path = out.with_suffix(".partial")
        with open(tar_path, "rb") as src, gzip.open(gz_path, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        tar_path.unlink()
        gz_path.rename(out)
    else:
        tar_path.rename(out)
    return out


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _image(out: Path, layer: Path) -> Path:
    """A `docker save` archive of one image whose only layer is `layer`."""
    if out.exists() and out.stat().st_mtime >= layer.stat().st_mtime:
        return out
    digest = _sha(layer)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/bin:/usr/bin"], "Cmd": ["node"]},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [{"created_by": "COPY . /srv # buildkit"}],
        }
    ).encode()
    config_name = f"blobs/sha256/{hashlib.sha256(config).hexdigest()}"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["bench:1"], "Layers": [f"blobs/sha256/{digest}"]}]
    ).encode()
    partial = out.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, fileobj=__import__("io").BytesIO(data))
        archive.add(layer, arcname=f"blobs/sha256/{digest}")
    partial.rename(out)
    return out


def _time(command: str, runs: int) -> tuple[float, float]:
    """Median wall-clock seconds and median CPU seconds (user + system, of every process
    the command started): on a busy machine the second is the steadier figure."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            command, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data: Path = args.data.resolve()
    if REPO in (data, *data.parents):
        parser.error("--data must be outside the repository")
    tree = data / "tree"
    out = data / "image"
    out.mkdir(parents=True, exist_ok=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"])

    plain = out / "layer-npm.tar"
    if not plain.exists():
        _layer(plain, [(tree / "npm", "srv/app/packages")], gzipped=False)
    packed = out / "layer-py.tar.gz"
    if not packed.exists():
        _layer(
            packed,
            [
                (tree / "pypi", "usr/local/lib/site-packages"),
                (tree / "python-stdlib", "usr/local/lib/python-src"),
                (stdlib, "usr/lib/python3"),
            ],
            gzipped=True,
        )
    cases = [
        ("uncompressed", plain, _image(out / "image-npm.tar", plain), f"tar -xOf {plain}"),
        (
            "gzip",
            packed,
            _image(out / "image-py.tar", packed),
            f"gzip -dc {packed} | tar -xOf -",
        ),
    ]
    exe = Path(sys.executable).parent / "autype-guard"
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    rg = data / "bin" / "rg"
    rg_exe = str(rg) if rg.is_file() else shutil.which("rg")
    print(
        f"{'layer':<13}{'stored MB':>10}{'tar MB':>8}{'files':>7}"
        f"{'floor s':>9}{'scan s':>8}{'ratio':>7}{'floor cpu':>11}{'scan cpu':>10}{'ratio':>7}"
        f"{'tar|rg s':>10}{'ratio':>7}{'-j 2 s':>8}{'ratio':>7}"
    )
    for label, layer, image, floor_cmd in cases:
        size = layer.stat().st_size
        opener = gzip.open if label == "gzip" else open
        with opener(layer, "rb") as fh, tarfile.open(fileobj=fh, mode="r|") as archive:
            members = [m for m in archive if m.isfile()]
        unpacked = sum(m.size for m in members)
        floor, floor_cpu = _time(floor_cmd, args.runs)
        # -j 1: an image is read as one stream; the floor is one pipeline too.
        scan, scan_cpu = _time(
            f"{exe} scan --image {image} -j 1 --format json -o /dev/null", args.runs
        )
        # References: the floor plus a search of the bytes, and the scan with two jobs.
        searched = f"{'-':>10}{'-':>7}"
        if rg_exe is not None:
            rg_floor, _ = _time(f"{floor_cmd} | {rg_exe} -c ak_", args.runs)
            searched = f"{rg_floor:>10.2f}{scan / rg_floor:>6.1f}x"
        two, _ = _time(f"{exe} scan --image {image} -j 2 --format json -o /dev/null", args.runs)
        print(
            f"{label:<13}{size / 1e6:>10.0f}{unpacked / 1e6:>8.0f}{len(members):>7}"
            f"{floor:>9.2f}{scan:>8.2f}{scan / floor:>6.1f}x"
            f"{floor_cpu:>11.2f}{scan_cpu:>10.2f}{scan_cpu / max(floor_cpu, 0.01):>6.1f}x"
            f"{searched}{two:>8.2f}{two / floor:>6.1f}x"
        )
    # For scale: the same npm files scanned as a directory tree (no tar, no layer).
    tree_scan, tree_cpu = _time(
        f"{exe} scan {tree / 'npm'} -j 1 --no-ignore -o /dev/null", args.runs
    )
    print(
        f"the uncompressed layer's files as a directory tree: {tree_scan:.2f} s,"
        f" {tree_cpu:.2f} s cpu"
    )
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
