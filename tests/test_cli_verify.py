"""`scan --verify` end to end: the CLI against the real stand-in server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autype_guard.api import ScanOptions, scan_paths, verify_findings
from autype_guard.config import Config
from autype_guard.keys import DOCS_PLACEHOLDER
from autype_guard.verify import API_URL_ENV, KeyCollector

from .autype_stand_in import IMAGES_PATH, AutypeStandIn
from .conftest import fake_key
from .test_cli import run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(API_URL_ENV, raising=False)
    return tmp_path


@pytest.fixture
def live() -> str:
    return fake_key()


@pytest.fixture
def revoked() -> str:
    return fake_key()


@pytest.fixture
def api(live: str) -> Iterator[AutypeStandIn]:
    with AutypeStandIn(live=[live], slow_seconds=5.0) as stand_in:
        yield stand_in


def assert_keys_only_in_api_key_header(api: AutypeStandIn, keys: list[str]) -> None:
    for request in [*api.requests, *api.thief_requests]:
        assert request.method == "GET"
        assert request.path == IMAGES_PATH
        assert request.api_key in keys
        others = [value for name, value in request.headers if name.lower() != "x-api-key"]
        assert not any(key in value for key in keys for value in others)


def write_tree(project: Path, live: str, revoked: str) -> None:
    (project / "app.py").write_text(
        f'LIVE = "{live}"\nOLD = "{revoked}"\nDOC = "{DOCS_PLACEHOLDER}"\n'
    )
    (project / "settings.yaml").write_text(f"autype_key: {live}\n")


def findings_by_location(out: str) -> dict[tuple[str, int], dict[str, object]]:
    return {(f["path"], f["line"]): f for f in json.loads(out)["findings"]}


# -- outcomes in every format --------------------------------------------------------


def test_text_shows_each_outcome_and_a_live_key_is_critical(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    write_tree(project, live, revoked)
    code, out, err = run("scan", "--verify", "--api-url", api.api_url, ".")
    assert code == 1
    assert f"app.py:1:9: AG101 [*] Hardcoded Autype API key ak_…{live[-4:]}" in out
    blocks = out.split("\n\n")
    (live_py,) = [b for b in blocks if b.startswith("app.py:1:")]
    (old_py,) = [b for b in blocks if b.startswith("app.py:2:")]
    (live_yaml,) = [b for b in blocks if b.startswith("settings.yaml:1:")]
    for block in (live_py, live_yaml):
        assert "[critical]" in block.splitlines()[0]
        assert "  = verified: live (HTTP 200)" in block.splitlines()
    assert "[high]" in old_py.splitlines()[0]
    assert "  = verified: revoked (HTTP 401, invalid or expired key)" in old_py.splitlines()
    assert "2 keys checked" in err and "1 live, 1 revoked, 0 unknown" in err
    assert "no key could be verified" not in err
    assert live not in out + err and revoked not in out + err


def test_same_key_in_two_files_is_sent_once_and_placeholders_never(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    write_tree(project, live, revoked)
    code, out, _ = run("scan", "--verify", "--show-placeholders", "--api-url", api.api_url, ".")
    assert code == 1
    assert len(api.requests) == 2
    assert len(api.requests_with_key(live)) == 1
    assert len(api.requests_with_key(revoked)) == 1
    assert api.requests_with_key(DOCS_PLACEHOLDER) == []
    assert api.thief_requests == []
    assert_keys_only_in_api_key_header(api, [live, revoked])
    (placeholder,) = [b for b in out.split("\n\n") if b.startswith("app.py:3:")]
    assert "[info]" in placeholder and "verified" not in placeholder


def test_json_and_sarif_carry_the_outcome_as_properties(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    write_tree(project, live, revoked)
    code, out, _ = run("scan", "--verify", "--format", "json", "--api-url", api.api_url, ".")
    assert code == 1
    found = findings_by_location(out)
    assert found["app.py", 1]["severity"] == "critical"
    assert found["app.py", 1]["properties"] == {
        "verification": "live",
        "verification_detail": "HTTP 200",
    }
    assert found["settings.yaml", 1]["properties"]["verification"] == "live"
    assert found["app.py", 2]["severity"] == "high"
    assert found["app.py", 2]["properties"]["verification"] == "revoked"

    code, out, _ = run("scan", "--verify", "--format", "sarif", "--api-url", api.api_url, ".")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    by_line = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): r
        for r in results
    }
    live_result = by_line["app.py", 1]
    assert live_result["level"] == "error"
    assert live_result["properties"]["severity"] == "critical"
    assert live_result["properties"]["security-severity"] == "9.5"
    assert live_result["properties"]["verification"] == "live"
    assert live_result["properties"]["verification_detail"] == "HTTP 200"
    assert by_line["app.py", 2]["properties"]["verification"] == "revoked"
    assert live not in out and revoked not in out
    # One request per distinct key per run: two runs, two keys.
    assert len(api.requests) == 4


def test_slow_api_gives_unknown_within_the_timeout(project: Path) -> None:
    slow = fake_key()
    (project / "app.py").write_text(f'KEY = "{slow}"\n')
    with AutypeStandIn(slow=[slow], slow_seconds=5.0) as api:
        code, out, err = run(
            "scan", "--verify", "--verify-timeout", "0.3", "--format", "json",
            "--api-url", api.api_url, ".",
        )  # fmt: skip
        assert len(api.requests) == 1
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["severity"] == "high"
    assert finding["properties"]["verification"] == "unknown"
    assert "timed out" in finding["properties"]["verification_detail"]
    assert "0 live, 0 revoked, 1 unknown" in err
    assert "warning: no key could be verified" in err


def test_stdin_keys_are_verified_too(project: Path, api: AutypeStandIn, live: str) -> None:
    code, out, _ = run(
        "scan", "--verify", "--api-url", api.api_url, "-", "--stdin-filename", "app.py",
        input=f'KEY = "{live}"\n',
    )  # fmt: skip
    assert code == 1
    assert "= verified: live (HTTP 200)" in out
    assert len(api.requests_with_key(live)) == 1


# -- what is never sent --------------------------------------------------------------


def test_without_verify_nothing_is_sent_even_with_the_env_var_set(
    project: Path, api: AutypeStandIn, live: str, revoked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(project, live, revoked)
    monkeypatch.setenv(API_URL_ENV, api.api_url)
    for fmt in ("text", "json", "sarif"):
        code, out, err = run("scan", "--format", fmt, "--fail-on", "info", ".")
        assert code == 1
        assert "verif" not in out and "live check" not in err
    assert api.requests == []
    assert api.thief_requests == []


def test_suppressed_findings_keys_are_not_sent(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    ignore = "autype-guard: " + "ignore[AG101]"  # split so this file holds no dead comment
    (project / "app.py").write_text(f'LIVE = "{live}"  # {ignore}\nOLD = "{revoked}"\n')
    code, _, _ = run("scan", "--verify", "--api-url", api.api_url, ".")
    assert code == 1
    assert [request.api_key for request in api.requests] == [revoked]


def test_env_var_sets_the_api_url_and_the_command_line_overrides_it(
    project: Path, api: AutypeStandIn, live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "app.py").write_text(f'KEY = "{live}"\n')
    monkeypatch.setenv(API_URL_ENV, api.api_url)
    assert run("scan", "--verify", ".")[0] == 1
    assert len(api.requests) == 1
    with AutypeStandIn(live=[live]) as other:
        assert run("scan", "--verify", "--api-url", other.api_url, ".")[0] == 1
        assert len(other.requests) == 1
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--api-url", "http://api.autype.com/api/v1/dev"], None, "command line"),
        (["--api-url", "ftp://127.0.0.1/x"], None, "command line"),
        ([], "http://example.com/api/v1/dev", API_URL_ENV),
    ],
)
def test_bad_api_url_exits_2_with_one_line_before_sending_anything(
    project: Path,
    api: AutypeStandIn,
    live: str,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: str | None,
    named: str,
) -> None:
    (project / "app.py").write_text(f'KEY = "{live}"\n')
    if env is not None:
        monkeypatch.setenv(API_URL_ENV, env)
    code, out, err = run("scan", "--verify", *args, ".")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and named in err
    assert api.requests == [] and api.thief_requests == []


@pytest.mark.parametrize(
    "args",
    [["--fail-on-live-only"], ["--api-url", "https://example.org/api"], ["--verify-timeout", "1"]],
)
def test_verify_companions_without_verify_are_usage_errors(
    project: Path, api: AutypeStandIn, live: str, args: list[str]
) -> None:
    (project / "app.py").write_text(f'KEY = "{live}"\n')
    code, out, err = run("scan", *args, ".")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and args[0] in err and "--verify" in err
    assert api.requests == []


@pytest.mark.parametrize("timeout", ["0", "-1", "61", "soon"])
def test_verify_timeout_must_be_a_bounded_positive_number(project: Path, timeout: str) -> None:
    assert run("scan", "--verify", "--verify-timeout", timeout, ".")[0] == 2


@pytest.mark.parametrize(
    "setting", ['api-url = "{url}"', "verify = true", 'api_url = "{url}"', "verify-timeout = 1"]
)
def test_repository_config_cannot_turn_on_or_redirect_the_live_check(
    project: Path, api: AutypeStandIn, live: str, setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "app.py").write_text(f'KEY = "{live}"\n')
    (project / ".autype-guard.toml").write_text(setting.format(url=api.api_url) + "\n")
    monkeypatch.setenv(API_URL_ENV, api.api_url)
    for args in ([], ["--verify"]):
        code, _, err = run("scan", *args, ".")
        assert code == 2
        assert "unknown config key" in err
    assert api.requests == []


def test_pre_commit_hook_never_verifies() -> None:
    hooks = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "--verify" not in hooks


# -- exit codes --------------------------------------------------------------------------


def test_fail_on_live_only_fails_only_for_live_keys(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    broken = fake_key()
    (project / "old.py").write_text(f'OLD = "{revoked}"\n')
    (project / "README.md").write_text(f"key {broken}\n")
    with AutypeStandIn(server_error=[broken]) as flaky:
        code, _, err = run("scan", "--verify", "--fail-on-live-only", "--api-url", flaky.api_url)
        assert len(flaky.requests) == 2
    assert code == 0
    assert "0 live, 1 revoked, 1 unknown" in err
    # The same revoked and unknown keys fail a normal run.
    assert run("scan", "--verify", "--api-url", api.api_url)[0] == 1

    (project / "new.py").write_text(f'NEW = "{live}"\n')
    code, _, _ = run("scan", "--verify", "--fail-on-live-only", "--api-url", api.api_url)
    assert code == 1


def test_fail_on_live_only_with_no_keys_is_clean(project: Path, api: AutypeStandIn) -> None:
    (project / "app.py").write_text('KEY = os.environ["AUTYPE_API_KEY"]\n')
    code, _, err = run("scan", "--verify", "--fail-on-live-only", "--api-url", api.api_url)
    assert code == 0
    assert "no real keys to check" in err
    assert api.requests == []


# -- library level -----------------------------------------------------------------------


def test_findings_never_hold_the_key_even_when_collected(
    tmp_path: Path, api: AutypeStandIn, live: str
) -> None:
    (tmp_path / "app.py").write_text(f'KEY = "{live}"\n')
    collector = KeyCollector()
    options = ScanOptions(key_collector=collector)
    report = scan_paths([tmp_path], Config(root=tmp_path), options)
    assert len(collector) == 1
    assert live not in repr(options)
    verify_findings(report, collector, api.api_url, timeout=2.0)
    (finding,) = report.findings
    assert dict(finding.properties)["verification"] == "live"
    assert live not in json.dumps(dataclasses.asdict(finding), default=str)
    assert live not in repr(report)


def test_scan_without_collector_collects_nothing(tmp_path: Path, live: str) -> None:
    (tmp_path / "app.py").write_text(f'KEY = "{live}"\n')
    report = scan_paths([tmp_path], Config(root=tmp_path))
    (finding,) = report.findings
    assert finding.properties == ()
    assert ScanOptions().key_collector is None


def test_a_library_run_applies_the_baseline_before_the_live_check(
    project: Path, api: AutypeStandIn, live: str, revoked: str
) -> None:
    from autype_guard import baseline
    from autype_guard.api import RunRequest, execute
    from autype_guard.config import Config
    from autype_guard.model import VERIFICATION

    (project / "old.py").write_text(f'OLD = "{revoked}"\n')
    config = Config(root=project)
    accepted = baseline.build(execute(RunRequest(config, paths=[project])).report.findings, project)
    (project / "new.py").write_text(f'LIVE = "{live}"\n')
    outcome = execute(
        RunRequest(
            config,
            paths=[project],
            baseline=accepted,
            baseline_dir=project,
            verify_url=api.api_url,
            verify_timeout=2.0,
        )
    )
    (finding,) = outcome.report.findings
    assert dict(finding.properties)[VERIFICATION] == "live"
    assert outcome.report.baselined == 1
    # The baselined key was never sent; the live one once.
    assert [r.api_key for r in api.requests] == [live]


def test_verify_timeout_bounds_a_request_to_a_trickling_server(project: Path, live: str) -> None:
    (project / "app.py").write_text(f'KEY = "{live}"\n')
    with AutypeStandIn(trickle=[live], trickle_seconds=0.5, trickle_headers=60) as api:
        started = time.monotonic()
        code, out, _ = run(
            "scan", "--verify", "--verify-timeout", "1", "--api-url", api.api_url, "."
        )
        elapsed = time.monotonic() - started
    assert code == 1
    assert "verified: unknown (timed out after 1s)" in out
    assert elapsed < 8.0
