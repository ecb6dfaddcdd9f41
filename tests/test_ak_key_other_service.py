from __future__ import annotations

from autype_guard import scan_text
from autype_guard.config import Config

from .conftest import fake_key


def _codes(source: str, path: str, config: Config | None = None) -> list[str]:
    return [f.code for f in scan_text(source, path, config=config).findings]


def test_key_beside_another_services_base_url_is_that_services() -> None:
    key = fake_key()
    source = (
        f'const client = {{\n  apiKey: "{key}",\n  baseUrl: "https://api.jsearch.com/v1",\n}};\n'
    )
    [finding] = scan_text(source, "server/jobs.ts").findings
    assert finding.code == "AG105"
    assert "api.jsearch.com" in finding.message
    assert "JSEARCH_API_KEY" in finding.suggestion
    assert "Autype dashboard" not in finding.suggestion
    assert finding.severity.value == "medium"


def test_key_in_a_variable_named_for_another_service_is_that_services() -> None:
    key = fake_key()
    [finding] = scan_text(f"JSEARCH_API_KEY = '{key}'\n", "jobs.py").findings
    assert finding.code == "AG105"
    assert "JSEARCH_API_KEY" in finding.message
    assert "JSEARCH_API_KEY" in finding.suggestion


def test_a_statement_naming_autype_keeps_the_key_autypes() -> None:
    key = fake_key()
    source = (
        'STRIPE_URL = "https://api.stripe.com/v1"\n'
        f'client = Autype(api_key="{key}", base_url="https://api.autype.com/api/v1/dev")\n'
    )
    assert _codes(source, "app.py") == ["AG101"]


def test_a_file_naming_autype_anywhere_keeps_the_key_autypes() -> None:
    key = fake_key()
    source = (
        'JOBS = "https://api.jsearch.com/v1"\n\n'
        f'KEY = "{key}"\n\n'
        'requests.post("https://api.autype.com/api/v1/dev/render", headers={"X-API-Key": KEY})\n'
    )
    assert _codes(source, "app.py") == ["AG101"]


def test_a_key_without_telling_context_stays_autypes() -> None:
    key = fake_key()
    assert _codes(f'API_KEY = "{key}"\n# docs: https://github.com/acme/tool\n', "app.py") == [
        "AG101"
    ]


def test_two_other_services_in_the_file_name_no_owner() -> None:
    key = fake_key()
    source = f'A = "https://api.jsearch.com/v1"\nB = "https://api.stripe.com/v1"\n\nKEY = "{key}"\n'
    assert _codes(source, "app.py") == ["AG101"]


def test_the_browser_rule_gives_way_too() -> None:
    key = fake_key()
    source = f'fetch("https://api.jsearch.com/v1/search", {{ headers: {{ "X-Key": "{key}" }} }});\n'
    assert _codes(source, "src/components/Jobs.tsx") == ["AG105"]


def test_disabling_ag105_reports_the_key_as_autypes_again() -> None:
    key = fake_key()
    config = Config(disable=frozenset({"AG105"}))
    assert _codes(f"JSEARCH_API_KEY = '{key}'\n", "jobs.py", config) == ["AG101"]
