from __future__ import annotations

import copy
import http.client
import pickle
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from autype_guard.keys import DOCS_PLACEHOLDER, fingerprint
from autype_guard.verify import (
    API_URL_ENV,
    DEFAULT_API_URL,
    USER_AGENT,
    ApiUrlError,
    KeyCollector,
    Outcome,
    VerifyResult,
    resolve_api_url,
    verify_keys,
)

from .autype_stand_in import IMAGES_PATH, AutypeStandIn
from .conftest import fake_key as real_looking_key


def fake_key() -> str:
    return "ak_" + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Keys:
    live: str
    forbidden: str
    revoked: str
    slow: str
    rate_limited_once: str
    rate_limited_long: str
    server_error: str
    redirect: str


@pytest.fixture
def keys() -> Keys:
    return Keys(*(fake_key() for _ in range(8)))


@pytest.fixture
def api(keys: Keys) -> Iterator[AutypeStandIn]:
    with AutypeStandIn(
        live=[keys.live],
        forbidden=[keys.forbidden],
        slow=[keys.slow],
        rate_limited_once=[keys.rate_limited_once],
        rate_limited_long=[keys.rate_limited_long],
        server_error=[keys.server_error],
        redirect=[keys.redirect],
        slow_seconds=5.0,
    ) as stand_in:
        yield stand_in


def verify_one(
    key: str, api_url: str, *, timeout: float = 5.0, max_retry_after: float = 5.0
) -> VerifyResult:
    results = verify_keys([key], api_url, timeout=timeout, max_retry_after=max_retry_after)
    assert list(results) == [key]
    return results[key]


def unused_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the stand-in itself answers like Autype ---------------------------------------


def stand_in_status(api: AutypeStandIn, headers: dict[str, str]) -> tuple[int, bytes]:
    host, port = api.api_url.split("//", 1)[1].split("/", 1)[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", IMAGES_PATH, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_stand_in_rejects_missing_key_header_like_autype(api: AutypeStandIn) -> None:
    status, body = stand_in_status(api, {})
    assert status == 401
    assert body == b'{"message": "API key is required"}'


def test_stand_in_rejects_unknown_key_like_autype(api: AutypeStandIn) -> None:
    status, body = stand_in_status(api, {"X-API-Key": fake_key()})
    assert status == 401
    assert body == b'{"message": "Invalid or expired API key"}'


# -- outcomes ----------------------------------------------------------------------


def test_accepted_key_is_live(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.live, api.api_url)
    assert result.outcome is Outcome.LIVE
    assert result.status == 200
    assert result.detail == "HTTP 200"


def test_forbidden_key_is_live_because_it_authenticated(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.forbidden, api.api_url)
    assert result.outcome is Outcome.LIVE
    assert result.status == 403


def test_rejected_key_is_revoked(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.revoked, api.api_url)
    assert result.outcome is Outcome.REVOKED
    assert result.status == 401


def test_server_error_is_unknown(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.server_error, api.api_url)
    assert result.outcome is Outcome.UNKNOWN
    assert result.status == 500


def test_unexpected_status_is_unknown(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.live, api.api_url + "/nowhere")
    assert result.outcome is Outcome.UNKNOWN
    assert result.status == 404


def test_slow_endpoint_is_unknown_within_roughly_the_timeout(
    api: AutypeStandIn, keys: Keys
) -> None:
    started = time.monotonic()
    result = verify_one(keys.slow, api.api_url, timeout=0.5)
    elapsed = time.monotonic() - started
    assert result.outcome is Outcome.UNKNOWN
    assert result.status is None
    assert "timed out" in result.detail
    assert elapsed < 3.0


def test_trickling_server_cannot_stretch_a_request_past_its_timeout() -> None:
    key = fake_key()
    # One header every 0.5 s for 30 s: no single read ever waits a whole second.
    with AutypeStandIn(trickle=[key], trickle_seconds=0.5, trickle_headers=60) as api:
        started = time.monotonic()
        result = verify_one(key, api.api_url, timeout=1.0)
        elapsed = time.monotonic() - started
    assert result.outcome is Outcome.UNKNOWN
    assert result.status is None
    assert "timed out" in result.detail
    assert elapsed < 5.0


def test_a_server_trickling_its_answer_is_cut_off_as_timed_out() -> None:
    # One byte every 0.3 s passes each 0.5 s socket timeout; before the whole request was
    # bounded, a 60-byte answer held the check for 18 s (and any longer one for longer).
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]

        def trickle() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 43:
                    try:
                        conn.send(bytes([byte]))
                    except OSError:
                        return
                    time.sleep(0.3)

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        started = time.monotonic()
        result = verify_one(fake_key(), f"http://127.0.0.1:{port}/api/v1/dev", timeout=0.5)
        elapsed = time.monotonic() - started
    assert result.outcome is Outcome.UNKNOWN
    assert "timed out" in result.detail
    assert elapsed < 5.0


