from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autype_guard import scan_text
from autype_guard.api import scan_paths
from autype_guard.config import Config
from autype_guard.model import Finding

from .conftest import fake_key
from .test_cli import run

FIXTURES = Path(__file__).parent / "fixtures" / "source-map"
DOC_KEY = "ak_3hQ9xLr2Vt8mW1pZ"  # the documentation's example key: autype-guard: ignore


def _map(contents: list[str], sources: list[str], **extra: object) -> str:
    doc = {"version": 3, "sources": sources, "sourcesContent": contents, "mappings": "AAAA"}
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=True) + "\n"


def _only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_fixture_map_is_located_in_raw_text_past_json_escapes() -> None:
    raw = (FIXTURES / "public/assets/app.js.map").read_text()
    report = scan_paths([FIXTURES], Config(root=FIXTURES))
    finding = _only(report.findings)
    assert finding.code == "AG102"
    assert finding.path.endswith("public/assets/app.js.map")
    # \u00e9, \u2615, \", \\ and a surrogate pair precede the key on the map's single line.
    column = raw.index(DOC_KEY) + 1
    assert (finding.line, finding.column) == (1, column)
    assert finding.span.end.column == column + len(DOC_KEY)
    (related,) = finding.related
    assert related.path.endswith("src/config.ts")
    assert related.line == 4
    assert "src/config.ts" in finding.message


def test_key_written_with_escapes_inside_sources_content() -> None:
    key = fake_key()
    content = "const a = 1;\nconst k = '" + key + "';\n"
    text = _map([content], ["src/k.ts"]).replace(key[:3], "\\u0061k_")
    assert "\\u0061k_" in text
    finding = _only(scan_text(text, "dist/app.js.map").findings)
    start = text.index("\\u0061k_")
    assert finding.column == start + 1
    assert finding.span.end.column == start + len("\\u0061k_") + len(key) - 3 + 1
    assert finding.related[0].line == 2
    assert finding.related[0].path == "dist/src/k.ts"


def test_every_sources_content_entry_is_attributed_to_its_source() -> None:
    k1, k2 = fake_key(), fake_key()
    text = _map(
        [f"a = '{k1}';\n", None, f"\n\nb = '{k2[:9]}' + '{k2[9:]}';\n"],  # type: ignore[list-item]
        ["webpack://app/./src/a.ts", "b.ts", "c.ts"],
        sourceRoot="../../src",
    )
    findings = scan_text(text, "dist/assets/index.js.map").findings
    # both keys sit on the map's line 1: one finding each, each naming its source
    assert [f.related[0].path for f in findings] == ["src/a.ts", "src/c.ts"]
    from autype_guard.keys import KeyMatcher
    from autype_guard.scanners.sourcemap import scan_source_map

    occurrences, notes = scan_source_map(text, KeyMatcher(), "dist/assets/index.js.map")
    assert notes == []
    assert [(o.hit.key, o.related[0].path, o.related[0].line) for o in occurrences] == [
        (k1, "src/a.ts", 1),
        (k2, "src/c.ts", 3),
    ]


