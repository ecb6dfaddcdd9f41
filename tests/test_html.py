"""The HTML audit report: self-contained, escaped, and really rendered by headless Chromium."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autype_guard.api import ScanReport
from autype_guard.model import FileKind, FileResult, Severity, UnusedSuppression
from autype_guard.report import ReportOptions, get_reporter
from autype_guard.rules import catalogue

from .conftest import fake_key
from .test_cli import run
from .test_formats import finding, report_of

HOSTILE = "<img src=x onerror=alert(1)>\"'&<script>alert(2)</script>"


class Tags(HTMLParser):
    """Every start tag and attribute of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def render(report: ScanReport) -> str:
    return get_reporter("html")(report, ReportOptions(rules=catalogue()))


def history_report() -> ScanReport:
    report = report_of(
        finding(
            "src/app.py",
            properties=(
                ("commit", "0123456789abcdef" * 2 + "01234567"),
                ("author_date", "2021-03-04T05:06:07+00:00"),
            ),
        ),
        finding("src/app.py", line=9, properties=(("verification", "live"),)),
        finding("web/app.js", "AG102", severity=Severity.CRITICAL),
    )
    report.files.append(FileResult("locked.env", FileKind.ENV, error="Permission denied"))
    report.files[0].unused_suppressions.append(UnusedSuppression(4, 8, ("AG103",)))
    return report


def test_everything_from_the_scanned_files_is_escaped() -> None:
    report = report_of(
        finding(
            f"docs/{HOSTILE}.md",
            message=f"key {HOSTILE}",
            snippet=f"x = {HOSTILE}",
            suggestion=HOSTILE,
            properties=((HOSTILE, HOSTILE), ("commit", HOSTILE)),
        )
    )
    report.files.append(FileResult(HOSTILE, FileKind.TEXT, error=HOSTILE))
    html = render(report)
    tags = parse(html)
    assert not any(tag in ("script", "img", "iframe", "object", "embed") for tag, _ in tags.tags)
    assert not any(name.startswith("on") for _, attrs in tags.tags for name, _ in attrs)
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;&lt;script&gt;" in html
    assert any(HOSTILE in chunk for chunk in tags.text)  # shown to the reader as text


def test_the_page_loads_nothing_from_anywhere() -> None:
    html = render(history_report())
    tags = parse(html)
    for tag, attrs in tags.tags:
        assert tag not in ("link", "script", "img", "iframe", "base", "form")
        for name, _value in attrs:
            assert name not in ("src", "href", "srcset", "action", "background")
    assert "url(" not in html and "@import" not in html
    csp = next(
        dict(attrs)["content"]
        for tag, attrs in tags.tags
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp


def test_history_and_other_properties_get_their_own_columns() -> None:
    html = render(history_report())
    assert '<th scope="col">Commit</th><th scope="col">Date</th>' in html
    assert '<th scope="col">Properties</th>' in html
    assert '<code title="0123456789abcdef0123456789abcdef01234567">0123456789ab</code>' in html
    assert "2021-03-04T05:06:07+00:00" in html
    assert "<dt>verification</dt><dd>live</dd>" in html
    plain = render(report_of(finding()))
    assert "Commit" not in plain and "Properties" not in plain


def test_summary_grouping_fix_and_diagnostics() -> None:
    html = render(history_report())
    assert html.count('<tbody class="file">') == 2  # src/app.py and web/app.js
    assert '<span class="count">(2)</span>' in html
    assert '<table id="by-rule">' in html and "<code>AG102</code>" in html
    assert '<ul class="diag" id="unreadable"><li><code>locked.env</code>' in html
    assert "no AG103 finding on this line" in html
    assert "Settings -&gt; API Keys" in html
    assert "<mark>ak_…Zx9Q</mark>" in html


def test_a_clean_scan_says_so() -> None:
    html = render(ScanReport())
    assert "No Autype API keys found." in html
    assert 'id="findings"' not in html


def test_the_report_never_holds_a_key_and_marks_show_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = fake_key()
    (tmp_path / "a.py").write_text(f'K = "{key}"\n')
    code, _, _ = run("scan", "--format", "html", "-o", "r.html", ".")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 1
    assert key not in html and f"ak_…{key[-4:]}" in html
    run("scan", "--format", "html", "--show-secrets", "-o", "s.html", ".")
    secret = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert key in secret and "holds full API keys" in secret
    assert (tmp_path / "s.html").stat().st_mode & 0o777 == 0o600


# --- real rendering in headless Chromium ---------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "CHROMIUM IS NOT INSTALLED: the HTML report was NOT checked in a real browser "
        "(apt-get install -y chromium; .ci/run installs it)"
    )
    if os.environ.get("AUTYPE_GUARD_REQUIRE_CHROMIUM"):
        pytest.fail(reason)
    pytest.skip(reason)


def _headless(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(history_report()), encoding="utf-8")
    return path


def test_chromium_dom_holds_the_findings_table(report_file: Path, tmp_path: Path) -> None:
    proc = _headless(tmp_path, "--dump-dom", report_file.as_uri())
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '<table id="findings">' in dom
    assert dom.count('<tr class="finding') == 3
    assert "src/app.py" in dom and "web/app.js" in dom


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered pixel rows of an 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = rows[-1]
    return (
        width,
        height,
        [bytes(r) for r in rows]
        if channels == 3
        else [bytes(b for i, b in enumerate(r) if i % 4 != 3) for r in rows],
    )


def test_chromium_screenshot_is_not_blank(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    proc = _headless(
        tmp_path, "--window-size=900,700", f"--screenshot={shot}", report_file.as_uri()
    )
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    width, height, rows = read_png(shot)
    assert (width, height) == (900, 700)
    colours = {row[i : i + 3] for row in rows for i in range(0, len(row), 3)}
    assert len(colours) > 100  # text, badges and borders, not an empty page
    # the CRITICAL badge's solid fill (#8b0000) and the HIGH badge's (#cf222e) are on screen
    assert bytes((0x8B, 0x00, 0x00)) in colours
    assert bytes((0xCF, 0x22, 0x2E)) in colours