def test_the_whole_check_ends_at_its_total_deadline() -> None:
    trickling = [fake_key() for _ in range(6)]
    with AutypeStandIn(trickle=trickling, trickle_seconds=0.5, trickle_headers=60) as api:
        started = time.monotonic()
        results = verify_keys(trickling, api.api_url, timeout=1.5, max_workers=1, total_timeout=2.0)
        elapsed = time.monotonic() - started
    assert list(results) == trickling
    assert all(r.outcome is Outcome.UNKNOWN for r in results.values())
    assert any("deadline" in r.detail for r in results.values())
    assert elapsed < 6.0


def test_refused_connection_is_unknown_without_raising() -> None:
    url = f"http://127.0.0.1:{unused_local_port()}/api/v1/dev"
    result = verify_one(fake_key(), url, timeout=2.0)
    assert result.outcome is Outcome.UNKNOWN
    assert result.status is None
    assert result.detail == "connection refused"


def test_network_reasons_are_words() -> None:
    import errno
    import socket

    from autype_guard.verify import _network_reason

    assert _network_reason(socket.gaierror(-2, "Name or service not known")) == "DNS lookup failed"
    assert _network_reason(ConnectionRefusedError(errno.ECONNREFUSED, "x")) == "connection refused"
    assert _network_reason(OSError(errno.ENETUNREACH, "x")) == "network unreachable"
    assert _network_reason(OSError(errno.EPERM, "x")) == "connection failed"


def test_https_to_a_plain_http_server_is_unknown_and_sends_nothing_readable(
    api: AutypeStandIn, keys: Keys
) -> None:
    result = verify_one(keys.live, api.api_url.replace("http://", "https://"), timeout=2.0)
    assert result.outcome is Outcome.UNKNOWN
    assert result.status is None
    assert api.requests == []


def test_mixed_keys_get_their_own_outcomes(api: AutypeStandIn, keys: Keys) -> None:
    results = verify_keys([keys.live, keys.forbidden, keys.revoked, keys.server_error], api.api_url)
    assert {key: result.outcome for key, result in results.items()} == {
        keys.live: Outcome.LIVE,
        keys.forbidden: Outcome.LIVE,
        keys.revoked: Outcome.REVOKED,
        keys.server_error: Outcome.UNKNOWN,
    }


# -- rate limiting -----------------------------------------------------------------


def test_rate_limit_is_retried_once_after_retry_after_then_live(
    api: AutypeStandIn, keys: Keys
) -> None:
    result = verify_one(keys.rate_limited_once, api.api_url)
    assert result.outcome is Outcome.LIVE
    first, second = api.requests_with_key(keys.rate_limited_once)
    assert second.received_at - first.received_at >= 0.9


def test_rate_limit_with_long_retry_after_is_unknown_without_waiting(
    api: AutypeStandIn, keys: Keys
) -> None:
    started = time.monotonic()
    result = verify_one(keys.rate_limited_long, api.api_url)
    elapsed = time.monotonic() - started
    assert result.outcome is Outcome.UNKNOWN
    assert result.status == 429
    assert "Retry-After" in result.detail
    assert elapsed < 2.0
    assert len(api.requests_with_key(keys.rate_limited_long)) == 1


