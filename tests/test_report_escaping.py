"""No report lets a scanned file drive the terminal: control characters in snippets,
messages and file names come out as visible `\\x1b` text (JSON and SARIF: `\\u001b`
escapes), never raw."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autype_guard.api import ScanReport, scan_text
from autype_guard.model import FileKind, FileResult, RelatedLocation, UnusedSuppression
from autype_guard.report import FORMATS, ReportOptions, get_reporter
from autype_guard.report.escape import escape_json, escape_path, escape_snippet, escape_text
from autype_guard.rules import catalogue

from .conftest import fake_key
from .test_cli import run
from .test_formats import finding

OSC_52 = "\x1b]52;c;ZXZpbA==\x07"  # writes "evil" to the clipboard
OSC_8 = "\x1b]8;;https://e.example/\x07"  # a hyperlink
OSC_0 = "\x1b]0;t\x07"  # the window title
CSI = "\x1b[2K\x1b[1A"  # erase the line, cursor up: hides the line above
# Around the key on its line, each side within the snippet's 40 characters of context.
BEFORE = OSC_52 + CSI + "\x9b"  # C1 CSI
AFTER = "\x9d\x07\x7f" + OSC_8 + OSC_0  # C1 OSC, BEL, DEL
NAME = "docs/\x1b]0;x\x07\x9bnotes.md"
# Raw control characters a report may not contain (newline separates its lines).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
SGR = re.compile("\x1b\\[[0-9;]*m")
HUMAN = ("text", "html", "github")  # control characters as `\x1b` text
JSONISH = ("json", "sarif", "gitlab")  # as `\u001b` escapes, GitLab's prose as `\x1b`


def visible(text: str) -> str:
    """`text` as the reports show it: each control character as `\\x1b` text."""
    return "".join(f"\\x{ord(c):02x}" if RAW.match(c) or c == "\n" else c for c in text)


def scanned(path: str = "notes.md") -> ScanReport:
    """A real scan of a line holding a key between terminal control sequences."""
    result = scan_text(f'{BEFORE} KEY = "{fake_key()}" {AFTER}\n', path)
    assert [f.code for f in result.findings] == ["AG104"]
    return ScanReport(files=[result])


def render(fmt: str, report: ScanReport, **options: Any) -> str:
    return get_reporter(fmt)(report, ReportOptions(**{"rules": catalogue(), **options}))


def assert_no_raw_controls(out: str) -> None:
    assert not RAW.search(out), RAW.findall(out)


# --- every format, a real scan ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", HUMAN)
def test_human_formats_show_control_characters_as_visible_escapes(fmt: str) -> None:
    out = render(fmt, scanned(NAME))
    assert_no_raw_controls(out)
    shown = html.escape if fmt == "html" else str
    assert shown(visible(NAME)) in out
    if fmt != "github":  # annotations carry no snippet
        assert shown(visible(BEFORE)) in out
        assert shown(visible(AFTER)) in out


@pytest.mark.parametrize("fmt", JSONISH)
def test_json_formats_escape_control_characters_and_keep_them(fmt: str) -> None:
    out = render(fmt, scanned(NAME))
    assert_no_raw_controls(out)
    assert "\\u001b]52;c;ZXZpbA==\\u0007" in out
    assert "\\u009b" in out and "\\u007f" in out
    doc = json.loads(out)
    if fmt == "json":
        (f,) = doc["findings"]
        snippet, path = f["snippet"], f["path"]
    elif fmt == "sarif":
        (result,) = doc["runs"][0]["results"]
        location = result["locations"][0]["physicalLocation"]
        snippet = location["region"]["snippet"]["text"]
        path = unquote(location["artifactLocation"]["uri"])
    else:
        (vulnerability,) = doc["vulnerabilities"]
        snippet = vulnerability["details"]["snippet"]["value"]
        path = vulnerability["location"]["file"]
    # Parsed back, the report still says exactly what the file holds.
    assert BEFORE in snippet and AFTER in snippet
    assert path == NAME


def test_every_format_is_covered() -> None:
    assert sorted(FORMATS) == sorted(HUMAN + JSONISH)


def test_no_format_lets_any_text_field_through_raw() -> None:
    """Messages, suggestions, related locations, properties, notes, unreadable files and
    unused suppression comments: every field a report prints."""
    hostile = f"{OSC_52}{CSI}\x9b\x07\x7f"
    f = finding(
        NAME,
        message=f"message {hostile}",
        suggestion=f"suggestion {hostile}",
        snippet=f"KEY = {hostile}",
        related=(RelatedLocation(NAME, 1, f"related {hostile}"),),
        properties=(("commit", "0" * 40), ("verification", f"live {hostile}")),
    )
    result = FileResult(NAME, FileKind.PYTHON, findings=[f], notes=[f"note {hostile}"])
    result.unused_suppressions.append(UnusedSuppression(2, 1, unknown=(hostile,)))
    unreadable = FileResult(f"bad {hostile}", FileKind.TEXT, error=f"reason {hostile}")
    report = ScanReport(files=[result, unreadable])
    report.stats.notes.append(f"run note {hostile}")
    for fmt in FORMATS:
        out = render(fmt, report)
        assert_no_raw_controls(out)
        if fmt in JSONISH:
            json.loads(out)
        else:
            for what in ("message", "suggestion", "reason", "note"):
                assert (html.escape if fmt == "html" else str)(f"{what} {visible(hostile)}") in out


def test_gitlab_description_shows_control_characters_as_visible_escapes() -> None:
    f = finding(NAME, message="message \x1b[2K\x9b")
    report = ScanReport(files=[FileResult(NAME, FileKind.PYTHON, findings=[f])])
    (vulnerability,) = json.loads(render("gitlab", report))["vulnerabilities"]
    assert vulnerability["description"] == "message \\x1b[2K\\x9b"


# --- the text code frame -----------------------------------------------------------------


@pytest.mark.parametrize("color", [False, True])
def test_the_caret_stays_under_the_key_after_escaping(color: bool) -> None:
    out = render("text", scanned(), color=color)
    if color:  # the reporter's own colours are all the escape sequences left
        out = SGR.sub("", out)
    assert_no_raw_controls(out)
    lines = out.splitlines()
    (row,) = [i for i, line in enumerate(lines) if line.startswith("1 | ")]
    code, caret = lines[row], lines[row + 1]
    assert code.startswith("1 | " + visible(BEFORE))
    start = caret.index("^")
    assert code[start:].startswith("ak_…")
    assert caret[start:] == "^" * len("ak_…1234")


def test_colour_is_painted_after_escaping() -> None:
    out = render("text", scanned(), color=True)
    assert "\x1b[1m" in out and "\x1b[0m" in out  # the reporter's own colours still work
    assert visible(OSC_52) in out


# --- the CLI: fix --diff and stderr --------------------------------------------------------


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)
    return repo


def test_fix_diff_escapes_the_file_content_it_shows(project: Path) -> None:
    key = fake_key()
    (project / "app.py").write_text(
        f'import os\nBANNER = "{OSC_52}{CSI}\x9b\x7f"\nKEY = "{key}"  # {OSC_8}\n'
    )
    code, out, _ = run("fix", "--diff")
    assert code == 1
    assert_no_raw_controls(out)
    assert f' BANNER = "{visible(OSC_52 + CSI)}\\x9b\\x7f"' in out
    assert f'-KEY = "ak_…{key[-4:]}"  # {visible(OSC_8)}' in out
    assert key not in out


def test_file_names_reach_the_terminal_escaped(project: Path) -> None:
    (project / "a\x9b\x1b[2Kb.md").write_text(f"KEY={fake_key()}\n")
    code, out, _ = run("scan", ".")
    assert code == 1
    assert_no_raw_controls(out)
    assert "a\\x9b\\x1b[2Kb.md:1:" in out


def test_a_baseline_written_to_stdout_escapes_file_names(project: Path) -> None:
    (project / "a\x9bb.md").write_text(f"KEY={fake_key()}\n")
    code, out, _ = run("baseline", "-o", "-", ".")
    assert code == 0
    assert_no_raw_controls(out)
    assert [f["path"] for f in json.loads(out)["findings"]] == ["a\x9bb.md"]


def test_error_messages_on_stderr_are_escaped(project: Path) -> None:
    code, _, err = run("scan", "--config", "no\x9b\x1b]0;t\x07.toml", ".")
    assert code == 2
    assert_no_raw_controls(err)
    assert "no\\x9b\\x1b]0;t\\x07.toml" in err


# --- the helper ----------------------------------------------------------------------------


def unescape(text: str) -> str:
    """Read `escape_text` back: backslash runs before an `x` are doubled, and an odd one
    ends in a `\\xNN` escape."""

    def one(match: re.Match[str]) -> str:
        run_, x, digits = match.group(1), match.group(2), match.group(3)
        if x is None:
            return run_
        if len(run_) % 2:
            return "\\" * (len(run_) // 2) + chr(int(digits, 16))
        return "\\" * (len(run_) // 2) + "x" + (digits or "")

    return re.sub(r"(\\+)(x([0-9a-f]{2})?)?", one, text)


def test_escape_text_spells_controls_and_keeps_ordinary_backslashes() -> None:
    assert escape_text("a\x1bb\tc\nd\x7f\x9b") == "a\\x1bb\\x09c\\x0ad\\x7f\\x9b"
    assert escape_text("C:\\Users\\n") == "C:\\Users\\n"
    assert escape_text("\\x1b") == "\\\\x1b"  # the text, not ESC
    assert escape_text("\\\x1b") == "\\\\\\x1b"  # a backslash, then ESC
    assert escape_path("C:\\xampp\\\x9b") == "C:\\xampp\\\\x9b"


@given(st.text(alphabet="\\x1b\x1b\x9b\x7f\x00a\n\t", max_size=30))
def test_escape_text_is_safe_and_reads_back(text: str) -> None:
    escaped = escape_text(text)
    assert not RAW.search(escaped) and "\n" not in escaped
    assert unescape(escaped) == text


@given(
    st.text(alphabet="\\x1\x1b\x9bab", max_size=12),
    st.text(alphabet="ak_…x\x1b\x9b", min_size=1, max_size=5),
    st.text(alphabet="\\x1\x1b\x9bab", max_size=12),
)
def test_escape_snippet_moves_the_caret_with_the_text(before: str, key: str, after: str) -> None:
    escaped, (start, width) = escape_snippet(before + key + after, (len(before), len(key)))
    assert escaped == escape_text(before + key + after)
    assert escaped[start : start + width] == escape_text(key)


# File names are data too: findings carry the real name, machine formats encode it their
# own way (JSON escapes, SARIF percent-encoding), human-readable ones show escapes.
ODD_NAMES = {
    b"new\nline.py": "new\\x0aline.py",
    b"tab\there.py": "tab\\x09here.py",
    b"esc\x1b[2Kape.py": "esc\\x1b[2Kape.py",
    b"bad\xffbyte.py": "bad\\xffbyte.py",  # not UTF-8: JSON carries "\udcff"
}


@pytest.fixture
def odd_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = fake_key()
    for name in ODD_NAMES:
        try:
            with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
                handle.write(f'KEY = "{key}"\n'.encode())
        except OSError:
            pytest.skip("the file system refuses such names")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_gitlab_and_baseline_carry_the_real_file_name(odd_names: Path) -> None:
    code, out, _ = run("scan", "--format", "json", ".")
    assert code == 1
    paths = [finding["path"] for finding in json.loads(out)["findings"]]
    assert sorted(os.fsencode(p) for p in paths) == sorted(ODD_NAMES)
    for path in paths:
        assert (odd_names / path).read_text().startswith("KEY = ")  # names the very file
    code, out, _ = run("scan", "--format", "gitlab", ".")
    files = [v["location"]["file"] for v in json.loads(out)["vulnerabilities"]]
    assert sorted(os.fsencode(f) for f in files) == sorted(ODD_NAMES)
    assert run("baseline", ".")[0] == 0
    assert run("scan", "--baseline", ".autype-guard-baseline.json", ".")[0] == 0


def test_sarif_uri_percent_encodes_the_real_file_name(odd_names: Path) -> None:
    code, out, _ = run("scan", "--format", "sarif", ".")
    assert code == 1
    uris = [
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(out)["runs"][0]["results"]
    ]
    assert sorted(unquote_to_bytes(uri) for uri in uris) == sorted(ODD_NAMES)


@pytest.mark.parametrize("fmt", ["text", "github", "html"])
def test_human_formats_show_escaped_file_names(odd_names: Path, fmt: str) -> None:
    code, out, _ = run("scan", "--format", fmt, ".")
    assert code == 1
    for shown in ODD_NAMES.values():
        assert shown in out
    assert "\x1b" not in out and "\t" not in out and "\udcff" not in out


def test_undecodable_bytes_of_a_name_are_shown_as_their_byte() -> None:
    name = os.fsdecode(b"bad\xff\x1bname.py")
    assert escape_path(name) == "bad\\xff\\x1bname.py"
    assert escape_text(f"{name}: note") == "bad\\xff\\x1bname.py: note"
    assert escape_snippet(f"{name} = ak_", (len(name) + 3, 3)) == (
        "bad\\xff\\x1bname.py = ak_",
        (len(name) + 9, 3),
    )
    assert json.loads(escape_json(json.dumps(name, ensure_ascii=False))) == name
