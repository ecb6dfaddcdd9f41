"""Idioms found missing by blind cases (round 2): joins in Go, Ruby, Rust; Python bytes `+`;
random keys containing a word; Bearer to api.autype.com; other services' settings paths."""

from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.keys import placeholder_reason

from .conftest import fake_key


@pytest.mark.parametrize(
    ("template", "path", "line"),
    [
        ('p := strings.Join([]string{{\n\t"ak",\n\t"{b}",\n}}, "_")\n', "main.go", 2),
        ('s := fmt.Sprintf("ak_%s%s", "{b1}", "{b2}")\n', "cmd/x/main.go", 1),
        ('let s = format!("ak_{{}}", "{b}");\n', "src/lib.rs", 1),
        ('String s = String.format("ak_%s", "{b}");\n', "src/A.java", 1),
        ('const (\n\tpfx = "ak_"\n\tother = 1\n\tk = pfx + "{b}"\n)\n', "pkg/k.go", 4),
        ('func f() string {{\n\tpfx := "ak_"\n\treturn pfx + "{b}"\n}}\n', "pkg/k.go", 3),
        ('K = %w(ak {b}).join("_")\n', "lib/k.rb", 1),
        ('K = "ak_#{{"{b1}"}}{b2}"\n', "lib/k.rb", 1),
        ('PFX = "ak_"\nK = "#{{PFX}}{b}"\n', "lib/k.rb", 2),
        ('K = "ak_" \\\n  "{b1}" \\\n  "{b2}"\n', "lib/k.rb", 1),
    ],
)
def test_joined_idioms_of_go_ruby_rust(template: str, path: str, line: int) -> None:
    key = fake_key()
    b = key[3:]
    text = template.format(b=b, b1=b[:9], b2=b[9:])
    findings = scan_text(text, path).findings
    assert [(f.line, f.encoding) for f in findings] == [(line, "joined")]
    assert findings[0].fingerprint == scan_text(f'k = "{key}"\n', "a.py").findings[0].fingerprint


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # A variable in the format or the join, slots and arguments that do not match.
        ('s := fmt.Sprintf("ak_%s", suffix)\n', "main.go"),
        ('s := fmt.Sprintf("ak_%s%s", "AbCdEfGhIjKlMnOpQrSt")\n', "main.go"),
        ('p := strings.Join([]string{"ak", v}, "_")\n', "main.go"),
        ('K = %w(ak your api key here).join("_")\n', "lib/k.rb"),
        # A name bound twice (`:=` then `=`).
        ('p := "ak_"\np = "x_"\nk := p + "AbCdEfGhIjKlMnOpQrSt"\n', "main.go"),
    ],
)
def test_round2_lookalikes_are_not_joined(text: str, path: str) -> None:
    assert scan_text(text, path).findings == []


def test_whole_bound_key_is_reported_once_at_its_literal() -> None:
    key = fake_key()
    text = f"const K = '{key}';\nfetch(`/x?k=${{K}}`);\n"
    assert [f.line for f in scan_text(text, "src/a.ts").findings] == [1]


def test_python_bytes_joined_with_plus_then_decoded() -> None:
    key = fake_key()
    text = f'K = (b"{key[:3]}" + b"{key[3:11]}" + b"{key[11:]}").decode("ascii")\n'
    assert [(f.line, f.encoding) for f in scan_text(text, "a.py").findings] == [(1, "assembled")]
    assert scan_text('K = (b"ak_" + b"your_api_key_here").decode()\n', "a.py").findings == []


def test_word_inside_a_random_run_does_not_make_a_placeholder() -> None:
    random_run = "Qw3rTyU" + "demo" + "Io9pAs2dFg4hJk"
    assert placeholder_reason("ak_" + random_run) is None
    for fake in (
        "ak_demo_Qw3rTyUIo9pAs2dFg4",  # the word is its own chunk
        "ak_DEMOQw3rTyUIo9pAs2dFg4",  # the word starts the run
        "ak_mydemokeyforthedocs",  # no random run around it
        "ak_this_is_a_sample_value",
        "ak_that_is_not_a_real_secret",
    ):
        assert placeholder_reason(fake) is not None, fake


def test_bearer_to_autype_host_whatever_the_credential_name() -> None:
    text = (
        "const r = await fetch('https://api.autype.com/api/v1/dev/images', {\n"
        "  headers: { Authorization: 'Bea"
        "rer ' + settings.docsToken },\n"
        "});\n"
    )
    assert [(f.code, f.line) for f in scan_text(text, "src/server/x.ts").findings] == [("AG301", 2)]
    other = (
        "const base = 'https://api.autype.com/api/v1/dev';\n"
        "const r = await fetch(ghUrl, {\n"
        "  headers: { Authorization: 'Bearer ' + settings.githubToken },\n"
        "});\n"
    )
    assert scan_text(other, "src/server/x.ts").findings == []


def test_bearer_for_a_service_named_in_a_settings_path() -> None:
    text = (
        "<?php\n"
        "$a = Http::withToken(config('services.slack.token'))->post($slackUrl, $m);\n"
        "$b = Http::withHeaders(['X-API-Key' => config('services.autype.key')])\n"
        "    ->post('https://api.autype.com/api/v1/dev/render', $doc);\n"
    )
    assert scan_text(text, "app/Notify.php").findings == []
