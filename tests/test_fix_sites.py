"""Findings carry their keys' edit sites, and `fix` works from them: it reads each key back
at its site (never scanning again, never matching by line), and a file whose keys are no
longer where the scan saw them is reported, not edited."""

from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path

import pytest

from autype_guard import ScanOptions, scan_paths, scan_text
from autype_guard.config import Config
from autype_guard.context import FileContext
from autype_guard.fixes import apply
from autype_guard.fixes.apply import CHANGED_SINCE_SCAN, FixOptions, plan_fixes
from autype_guard.keys import KeyMatcher, fingerprint
from autype_guard.model import EditKind, EditSite, Finding

from .conftest import fake_key
from .test_cli import run


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)  # fix refuses to write in CI
    return repo


def env_entries(repo: Path) -> dict[str, str]:
    lines = (repo / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def site_of(finding: Finding) -> EditSite:
    assert finding.fix is not None and finding.fix.site is not None
    return finding.fix.site


def read_back(text: str, finding: Finding) -> str | None:
    site = site_of(finding)
    return KeyMatcher().key_at(text, site.start, site.end, finding.encoding, site.pieces)


# --- the sites the scan records ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "template", "written", "kind"),
    [
        ("app.py", 'API_KEY = "{k}"\n', "{k}", EditKind.PYTHON_LITERAL),
        ("app.py", "# é€ old: {k}\n", "{k}", EditKind.PYTHON_LITERAL),
        ("server/seed.js", 'const k = "\\x61k_{b}";\n', "\\x61k_{b}", EditKind.SCRIPT_LITERAL),
        ("docs/use.md", "Call `/v1?key=%61%6b_{b}`.\n", "%61%6b_{b}", EditKind.DOCS_PLACEHOLDER),
        (
            ".github/workflows/ci.yml",
            "env:\n  AUTYPE_API_KEY: {k}\n",
            "{k}",
            EditKind.WORKFLOW_VALUE,
        ),
        ("compose.yaml", "x:\n  - KEY=${{KEY:-{k}}}\n", "{k}", EditKind.COMPOSE_VALUE),
    ],
    ids=[
        "python",
        "python-comment-after-non-ascii",
        "js-escaped",
        "docs-url-encoded",
        "workflow",
        "compose",
    ],
)
def test_a_findings_site_covers_exactly_the_keys_written_form(
    path: str, template: str, written: str, kind: EditKind
) -> None:
    key = fake_key()
    text = template.format(k=key, b=key[3:])
    (finding,) = scan_text(text, path).findings
    site = site_of(finding)
    assert text[site.start : site.end] == written.format(k=key, b=key[3:])
    assert site.kind is kind
    assert read_back(text, finding) == key
    assert fingerprint(key) == finding.fingerprint
    assert key not in repr(finding)


def test_a_joined_python_literals_site_runs_from_its_first_character_to_its_last() -> None:
    key = fake_key()
    text = f'KEY = "{key[:9]}" "{key[9:]}"\n'
    (finding,) = scan_text(text, "app.py").findings
    site = site_of(finding)
    assert finding.encoding == "joined"
    assert text[site.start : site.end] == f'{key[:9]}" "{key[9:]}'
    assert [text[a:b] for a, b in site.pieces] == [key[:9], key[9:]]
    assert read_back(text, finding) == key
    assert key not in repr(finding)


def test_a_python_literal_joined_across_lines_has_its_whole_written_form_as_site() -> None:
    key = fake_key()
    text = f'KEY = (\n    "{key[:12]}"  # first part\n    "{key[12:]}"\n)\n'
    (finding,) = scan_text(text, "app.py").findings
    site = site_of(finding)
    assert finding.line == 2  # the span stays on the first line
    assert text[site.start : site.end] == f'{key[:12]}"  # first part\n    "{key[12:]}'
    assert read_back(text, finding) == key


def test_a_joined_literal_with_escapes_records_no_pieces() -> None:
    key = fake_key()
    # "\\x35" is "5": the escape's last character looks like the key's, but is not it.
    text = f'KEY = "{key[:9]}" "\\x35{key[9:]}"\n'
    (finding,) = scan_text(text, "app.py").findings
    assert finding.encoding == "joined"
    assert site_of(finding).pieces == ()


def test_the_site_carries_the_name_the_code_suggests_but_never_a_key() -> None:
    key, other = fake_key(), fake_key()
    (named,) = scan_text(f'STAGING_KEY = "{key}"\n', "app.py").findings
    assert site_of(named).hint == "STAGING_KEY"
    findings = scan_text(f'k = os.getenv("{other}", "{key}")\n', "app.py").findings
    (fallback,) = [f for f in findings if f.fingerprint == fingerprint(key)]
    assert site_of(fallback).hint is None  # the variable "name" is a key


def test_files_without_an_automatic_fix_carry_no_site() -> None:
    key = fake_key()
    (finding,) = scan_text(
        f'fetch(u, {{ headers: {{ "X-API-Key": "{key}" }} }});\n', "src/api.ts"
    ).findings
    assert finding.fix is not None and finding.fix.site is None


