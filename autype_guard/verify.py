"""Opt-in live check: ask the Autype API whether found ``ak_`` keys still work.

Contracts:

* Each distinct key is sent in exactly one request (plus at most one retry after a
  bounded HTTP 429), only in the ``X-API-Key`` header, never in a URL.
* Redirects are never followed; a 3xx answer is reported as unknown.
* Network problems never raise; they are reported as :attr:`Outcome.UNKNOWN`.
* Bounded, always: ``timeout`` is a deadline for a whole request (connect, send, every
  read), not per socket operation, so a server that trickles bytes cannot hold a check
  open; the whole check has a total deadline too (:data:`TOTAL_DEADLINE` by default).
* No result detail, exception message or log line contains a key.
* The API URL comes only from the command line or the environment (never from
  repository configuration) and must be https://, or http:// to a loopback host.

Standard library only; ``http.client`` is used directly so that nothing follows
redirects or picks up proxy settings implicitly.
"""

from __future__ import annotations

import email.utils
import errno
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timezone
from enum import Enum
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

from .keys import fingerprint, is_real_key
from .netdeadline import ConnectionDeadline

__all__ = [
    "API_URL_ENV",
    "DEFAULT_API_URL",
    "TOTAL_DEADLINE",
    "USER_AGENT",
    "ApiUrlError",
    "KeyCollector",
    "Outcome",
    "VerifyResult",
    "resolve_api_url",
    "verify_keys",
]

DEFAULT_API_URL = "https://api.autype.com/api/v1/dev"
API_URL_ENV = "AUTYPE_GUARD_API_URL"
USER_AGENT = "autype-guard"
# The whole live check ends within this many seconds (plus the time a DNS lookup may
# take, which the standard library cannot interrupt); keys not checked by then are unknown.
TOTAL_DEADLINE = 60.0

_ENDPOINT = "/images"
_REDIRECT_DETAIL = "redirect not followed"


