from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import jsonschema
import pytest

from autype_guard.config import Config
from autype_guard.engine import ScanOptions
from autype_guard.model import ScanReport
from autype_guard.sources.image import LAYER_STATUS, REMOVED_BY, render_config, scan_images

from .conftest import fake_key
from .test_cli import run
from .test_formats import sarif_validator  # noqa: F401 (a fixture)

# A layer's files: a path and its content, or a TarInfo made by one of the helpers below.
Entry = Union[bytes, tarfile.TarInfo]


def layer_tar(files: dict[str, Entry]) -> bytes:
    """An uncompressed layer tar holding `files` (bytes: a regular file)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, entry in files.items():
            if isinstance(entry, tarfile.TarInfo):
                entry.name = name
                archive.addfile(entry)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(entry)
                archive.addfile(info, io.BytesIO(entry))
    return buf.getvalue()


def link(target: str, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo("x")
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Layer:
    tar: bytes  # uncompressed
    blob: bytes = b""  # as stored (gzip or not)
    gzipped: bool = False

    @classmethod
    def of(cls, files: dict[str, Entry], gzipped: bool = False) -> Layer:
        tar = layer_tar(files)
        blob = gzip.compress(tar, compresslevel=1, mtime=0) if gzipped else tar
        return cls(tar, blob, gzipped)

    @property
    def digest(self) -> str:
        return sha(self.blob)


@dataclass
class Image:
    layers: list[Layer]
    env: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    tag: str = "app:1"

    def config(self) -> bytes:
        doc = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": self.env, "Cmd": ["nginx"], "Labels": self.labels or None},
            "rootfs": {"type": "layers", "diff_ids": [sha(layer.tar) for layer in self.layers]},
            "history": [{"created_by": h} for h in self.history],
        }
        return json.dumps(doc).encode()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def docker_archive(path: Path, *images: Image, blobs_layout: bool = True) -> Path:
    """What `docker save` writes: manifest.json, the config and layers (in `blobs/sha256/`
    as Docker 25 does, or `<id>/layer.tar` as older versions did)."""
    manifest = []
    with tarfile.open(path, "w") as archive:
        written: set[str] = set()
        for image in images:
            config = image.config()
            config_name = f"blobs/sha256/{sha(config)[7:]}"
            _add(archive, config_name, config)
            names = []
            for layer in image.layers:
                if blobs_layout:
                    name = f"blobs/sha256/{layer.digest[7:]}"
                else:
                    name = f"{layer.digest[7:19]}/layer.tar"
                if name not in written:
                    _add(archive, name, layer.blob)
                    written.add(name)
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": [image.tag], "Layers": names})
        _add(archive, "manifest.json", json.dumps(manifest).encode())
    return path


def oci_layout(path: Path, image: Image, as_tar: bool = False) -> Path:
    """An OCI image layout: oci-layout, index.json and blobs/sha256/..."""
    files: dict[str, bytes] = {}
    config = image.config()
    files[f"blobs/sha256/{sha(config)[7:]}"] = config
    layers = []
    for layer in image.layers:
        files[f"blobs/sha256/{layer.digest[7:]}"] = layer.blob
        media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if layer.gzipped else "")
        layers.append({"mediaType": media, "digest": layer.digest, "size": len(layer.blob)})
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": layers,
        }
    ).encode()
    files[f"blobs/sha256/{sha(manifest)[7:]}"] = manifest
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha(manifest),
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": image.tag},
            }
        ],
    }
    files["index.json"] = json.dumps(index).encode()
    files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    if as_tar:
        with tarfile.open(path, "w") as archive:
            for name, data in files.items():
                _add(archive, name, data)
    else:
        for name, data in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
    return path


def bundle(key: str) -> bytes:
    return f'!function(){{fetch("/api",{{headers:{{"X-API-Key":"{key}"}}}})}}();\n'.encode()


def scan(*refs: Path, options: Optional[ScanOptions] = None) -> ScanReport:
    return scan_images([os.path.relpath(r) for r in refs], Config(), options)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- layouts and layers ----------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("blobs_layout", [False, True])
def test_docker_save_archive_browser_bundle_under_nginx_root_is_ag102(
    here: Path, gzipped: bool, blobs_layout: bool
) -> None:
    key = fake_key()
    base = Layer.of({"etc/os-release": b"ID=alpine\n"}, gzipped=gzipped)
    web = Layer.of({"usr/share/nginx/html/assets/index-3f2a.js": bundle(key)}, gzipped=gzipped)
    path = docker_archive(here / "image.tar", Image([base, web]), blobs_layout=blobs_layout)
    report = scan(path)
    (finding,) = report.findings
    digest = web.digest if blobs_layout else sha(web.tar)
    assert finding.path == f"image.tar!{digest}/usr/share/nginx/html/assets/index-3f2a.js"
    assert finding.code == "AG102"
    assert key not in json.dumps([f.message for f in report.findings])
    assert not report.errors
    assert report.scanned == 2 + 1  # two files and the config


def test_a_script_outside_the_web_roots_is_the_images_own_program(here: Path) -> None:
    key = fake_key()
    app = Layer.of(
        {
            "usr/src/app/worker.js": f'const key = "{key}";\nmodule.exports = key;\n'.encode(),
            "srv/www/app.js": f'const key = "{key}";\n'.encode(),
        }
    )
    report = scan(docker_archive(here / "image.tar", Image([app]), blobs_layout=True))
    codes = {f.path.rsplit("/", 1)[-1]: f.code for f in report.findings}
    assert codes == {"worker.js": "AG101", "app.js": "AG102"}


@pytest.mark.parametrize("as_tar", [False, True])
def test_oci_layout_directory_and_tar(here: Path, as_tar: bool) -> None:
    key = fake_key()
    layer = Layer.of({"srv/app/.env": f"AUTYPE_API_KEY={key}\n".encode()}, gzipped=True)
    target = here / ("oci.tar" if as_tar else "oci")
    if not as_tar:
        target.mkdir()
    oci_layout(target, Image([layer]), as_tar=as_tar)
    report = scan(target)
    (finding,) = report.findings
    assert finding.code == "AG103"
    assert finding.path == f"{target.name}!{layer.digest}/srv/app/.env"
    assert not report.errors


def test_zstd_layer(here: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    key = fake_key()
    tar = layer_tar({"app/config.js": f'module.exports = {{ key: "{key}" }};\n'.encode()})
    layer = Layer(tar, zstandard.ZstdCompressor().compress(tar))
    path = docker_archive(here / "image.tar", Image([layer]))
    (finding,) = scan(path).findings
    assert finding.path.endswith(f"{layer.digest}/app/config.js")


def test_zstd_layer_without_zstandard_is_listed_as_not_scanned(here: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    tar = layer_tar({"app/config.js": b"x = 1\n"})
    layer = Layer(tar, zstandard.ZstdCompressor().compress(tar))
    docker_archive(here / "image.tar", Image([layer]))
    # A fresh interpreter in which the package cannot be imported.
    code = (
        "import sys; sys.modules['zstandard'] = None\n"
        "from autype_guard.cli import main; sys.argv = ['autype-guard', 'scan', '--image',"
        " 'image.tar']; main()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "install autype-guard[zstd]" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


# --- deleted files, dedup, shared layers -----------------------------------------------------


def test_key_removed_by_a_whiteout_is_still_reported_as_in_the_image(here: Path) -> None:
    key = fake_key()
    added = Layer.of({"app/.env": f"AUTYPE_API_KEY={key}\n".encode(), "app/ok.txt": b"ok\n"})
    removed = Layer.of({"app/.wh..env": b""}, gzipped=True)
    path = docker_archive(here / "image.tar", Image([added, removed]))
    (finding,) = scan(path).findings
    assert finding.path == f"image.tar!{added.digest}/app/.env"
    props = dict(finding.properties)
    assert props[LAYER_STATUS] == "deleted"
    assert props[REMOVED_BY] == removed.digest
    assert "still in the image" in finding.message


def test_opaque_directory_whiteout(here: Path) -> None:
    key = fake_key()
    added = Layer.of({"app/conf/secrets.env": f"AUTYPE_API_KEY={key}\n".encode()})
    opaque = Layer.of({"app/conf/.wh..wh..opq": b"", "app/conf/other.env": b"A=1\n"})
    path = docker_archive(here / "image.tar", Image([added, opaque]))
    (finding,) = scan(path).findings
    assert dict(finding.properties)[LAYER_STATUS] == "deleted"


def test_same_key_same_path_in_two_layers_is_one_finding_naming_the_first(here: Path) -> None:
    key = fake_key()
    content = f"AUTYPE_API_KEY={key}\n".encode()
    first = Layer.of({"app/.env": content})
    second = Layer.of({"app/.env": content + b"DEBUG=1\n"}, gzipped=True)
    replaced = Layer.of({"app/.env": b"AUTYPE_API_KEY=\n"})
    path = docker_archive(here / "image.tar", Image([first, second]))
    (finding,) = scan(path).findings
    assert finding.path == f"image.tar!{first.digest}/app/.env"
    assert LAYER_STATUS not in dict(finding.properties)  # still in the final filesystem
    path = docker_archive(here / "image2.tar", Image([first, second, replaced]))
    (finding,) = scan(path).findings
    assert dict(finding.properties)[LAYER_STATUS] == "replaced"
    assert dict(finding.properties)[REMOVED_BY] == replaced.digest


def test_two_occurrences_in_one_file_stay_two_findings(here: Path) -> None:
    key = fake_key()
    content = f"AUTYPE_API_KEY={key}\nBACKUP_KEY={key}\n".encode()
    path = docker_archive(
        here / "image.tar",
        Image([Layer.of({"app/.env": content}), Layer.of({"app/.env": content})]),
    )
    assert [f.line for f in scan(path).findings] == [1, 2]


def test_a_layer_shared_by_two_images_is_scanned_once(here: Path) -> None:
    key = fake_key()
    shared = Layer.of({"app/.env": f"AUTYPE_API_KEY={key}\n".encode()}, gzipped=True)
    one = docker_archive(here / "one.tar", Image([shared, Layer.of({"a": b"1"})]))
    two = docker_archive(here / "two.tar", Image([shared, Layer.of({"b": b"2"})], tag="b:2"))
    report = scan(one, two)
    (finding,) = report.findings
    assert finding.path.startswith("one.tar!")
    # Files: app/.env once, a, b, and the two configs.
    assert report.scanned == 5


def test_a_manifest_cannot_claim_a_scanned_layers_digest_to_hide_another(here: Path) -> None:
    key = fake_key()
    clean = Layer.of({"app/readme.txt": b"hello\n"})
    evil = Layer.of({"app/.env": f"AUTYPE_API_KEY={key}\n".encode()})
    one = docker_archive(here / "one.tar", Image([clean]))
    two = here / "two.tar"
    # The second archive stores the key layer under the clean layer's digest.
    config = Image([clean]).config()
    manifest = [{"Config": "config.json", "Layers": [f"blobs/sha256/{clean.digest[7:]}"]}]
    with tarfile.open(two, "w") as archive:
        _add(archive, "config.json", config)
        _add(archive, f"blobs/sha256/{clean.digest[7:]}", evil.blob)
        _add(archive, "manifest.json", json.dumps(manifest).encode())
    report = scan(one, two)
    (finding,) = report.findings
    assert finding.path.startswith(f"two.tar!{clean.digest}/")


# --- the config ------------------------------------------------------------------------------


def test_keys_in_env_and_build_argument_history(here: Path) -> None:
    key = fake_key()
    image = Image(
        [Layer.of({"a": b"1"})],
        env=[f"AUTYPE_API_KEY={key}", "PATH=/usr/bin"],
        history=[
            "/bin/sh -c #(nop) ADD file:abc in / ",
            f"ARG VITE_AUTYPE_KEY={key}",
            f"RUN |1 VITE_AUTYPE_KEY={key} /bin/sh -c npm run build # buildkit",
        ],
    )
    path = docker_archive(here / "image.tar", image)
    report = scan(path)
    by_line = {f.line: f for f in report.findings}
    assert {f.path for f in report.findings} == {"image.tar!config"}
    codes = sorted(f.code for f in report.findings)
    assert codes == ["AG103", "AG201", "AG201"]
    env = next(f for f in report.findings if f.code == "AG103")
    assert "--mount=type=secret" in env.suggestion
    assert all("--mount=type=secret" in f.suggestion for f in by_line.values())
    assert key not in json.dumps([(f.message, f.suggestion, f.snippet) for f in report.findings])


def test_render_config_lines() -> None:
    doc = {
        "config": {
            "Env": ["A=1"],
            "Labels": {"org.key": "v\nw"},
            "Entrypoint": ["/run"],
            "Cmd": ["x"],
        },
        "history": [
            {"created_by": "/bin/sh -c #(nop)  ENV OLD value here"},
            {"created_by": '|2 B=2 C="3 4" /bin/sh -c make'},
            {"created_by": "COPY . /app # buildkit", "empty_layer": True},
            {"comment": "no created_by"},
        ],
    }
    lines = render_config(doc).splitlines()
    assert "A=1" in lines
    assert "org.key=v w" in lines
    assert "OLD=value here" in lines
    assert "B=2" in lines and "C=3 4" in lines
    assert "# RUN /bin/sh -c make" in lines
    assert "# COPY . /app # buildkit" in lines


# --- bounds and hostile layers ---------------------------------------------------------------


def test_traversal_names_and_links_are_labels_only(here: Path) -> None:
    key = fake_key()
    layer = Layer.of(
        {
            "../../escape.js": bundle(key),
            "/abs/x.env": f"AUTYPE_API_KEY={key}\n".encode(),
            "loop/a": link("b"),
            "loop/b": link("a"),
            "passwd": link("/etc/passwd"),
            "up": link("../../../../etc/shadow", hard=True),
        }
    )
    path = docker_archive(here / "image.tar", Image([layer]))
    before = sorted(p.name for p in here.parent.iterdir())
    report = scan(path)
    assert sorted(p.name for p in here.parent.iterdir()) == before
    assert sorted(p.name for p in here.iterdir()) == ["image.tar"]
    paths = sorted(f.path.split("/", 1)[1] for f in report.findings)
    assert paths == ["../../escape.js", "abs/x.env"]
    assert not report.errors


def _gnu_sparse(name: str, real_size: int, offset: int, data: bytes) -> bytes:
    """A GNU sparse tar entry (type 'S'): `real_size` bytes of which only `data` at
    `offset` are stored (tarfile reads these but cannot write them)."""
    header = bytearray(512)

    def put(at: int, width: int, value: bytes) -> None:
        header[at : at + len(value)] = value

    def octal(value: int, width: int) -> bytes:
        return f"{value:0{width - 1}o}".encode() + b"\0"

    put(0, 100, name.encode())
    put(100, 8, octal(0o644, 8))
    put(108, 8, octal(0, 8))
    put(116, 8, octal(0, 8))
    put(124, 12, octal(len(data), 12))
    put(136, 12, octal(0, 12))
    header[156] = ord("S")
    put(257, 8, b"ustar  \0")
    # One sparse region (offset, size) at 386, then isextended (482) and the real size.
    put(386, 12, octal(offset, 12))
    put(398, 12, octal(len(data), 12))
    put(483, 12, octal(real_size, 12))
    header[148:156] = b"        "
    put(148, 8, f"{sum(header):06o}".encode() + b"\0 ")
    padded = data + b"\0" * (-len(data) % 512)
    return bytes(header) + padded


def test_a_huge_sparse_file_reads_only_its_data(here: Path) -> None:
    key = fake_key()
    data = f"AUTYPE_API_KEY={key}\n".encode()
    entry = _gnu_sparse("app/huge.env", 0o77777777777, 4 << 30, data)
    tar = entry + b"\0" * 1024
    layer = Layer(tar, tar)
    path = docker_archive(here / "image.tar", Image([layer]))
    report = scan(path)
    (finding,) = report.findings
    assert finding.path.endswith("/app/huge.env")
    assert any("sparse file" in n for r in report.files for n in r.notes)


def test_a_decompression_bomb_layer_is_capped_and_exits_2(here: Path) -> None:
    header = tarfile.TarInfo("bomb.txt")
    header.size = 200 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [comp.compress(header.tobuf(format=tarfile.PAX_FORMAT))]
    zeros = b"\0" * (1 << 20)
    for _ in range(200):
        parts.append(comp.compress(zeros))
    parts.append(comp.flush())
    blob = b"".join(parts)
    assert len(blob) < 1 << 20
    layer = Layer(b"", blob, gzipped=True)
    docker_archive(here / "image.tar", Image([layer]))
    code, out, err = run("scan", "--image", "image.tar")
    assert code == 2, out + err
    assert "decompresses to more than 64 MB" in out + err
    assert "Traceback" not in err
    code, _, _ = run("scan", "--image", "image.tar", "--allow-unreadable")
    assert code == 0


def test_large_files_are_scanned_in_windows_with_exact_positions(here: Path) -> None:
    key = fake_key()
    long_line = "x" * 200_000 + f' k="{key}"\n'
    text = "// start\n" + "a = 1;\n" * 30_000 + long_line + "b = 2;\n" * 30_000
    data = text.encode()
    layer = Layer.of({"srv/app/server.js": data}, gzipped=True)
    path = docker_archive(here / "image.tar", Image([layer]))
    small = ScanOptions(chunk_size=64 << 10, chunk_overlap=8 << 10)
    (finding,) = scan(path, options=small).findings
    (whole,) = scan(path).findings
    assert (finding.line, finding.column) == (whole.line, whole.column) == (30_002, 200_005)


def test_not_an_image_and_missing_layers_exit_2(here: Path) -> None:
    (here / "plain.tar").write_bytes(layer_tar({"a.txt": b"x"}))
    code, out, err = run("scan", "--image", "plain.tar")
    assert code == 2 and "not a container image" in out + err
    code, out, err = run("scan", "--image", "missing.tar")
    assert code == 2 and "Traceback" not in err
    manifest = [{"Config": "c.json", "Layers": ["blobs/sha256/" + "0" * 64, "../../etc/passwd"]}]
    (here / "d").mkdir()
    (here / "d" / "manifest.json").write_text(json.dumps(manifest))
    (here / "d" / "c.json").write_text("{}")
    code, out, err = run("scan", "--image", "d")
    assert code == 2 and "layer is missing" in out + err


# --- the command line ------------------------------------------------------------------------


def test_exit_codes_formats_and_baseline(
    here: Path,
    sarif_validator: jsonschema.Draft4Validator,  # noqa: F811
) -> None:
    key = fake_key()
    layer = Layer.of({"usr/share/nginx/html/app.js": bundle(key)}, gzipped=True)
    docker_archive(here / "image.tar", Image([layer]))
    docker_archive(here / "clean.tar", Image([Layer.of({"a.txt": b"hello"})]))
    assert run("scan", "--image", "clean.tar")[0] == 0
    code, out, _ = run("scan", "--image", "image.tar")
    assert code == 1
    assert f"image.tar!{layer.digest}/usr/share/nginx/html/app.js" in out
    code, out, _ = run("scan", "--image", "image.tar", "--format", "sarif")
    assert code == 1
    sarif_validator.validate(json.loads(out))
    code, out, _ = run("scan", "--image", "image.tar", "--format", "json")
    paths = [f["path"] for f in json.loads(out)["findings"]]
    assert paths == [f"image.tar!{layer.digest}/usr/share/nginx/html/app.js"]
    # A baseline names the finding by the full layer digest and the path.
    assert run("baseline", "--image", "image.tar", "-o", "base.json")[0] == 0
    assert f"image.tar!{layer.digest}/usr/share/nginx/html/app.js" in Path("base.json").read_text()
    assert run("scan", "--image", "image.tar", "--baseline", "base.json")[0] == 0
    # The same file in another layer (rebuilt on another base) is not accepted.
    other = Layer.of({"usr/share/nginx/html/app.js": bundle(key) + b"//\n"}, gzipped=True)
    docker_archive(here / "image.tar", Image([other]))
    assert run("scan", "--image", "image.tar", "--baseline", "base.json")[0] == 1


def test_image_cannot_be_combined_with_paths(here: Path) -> None:
    code, _, err = run("scan", "--image", "x.tar", ".")
    assert code == 2 and "--image cannot be combined" in err


def test_docker_reference_without_docker_is_a_clear_error(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(here))
    code, _, err = run("scan", "--image", "docker://nginx:1.25")
    assert code == 2
    assert "neither docker nor podman" in err
    assert "Traceback" not in err
    code, _, err = run("scan", "--image", "docker://--output=/tmp/x")
    assert code == 2 and "not an image name" in err


def test_docker_reference_runs_docker_save(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = fake_key()
    saved = docker_archive(here / "saved.tar", Image([Layer.of({"app/.env": f"K={key}".encode()})]))
    bin_dir = here / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    # A stand-in for the docker command line: `docker save -o OUT NAME` copies an archive.
    fake.write_text(f'#!/bin/sh\n[ "$1" = save ] && [ "$4" = app:1 ] && cp "{saved}" "$3"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, out, _ = run("scan", "--image", "docker://app:1")
    assert code == 1
    assert "docker://app:1!sha256:" in out
    code, _, err = run("scan", "--image", "docker://other:2")
    assert code == 2 and "save other:2 failed" in err


def test_oci_nested_index_missing_platform_and_attestation(here: Path) -> None:
    key = fake_key()
    layer = Layer.of({"app/.env": f"AUTYPE_API_KEY={key}\n".encode()}, gzipped=True)
    (here / "oci").mkdir()
    root = oci_layout(here / "oci", Image([layer]))
    index = json.loads((root / "index.json").read_text())
    present = index["manifests"][0]
    attestation = f"ATTESTED={key}\n".encode()
    (root / "blobs/sha256" / sha(attestation)[7:]).write_bytes(attestation)
    config = b"{}"
    (root / "blobs/sha256" / sha(config)[7:]).write_bytes(config)
    att_manifest = json.dumps(
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"digest": sha(config)},
            "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": sha(attestation)}],
        }
    ).encode()
    (root / "blobs/sha256" / sha(att_manifest)[7:]).write_bytes(att_manifest)
    nested = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                present,
                {"mediaType": present["mediaType"], "digest": "sha256:" + "1" * 64},
                {"mediaType": present["mediaType"], "digest": sha(att_manifest)},
            ],
        }
    ).encode()
    (root / "blobs/sha256" / sha(nested)[7:]).write_bytes(nested)
    index["manifests"] = [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(nested)}
    ]
    (root / "index.json").write_text(json.dumps(index))
    report = scan(root)
    # Two images (the attestation is one of its own); the platform without blobs is a note.
    assert sorted(f.path for f in report.findings) == [
        f"oci[2]!{sha(attestation)}",
        f"oci[app:1]!{layer.digest}/app/.env",
    ]
    assert any("is not in the image" in n for n in report.stats.notes)
    assert not report.errors


def test_old_docker_save_layers_linked_to_one_another(here: Path) -> None:
    key = fake_key()
    layer = Layer.of({"app/.env": f"AUTYPE_API_KEY={key}\n".encode()})
    config = Image([layer]).config()
    manifest = [
        {"Config": "c.json", "RepoTags": ["a:1"], "Layers": ["aaa/layer.tar", "bbb/layer.tar"]}
    ]
    with tarfile.open(here / "image.tar", "w") as archive:
        _add(archive, "c.json", config)
        _add(archive, "aaa/layer.tar", layer.blob)
        archive.addfile(_symlink("bbb/layer.tar", "../aaa/layer.tar"))
        _add(archive, "manifest.json", json.dumps(manifest).encode())
    report = scan(here / "image.tar")
    (finding,) = report.findings  # the same key at the same path: the first layer's
    assert finding.path.endswith("/app/.env")
    assert not report.errors


def _symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


def test_packed_files_inside_a_layer_are_opened(here: Path) -> None:
    import zipfile

    key = fake_key()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("static/app.js", bundle(key))
    # Compressed, still larger than the window below: opened whole, not in windows.
    big = bundle(key) + b"/*" + os.urandom(4000).hex().encode() + b"*/\n"
    layer = Layer.of({"srv/site.zip": buf.getvalue(), "srv/dist/app.js.gz": gzip.compress(big)})
    path = docker_archive(here / "image.tar", Image([layer]))
    assert len(gzip.compress(big)) > 1024
    report = scan(path, options=ScanOptions(chunk_size=1024, chunk_overlap=256))
    found = sorted((f.path.split("/", 1)[1], f.code) for f in report.findings)
    assert found == [("srv/dist/app.js.gz", "AG102"), ("srv/site.zip!static/app.js", "AG102")]


@pytest.mark.parametrize("total", [1, 2, 3, 4])
def test_shards_of_an_image_together_find_what_one_run_finds(here: Path, total: int) -> None:
    from autype_guard.shard import Shard

    keys = [fake_key() for _ in range(12)]
    files = {f"srv/app/m{i}.py": f'KEY = "{k}"\n'.encode() for i, k in enumerate(keys[:10])}
    first = Layer.of(files)
    # The same key at the same path in a later layer: one finding naming the first layer.
    later = Layer.of({"srv/app/m0.py": files["srv/app/m0.py"], "srv/app/x.py": b"x = 1\n"})
    image = Image([first, later], env=[f"AUTYPE_API_KEY={keys[10]}"])
    path = docker_archive(here / "image.tar", image, blobs_layout=True)

    def summary(report: ScanReport) -> list[tuple[str, int, str]]:
        return sorted((f.path, f.line, f.fingerprint) for f in report.findings)

    whole = summary(scan(path))
    shards = [
        scan_images([os.path.relpath(path)], Config(), None, Shard(k, total))
        for k in range(1, total + 1)
    ]
    assert sorted(x for report in shards for x in summary(report)) == whole
    assert len(whole) == 11