def test_rate_limit_beyond_a_lowered_bound_is_not_retried(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.rate_limited_once, api.api_url, max_retry_after=0.5)
    assert result.outcome is Outcome.UNKNOWN
    assert result.status == 429
    assert len(api.requests_with_key(keys.rate_limited_once)) == 1


# -- redirects ---------------------------------------------------------------------


def test_redirect_to_another_host_is_not_followed(api: AutypeStandIn, keys: Keys) -> None:
    result = verify_one(keys.redirect, api.api_url)
    assert result == VerifyResult(Outcome.UNKNOWN, 302, "redirect not followed")
    assert len(api.requests_with_key(keys.redirect)) == 1
    assert api.thief_requests == []


# -- request shape and key hygiene -------------------------------------------------


def test_each_distinct_key_is_requested_exactly_once(api: AutypeStandIn, keys: Keys) -> None:
    submitted = [keys.live] * 10 + [keys.revoked] * 5 + [keys.live, keys.forbidden] * 3
    results = verify_keys(submitted, api.api_url, max_workers=4)
    assert list(results) == [keys.live, keys.revoked, keys.forbidden]
    assert len(api.requests) == 3
    for key in (keys.live, keys.revoked, keys.forbidden):
        assert len(api.requests_with_key(key)) == 1


def test_key_travels_only_in_the_api_key_header(api: AutypeStandIn, keys: Keys) -> None:
    all_keys = [keys.live, keys.forbidden, keys.revoked, keys.server_error, keys.redirect]
    verify_keys(all_keys, api.api_url)
    recorded = api.requests
    assert len(recorded) == len(all_keys)
    for request in recorded:
        assert request.method == "GET"
        assert request.path == IMAGES_PATH
        assert request.header("Accept") == "application/json"
        assert request.header("User-Agent") == USER_AGENT
        key = request.api_key
        assert key in all_keys
        others = [value for name, value in request.headers if name.lower() != "x-api-key"]
        assert not any(key in value for value in others)


def test_details_never_contain_the_key(api: AutypeStandIn, keys: Keys) -> None:
    all_keys = [
        keys.live,
        keys.forbidden,
        keys.revoked,
        keys.server_error,
        keys.redirect,
        keys.rate_limited_long,
    ]
    results = verify_keys(all_keys, api.api_url)
    refused = verify_keys(all_keys[:1], f"http://127.0.0.1:{unused_local_port()}")
    for key, result in [*results.items(), *refused.items()]:
        assert key not in result.detail
        assert result.detail


def test_trailing_slash_in_api_url_does_not_change_the_path(api: AutypeStandIn, keys: Keys) -> None:
    assert verify_one(keys.live, api.api_url + "/").outcome is Outcome.LIVE
    assert [request.path for request in api.requests] == [IMAGES_PATH]


def test_key_with_header_breaking_characters_is_not_sent(api: AutypeStandIn) -> None:
    key = fake_key() + "\r\nX-Injected: 1"
    result = verify_one(key, api.api_url)
    assert result.outcome is Outcome.UNKNOWN
    assert result.status is None
    assert api.requests == []


def test_concurrency_is_bounded_by_max_workers() -> None:
    delayed = [fake_key() for _ in range(6)]
    with AutypeStandIn(slow=delayed, slow_seconds=0.3) as api:
        results = verify_keys(delayed, api.api_url, max_workers=2)
        assert all(result.outcome is Outcome.LIVE for result in results.values())
        assert 1 <= api.max_in_flight <= 2


def test_no_keys_means_no_requests(api: AutypeStandIn) -> None:
    assert verify_keys([], api.api_url) == {}
    assert api.requests == []


def test_verify_keys_refuses_plain_http_to_a_remote_host_before_any_request() -> None:
    with pytest.raises(ApiUrlError):
        verify_keys([fake_key()], "http://api.autype.com/api/v1/dev")


def test_verify_keys_refuses_a_single_string_instead_of_an_iterable(
    api: AutypeStandIn,
) -> None:
    with pytest.raises(TypeError):
        verify_keys(fake_key(), api.api_url)
    assert api.requests == []