class Outcome(str, Enum):
    """What the live check learned about a key."""

    LIVE = "live"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class ApiUrlError(ValueError):
    """The API URL is not acceptable. The message is a single line meant for users."""


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of checking one key. ``detail`` is a short reason and never contains the key."""

    outcome: Outcome
    status: int | None
    detail: str


class KeyCollector:
    """The keys a ``scan --verify`` run found, by fingerprint, for the live check only.

    Findings carry only a key's fingerprint; this is the one place a run keeps raw keys,
    in memory, between scanning and verifying. It is never serialised: its repr shows
    only a count, and pickling or copying it raises ``TypeError`` (so it cannot cross
    into a worker process or a cache by accident). Placeholders are refused on entry,
    so they can never be sent. Thread-safe.
    """

    __slots__ = ("_keys", "_lock")

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """Remember ``key`` under its fingerprint; False (not kept) for placeholders."""
        if not is_real_key(key):
            return False
        with self._lock:
            self._keys.setdefault(fingerprint(key), key)
        return True

    def keys_for(self, fingerprints: Iterable[str]) -> dict[str, str]:
        """fingerprint -> key for those of ``fingerprints`` that were collected."""
        with self._lock:
            return {fp: self._keys[fp] for fp in dict.fromkeys(fingerprints) if fp in self._keys}

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._keys.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def __repr__(self) -> str:
        return f"<KeyCollector: {len(self)} keys>"

    def __reduce__(self) -> NoReturn:
        # NOTE: pickle, copy and deepcopy all go through here: raw keys never leave memory.
        raise TypeError("KeyCollector holds raw keys and is never serialised or copied")


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int | None
    base_path: str


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _parse_api_url(url: str, source: str) -> _Target:
    # Messages never echo the whole URL: it could carry credentials or a query.
    if not url:
        raise ApiUrlError(f"{source} is empty")
    if not all("!" <= ch <= "~" for ch in url):
        raise ApiUrlError(f"{source} contains whitespace, control or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ApiUrlError(f"{source} is not a valid URL") from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("https", "http") or not host:
        raise ApiUrlError(f"{source} must be an absolute https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ApiUrlError(f"{source} must not contain credentials")
    if parts.query or parts.fragment:
        raise ApiUrlError(f"{source} must not contain a query or fragment")
    if scheme == "http" and not _is_loopback_host(host):
        raise ApiUrlError(
            f"{source} must use https:// (plain http:// is allowed only for loopback hosts "
            f"127.0.0.0/8, ::1 and localhost), not http:// to {host}"
        )
    base_path = parts.path.rstrip("/")
    normalized = urlunsplit((scheme, parts.netloc, base_path, "", ""))
    return _Target(url=normalized, scheme=scheme, host=host, port=port, base_path=base_path)


def resolve_api_url(cli_value: str | None, environ: Mapping[str, str]) -> str:
    """Pick and validate the API base URL: CLI value, else ``$AUTYPE_GUARD_API_URL``, else default.

    Only https:// is accepted, except http:// to loopback hosts (127.0.0.0/8, ::1,
    localhost). Raises :class:`ApiUrlError` otherwise. Returns the URL without a
    trailing slash. Deliberately takes no repository configuration.
    """
    if cli_value is not None:
        value, source = cli_value.strip(), "API URL from the command line"
    else:
        env_value = environ.get(API_URL_ENV, "").strip()
        if env_value:
            value, source = env_value, f"API URL from ${API_URL_ENV}"
        else:
            value, source = DEFAULT_API_URL, "default API URL"
    return _parse_api_url(value, source).url


def _is_sendable(key: str) -> bool:
    # Printable ASCII without spaces: anything else could break or inject header lines.
    return bool(key) and all("!" <= ch <= "~" for ch in key)


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        try:
            return float(int(value))
        except (ValueError, OverflowError):
            return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


class _DeadlineExceeded(Exception):
    """A request or the whole check ran past its deadline."""


def _request_once(
    target: _Target, key: str, deadline: float, context: ssl.SSLContext | None
) -> tuple[int, str | None]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _DeadlineExceeded
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=remaining, context=context
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=remaining)
    with ConnectionDeadline(connection, remaining) as deadline_guard:
        try:
            connection.request(
                "GET",
                target.base_path + _ENDPOINT,
                headers={
                    "X-API-Key": key,
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            if deadline_guard.expired.is_set():
                raise _DeadlineExceeded
            # The body is not needed (and could echo the key); it is never read.
            return response.status, response.getheader("Retry-After")
        except Exception:
            if deadline_guard.expired.is_set() or time.monotonic() >= deadline:
                raise _DeadlineExceeded from None
            raise
        finally:
            connection.close()


# Details are short and parenthesis-free: reports show them as "live (HTTP 200)".
def _classify(status: int) -> VerifyResult:
    if 200 <= status < 300:
        return VerifyResult(Outcome.LIVE, status, f"HTTP {status}")
    if status == 403:
        return VerifyResult(
            Outcome.LIVE, status, "HTTP 403, key authenticated but lacks permission"
        )
    if status == 401:
        return VerifyResult(Outcome.REVOKED, status, "HTTP 401, invalid or expired key")
    if 300 <= status < 400:
        return VerifyResult(Outcome.UNKNOWN, status, _REDIRECT_DETAIL)
    if status == 429:
        return VerifyResult(Outcome.UNKNOWN, status, "HTTP 429, rate limited")
    if status >= 500:
        return VerifyResult(Outcome.UNKNOWN, status, f"HTTP {status}, server error")
    return VerifyResult(Outcome.UNKNOWN, status, f"HTTP {status}, unexpected response")


def _check_key(
    key: str,
    target: _Target,
    timeout: float,
    max_retry_after: float,
    context: ssl.SSLContext | None,
    total_deadline: float,
) -> VerifyResult:
    if not _is_sendable(key):
        return VerifyResult(
            Outcome.UNKNOWN, None, "not checked: key has characters not allowed in a header"
        )
    if time.monotonic() >= total_deadline:
        return _NOT_CHECKED_IN_TIME
    # Exception messages are never copied into the detail: only type names are used,
    # so nothing the key might have ended up in can leak.
    deadline = min(time.monotonic() + timeout, total_deadline)
    try:
        status, retry_after = _request_once(target, key, deadline, context)
        if status == 429:
            delay = _retry_after_seconds(retry_after)
            if delay is None:
                return VerifyResult(
                    Outcome.UNKNOWN, status, "HTTP 429, rate limited without usable Retry-After"
                )
            if delay > max_retry_after:
                return VerifyResult(
                    Outcome.UNKNOWN,
                    status,
                    f"HTTP 429, rate limited; Retry-After {delay:g}s exceeds "
                    f"the {max_retry_after:g}s limit",
                )
            if time.monotonic() + delay >= total_deadline:
                return VerifyResult(
                    Outcome.UNKNOWN, status, "HTTP 429, rate limited; no time left to retry"
                )
            time.sleep(delay)
            deadline = min(time.monotonic() + timeout, total_deadline)
            status, _ = _request_once(target, key, deadline, context)
    except (_DeadlineExceeded, TimeoutError):
        if time.monotonic() >= total_deadline and deadline >= total_deadline:
            return _NOT_CHECKED_IN_TIME
        return VerifyResult(Outcome.UNKNOWN, None, f"timed out after {timeout:g}s")
    except ssl.SSLCertVerificationError:
        return VerifyResult(Outcome.UNKNOWN, None, "TLS certificate not trusted")
    except ssl.SSLError:
        return VerifyResult(Outcome.UNKNOWN, None, "TLS handshake failed")
    except OSError as exc:
        return VerifyResult(Outcome.UNKNOWN, None, _network_reason(exc))
    except http.client.HTTPException:
        return VerifyResult(Outcome.UNKNOWN, None, "the server's answer was not valid HTTP")
    except Exception as exc:  # the contract is "never raises"; keep the type name only
        return VerifyResult(Outcome.UNKNOWN, None, f"check failed: {type(exc).__name__}")
    return _classify(status)


_NOT_CHECKED_IN_TIME = VerifyResult(
    Outcome.UNKNOWN, None, "not checked in time, the live check's total deadline passed"
)


def _network_reason(exc: OSError) -> str:
    """Why a connection failed, in words (never the exception's message: it could quote
    what was sent)."""
    if isinstance(exc, socket.gaierror):
        return "DNS lookup failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, (ConnectionAbortedError, BrokenPipeError)):
        return "connection closed by the server"
    known = {
        errno.ENETUNREACH: "network unreachable",
        errno.EHOSTUNREACH: "host unreachable",
        errno.ECONNREFUSED: "connection refused",
        errno.ETIMEDOUT: "timed out",
    }
    return known.get(exc.errno or 0, "connection failed")


def verify_keys(
    keys: Iterable[str],
    api_url: str,
    *,
    timeout: float = 5.0,
    max_workers: int = 4,
    max_retry_after: float = 5.0,
    total_timeout: float = TOTAL_DEADLINE,
) -> dict[str, VerifyResult]:
    """Check each distinct key once against ``GET {api_url}/images``; results keyed by key.

    2xx and 403 mean live, 401 revoked, anything else unknown. A 429 is retried once
    if its Retry-After is at most ``max_retry_after`` seconds. Never follows
    redirects; never raises for network errors. Raises :class:`ApiUrlError` for an
    unacceptable ``api_url`` and ``ValueError`` for invalid limits, before any request.
    At most ``max_workers`` requests run at once. ``timeout`` is a deadline for each
    request as a whole (connect, send, every read); ``total_timeout`` bounds the whole
    check: keys not answered by then are unknown, and the call returns shortly after it.
    """
    if isinstance(keys, str):
        raise TypeError("keys must be an iterable of key strings, not a single string")
    target = _parse_api_url(api_url, "API URL")
    if not timeout > 0:
        raise ValueError("timeout must be a positive number of seconds")
    if not total_timeout > 0:
        raise ValueError("total_timeout must be a positive number of seconds")
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    if not max_retry_after >= 0:
        raise ValueError("max_retry_after must be a non-negative number of seconds")
    distinct = list(dict.fromkeys(keys))
    if not distinct:
        return {}
    context = ssl.create_default_context() if target.scheme == "https" else None
    total_deadline = time.monotonic() + total_timeout

    def check(key: str) -> VerifyResult:
        return _check_key(key, target, timeout, max_retry_after, context, total_deadline)

    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(distinct)), thread_name_prefix="autype-guard-verify"
    ) as pool:
        results = list(pool.map(check, distinct))
    return dict(zip(distinct, results, strict=True))