def test_a_large_file_scanned_in_windows_gets_the_same_sites(tmp_path: Path) -> None:
    keys = [fake_key() for _ in range(3)]
    filler = "Grüße – ünïcödé, a line of prose without secrets in it at all.\n" * 400
    text = filler + f"Use `{keys[0]}`.\n" + filler + f"{keys[1]} and {keys[2]}\n" + filler
    path = tmp_path / "notes.md"
    path.write_bytes(codecs.BOM_UTF8 + text.encode())
    config = Config(root=tmp_path)
    whole = scan_paths([path], config).findings
    windows = scan_paths([path], config, ScanOptions(chunk_size=4096, chunk_overlap=1024)).findings
    assert len(whole) == 3
    assert [site_of(f) for f in windows] == [site_of(f) for f in whole]
    assert [read_back(text, f) for f in windows] == keys


# --- fix works from the sites ---------------------------------------------------------------------


def test_two_different_keys_on_one_line_are_both_moved_each_under_its_own_name(
    project: Path,
) -> None:
    a, b = fake_key(), fake_key()
    (project / "app.py").write_text(f'import os\nclients = [Client("{a}"), Client("{b}")]\n')
    (project / "README.md").write_text(f"Try `{b}` or `{a}`.\n")
    code, out, _ = run("fix")
    assert code == 0, out
    assert (project / "app.py").read_text() == (
        'import os\nclients = [Client(os.environ["AUTYPE_API_KEY"]),'
        ' Client(os.environ["AUTYPE_API_KEY_2"])]\n'
    )
    assert (project / "README.md").read_text() == (
        "Try `ak_your_api_key_here` or `ak_your_api_key_here`.\n"
    )
    assert env_entries(project) == {"AUTYPE_API_KEY": a, "AUTYPE_API_KEY_2": b}


def test_a_file_edited_between_scan_and_fix_is_reported_not_edited(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, other = fake_key(), fake_key()
    (project / "moved.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "swapped.py").write_text(f'import os\nKEY = "{key}"\n')
    (project / "kept.py").write_text(f'import os\nOTHER = "{other}"\n')
    config = Config(root=project)
    before = scan_paths([project], config)
    # After the scan: a line inserted above the key, and a key of the same length in place.
    moved = f'import os\n# a new line\nKEY = "{key}"\n'
    swapped = f'import os\nKEY = "{fake_key()}"\n'
    (project / "moved.py").write_text(moved)
    (project / "swapped.py").write_text(swapped)
    monkeypatch.setattr(apply, "scan_paths", lambda *args, **kwargs: before)
    plan = plan_fixes([project], config, FixOptions())
    reasons = {u.finding.path: u.reason for u in plan.unfixed}
    assert reasons == {"moved.py": CHANGED_SINCE_SCAN, "swapped.py": CHANGED_SINCE_SCAN}
    assert [change.display for change in plan.sources] == ["kept.py"]
    assert [saved.name for saved in plan.saved] == ["AUTYPE_API_KEY"]
    assert (project / "moved.py").read_text() == moved
    assert (project / "swapped.py").read_text() == swapped


def test_reading_a_key_back_checks_the_whole_written_form() -> None:
    key = fake_key()
    text = f'KEY = "{key}"\n'
    start, end = text.index(key), text.index(key) + len(key)
    matcher = KeyMatcher()
    assert matcher.key_at(text, start, end) == key
    longer = text.replace(key, key + "X")  # the key grew: the old range is only part of it
    assert matcher.key_at(longer, start, end) is None
    glued = text.replace(f'"{key}', f'"x{key}')  # no longer a key on its own
    assert matcher.key_at(glued, start + 1, end + 1) is None
    assert matcher.key_at(text, start + 1, end) is None
    assert matcher.key_at(text, start, end + 5) is None


def test_plan_fixes_scans_each_file_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "server").mkdir()
    (project / "app.py").write_text(f'import os\nKEY = "{fake_key()}"\n')
    split = fake_key()
    (project / "joined.py").write_text(f'import os\nKEY = "{split[:10]}" + "{split[10:]}"\n')
    (project / "server" / "index.js").write_text(f'const key = "{fake_key()}";\n')
    (project / "README.md").write_text(f"Use `{fake_key()}`.\n")
    scans: Counter[str] = Counter()
    original = FileContext.key_occurrences

    def counting(ctx: FileContext) -> object:
        if ctx._occurrences is None:
            scans[ctx.path] += 1
        return original.fget(ctx)  # type: ignore[attr-defined]

    monkeypatch.setattr(FileContext, "key_occurrences", property(counting))
    plan = plan_fixes([project], Config(root=project), FixOptions())
    assert not plan.unfixed
    assert len(plan.fixed) == 4
    assert scans == {"app.py": 1, "joined.py": 1, "server/index.js": 1, "README.md": 1}


def test_a_latin1_module_whose_bytes_read_differently_as_utf8_is_still_fixed(
    project: Path, key: str
) -> None:
    # "Ã©" in Latin-1 is two bytes that UTF-8 (how the scan reads) takes for one "é": the
    # sites' offsets are translated into the declared encoding's.
    source = f'# -*- coding: latin-1 -*-\nimport os\nNAME = "Ã©"\nKEY = "{key}"\n'
    (project / "legacy.py").write_bytes(source.encode("latin-1"))
    code, out, _ = run("fix")
    assert code == 0, out
    expected = source.replace(f'"{key}"', 'os.environ["AUTYPE_API_KEY"]')
    assert (project / "legacy.py").read_bytes() == expected.encode("latin-1")
    assert env_entries(project) == {"AUTYPE_API_KEY": key}