# -- resolve_api_url ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v1/dev",
        "http://127.5.5.5/api/v1/dev",
        "http://[::1]:9000/api/v1/dev",
        "http://localhost:1234/api/v1/dev",
        "http://LOCALHOST/api/v1/dev",
        "https://api.autype.com/api/v1/dev",
        "https://autype.example.org:8443/custom",
        "https://10.0.0.7/api/v1/dev",
    ],
)
def test_resolve_api_url_accepts_https_anywhere_and_http_to_loopback(url: str) -> None:
    assert resolve_api_url(url, {}) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.autype.com/api/v1/dev",
        "http://10.0.0.7/api/v1/dev",
        "http://127.0.0.1.evil.example/api/v1/dev",
        "http://localhost.evil.example/api/v1/dev",
        "ftp://127.0.0.1/api/v1/dev",
        "file:///etc/passwd",
        "not a url",
        "api.autype.com/api/v1/dev",
        "//api.autype.com/api/v1/dev",
        "https://",
        "https:///api/v1/dev",
        "https://user:secret@api.autype.com/api/v1/dev",
        "https://api.autype.com/api/v1/dev?x=1",
        "https://api.autype.com:99999/api/v1/dev",
        "",
    ],
)
def test_resolve_api_url_rejects_everything_else(url: str) -> None:
    with pytest.raises(ApiUrlError) as excinfo:
        resolve_api_url(url, {})
    message = str(excinfo.value)
    assert "\n" not in message
    assert "secret" not in message


def test_resolve_api_url_defaults_without_cli_value_or_env() -> None:
    assert resolve_api_url(None, {}) == DEFAULT_API_URL


def test_resolve_api_url_ignores_an_empty_env_var() -> None:
    assert resolve_api_url(None, {API_URL_ENV: "  "}) == DEFAULT_API_URL


def test_env_var_overrides_the_default() -> None:
    assert resolve_api_url(None, {API_URL_ENV: "http://127.0.0.1:5000/api"}) == (
        "http://127.0.0.1:5000/api"
    )


def test_cli_value_overrides_the_env_var() -> None:
    environ = {API_URL_ENV: "http://127.0.0.1:5000/api"}
    assert resolve_api_url("https://staging.example.org/api", environ) == (
        "https://staging.example.org/api"
    )


def test_invalid_env_var_is_rejected_and_named_in_the_message() -> None:
    with pytest.raises(ApiUrlError, match=API_URL_ENV):
        resolve_api_url(None, {API_URL_ENV: "http://api.autype.com/api/v1/dev"})


def test_cli_value_is_validated_even_when_env_var_is_fine() -> None:
    with pytest.raises(ApiUrlError, match="command line"):
        resolve_api_url("http://example.org/api", {API_URL_ENV: "https://example.org/api"})


def test_resolve_api_url_strips_trailing_slash() -> None:
    assert resolve_api_url("https://example.org/api/v1/dev/", {}) == (
        "https://example.org/api/v1/dev"
    )


def test_api_url_error_is_a_value_error() -> None:
    assert issubclass(ApiUrlError, ValueError)


# -- KeyCollector ------------------------------------------------------------------


def test_key_collector_maps_fingerprints_to_real_keys_only() -> None:
    collector = KeyCollector()
    first, second = real_looking_key(), real_looking_key()
    assert collector.add(first)
    assert collector.add(first)
    assert collector.add(second)
    assert not collector.add(DOCS_PLACEHOLDER)
    assert not collector.add("ak_xxxxxxxxxxxxxxxxxxxx")
    assert len(collector) == 2
    wanted = [fingerprint(second), fingerprint(DOCS_PLACEHOLDER), "0" * 64, fingerprint(second)]
    assert collector.keys_for(wanted) == {fingerprint(second): second}
    collector.clear()
    assert len(collector) == 0
    assert collector.keys_for([fingerprint(first)]) == {}


def test_key_collector_is_never_shown_pickled_or_copied() -> None:
    collector = KeyCollector()
    key = real_looking_key()
    collector.add(key)
    assert key not in repr(collector)
    assert key[-4:] not in repr(collector)
    for serialise in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError):
            serialise(collector)