def test_index_map_sections_are_followed() -> None:
    key = fake_key()
    inner = json.loads(_map([f"k = '{key}';\n"], ["src/x.ts"]))
    text = json.dumps(
        {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": inner}]}
    )
    finding = _only(scan_text(text, "dist/app.js.map").findings)
    assert finding.related[0].path == "dist/src/x.ts"
    assert finding.column == text.index(key) + 1


@pytest.mark.parametrize(
    "broken",
    [
        '{"version":3,"sourcesContent":["k = \'{key}\'"',  # truncated
        '{"version":3,"sourcesContent":["k = \'{key}\'"],}',  # trailing comma
        "not json at all: {key}",
    ],
)
def test_malformed_map_falls_back_to_text_scan_with_a_note(broken: str) -> None:
    key = fake_key()
    result = scan_text(broken.replace("{key}", key), "dist/app.js.map")
    assert [f.code for f in result.findings] == ["AG102"]
    assert any("not valid JSON" in note for note in result.notes)
    assert result.findings[0].related == ()


def test_xssi_prefix_is_skipped() -> None:
    key = fake_key()
    text = ")]}'\n" + _map([f"k = '{key}';\n"], ["a.ts"])
    finding = _only(scan_text(text, "dist/app.js.map").findings)
    assert finding.line == 2
    assert finding.related


def test_placeholder_in_sources_content_is_not_a_finding() -> None:
    text = _map(["k = 'ak_your_api_key_here';\n"], ["a.ts"])
    assert scan_text(text, "dist/app.js.map").findings == []


def test_sarif_puts_the_original_source_in_related_locations_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy: the repository's own config excludes tests/fixtures and allowlists DOC_KEY.
    shutil.copytree(FIXTURES, tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site")
    out = tmp_path / "out.sarif"
    code, _, _ = run("scan", "--format", "sarif", "--output", str(out), ".")
    assert code == 1
    (result,) = json.loads(out.read_text())["runs"][0]["results"]
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "public/assets/app.js.map"
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "src/config.ts"
    assert related["physicalLocation"]["region"]["startLine"] == 4
    assert "src/config.ts" in result["message"]["text"]


@pytest.mark.parametrize(
    ("map_path", "root", "source", "resolved"),
    [
        ("dist/assets/app.js.map", "", "../../src/a.ts", "src/a.ts"),
        ("dist/assets/app.js.map", "../../src", "a.ts", "src/a.ts"),
        ("dist/app.js.map", "https://cdn.example/src/", "a.ts", "https://cdn.example/src/a.ts"),
        ("dist/app.js.map", "", "webpack://app/./src/a.ts?1a2b", "src/a.ts"),
        ("web/.next/static/chunks/x.js.map", "", "webpack:///./app/page.tsx", "web/app/page.tsx"),
        ("maps/x.js.map", "", "webpack://app/./src/a.ts", "maps/src/a.ts"),
        ("dist/app.js.map", "", "webpack://app/webpack/bootstrap", "webpack/bootstrap"),
        ("dist/app.js.map", "", "file:///home/u/app/src/a.ts", "file:///home/u/app/src/a.ts"),
        ("site.zip!dist/app.js.map", "", "../src/a.ts", "site.zip!src/a.ts"),
    ],
)
def test_original_source_path_is_resolved(
    map_path: str, root: str, source: str, resolved: str
) -> None:
    from autype_guard.scanners.sourcemap import _resolve

    assert _resolve(map_path, root, source) == resolved


def test_a_key_in_a_source_name_is_masked_in_related_locations() -> None:
    # Found by fuzz/fuzz_sourcemap.py: the related location of another finding named the
    # source verbatim, key and all.
    from .test_masking import leaks, rendered

    named, inside = fake_key(), fake_key()
    text = _map([f'const k = "{inside}";\n'], [f"src/{named}.js"])
    result = scan_text(text, "dist/assets/app.js.map")
    assert {f.preview[-4:] for f in result.findings} == {named[-4:], inside[-4:]}
    assert any(
        r.path.startswith("dist/assets/src/ak_…") for f in result.findings for r in f.related
    )
    assert leaks(rendered(result), [named, inside]) == []


def test_a_key_found_only_in_decoded_content_is_masked_in_its_neighbours_snippets() -> None:
    # Found by fuzz/fuzz_sourcemap.py: after an escaped backslash and an x (`\\x` in the raw
    # map, `\x` once decoded) the second key is found in sourcesContent, but the raw text
    # shows it glued to the x, where the matcher sees no key: the first key's snippet
    # showed it whole.
    from .test_masking import leaks, rendered

    first, second = fake_key(), fake_key()
    text = _map([f'a = "{first}" + "\\x{second}";\n'], ["src/a.js"])
    result = scan_text(text, "dist/assets/app.js.map")
    assert {f.preview[-4:] for f in result.findings} == {first[-4:], second[-4:]}
    assert leaks(rendered(result), [first, second]) == []


def test_a_key_glued_to_a_name_behind_an_escape_is_masked_in_messages() -> None:
    # Found by fuzz/fuzz_sourcemap.py: in the raw map `\ufffd` ends before the first key, so
    # it is found, but the message named the assignment target `ufffdak_...`: the key glued
    # to the escape's letters, where the matcher sees no key.
    from .test_masking import leaks, rendered

    first, second = fake_key(), fake_key()
    text = _map([""], [f"\ufffd{first}= '{second}';"])
    result = scan_text(text, "dist/assets/app.js.map")
    assert {f.preview[-4:] for f in result.findings} == {first[-4:], second[-4:]}
    assert leaks(rendered(result), [first, second]) == []
