from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pytest

from autype_guard.keys import KeyMatcher, fingerprint, is_real_key, placeholder_reason, redact

from .conftest import fake_key


@pytest.mark.parametrize(
    "key",
    [
        "ak_your_api_key_here",
        "ak_xxxxxxxxxxxxxxxxxxxx",
        "ak_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "ak_0000000000000000",
        "ak_xxxx-xxxx-xxxx-xxxx",
        "ak_1234567890abcdef1234567890abcdef",
        "ak_abcdefghijklmnopqrstu",
        "ak_example_key_for_docs",
        "ak_model_checkpoint_path",
        "ak_model_checkpoint_path_v2",
        "ak_button_primary_large",
        "ak_normalizeUnicodeWhitespace",
        "ak_REPLACE_ME_WITH_YOUR_KEY",
        "ak_changeme_changeme_changeme",
        "ak_sample0000000000000000",
        "ak_${AUTYPE_API_KEY_FROM_ENV}",
        "ak_<your-key-goes-in-here>",
        "ak_{{ autype_api_key_value }}",
    ],
)
def test_placeholders_and_identifiers_are_not_real_keys(key: str) -> None:
    assert placeholder_reason(key) is not None


@pytest.mark.parametrize(
    "key",
    [
        "ak_3hQ9xLr2Vt8mW1pZ",
        "ak_e5744ca127734d2787358c8e66784d8a",  # autype-guard: ignore
        "ak_IiBeHTtI3kBfCC_Cnot_hNP3PA2OAApJe2",  # autype-guard: ignore
        "ak_RqP6d3UhafRD00uJC65IQn-g-kWlVMS9Yp",  # autype-guard: ignore
    ],
)
def test_random_bodies_are_real_keys(key: str) -> None:
    assert is_real_key(key)


def test_random_keys_are_almost_always_real() -> None:
    import secrets

    from .conftest import _ALPHABET

    keys = ["ak_" + "".join(secrets.choice(_ALPHABET) for _ in range(32)) for _ in range(2000)]
    assert sum(is_real_key(k) for k in keys) >= 1990


@pytest.mark.parametrize(
    "text", ["peak_memory_usage_in_bytes", "break_even_point_for_sales", "speak_text_aloud_now"]
)
def test_identifiers_containing_ak_are_never_candidates(text: str) -> None:
    assert list(KeyMatcher().find(text)) == []


def test_short_bodies_are_not_candidates() -> None:
    assert list(KeyMatcher().find("ak_3hQ9xLr2Vt8m")) == []


def test_redaction_shows_prefix_and_last_four() -> None:
    assert redact("ak_3hQ9xLr2Vt8mW1pZ") == "ak_…W1pZ"


def test_fingerprint_is_sha256_of_the_key() -> None:
    import hashlib

    k = fake_key()
    assert fingerprint(k) == hashlib.sha256(k.encode()).hexdigest()


@pytest.mark.parametrize(
    ("before", "spell", "encoding"),
    [
        ('"\\n', lambda k: k, ""),
        ("url?x=1%3D", lambda k: k, ""),
        ("q=", lambda k: k.replace("_", "%5F"), "url"),
        ('"', lambda k: "\\u0061k_" + k[3:], "escape"),
        ('"', lambda k: "\\x61\\x6b\\x5f" + k[3:], "escape"),
    ],
)
def test_encoded_keys_are_found_at_their_encoded_text(
    before: str, spell: Callable[[str], str], encoding: str
) -> None:
    key = fake_key()
    text = before + spell(key) + '"&y'
    hits = list(KeyMatcher().find(text))
    assert [(h.key, h.start, h.encoding) for h in hits] == [(key, len(before), encoding)]


@pytest.mark.parametrize("prefix", [b"", b"K=", b"KY="])
def test_base64_keys_are_found_in_every_alignment(prefix: bytes) -> None:
    key = fake_key()
    encoded = base64.b64encode(prefix + key.encode()).decode()
    hits = list(KeyMatcher().find(f"data:\n  key: {encoded}\n"))
    assert [(h.key, h.encoding, h.start) for h in hits] == [(key, "base64", 13)]


def grows_linearly(call: Callable[[str], object], small: str, big: str) -> bool:
    """True when `call(big)` (8x `small`) takes at most ~40x as long as `call(small)`:
    linear with generous noise, never quadratic. The fastest of several runs of each, which
    a busy machine disturbs far less than one sample, in up to three attempts."""

    def best_of(text: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            call(text)
            times.append(time.perf_counter() - start)
        return min(times)

    # A busy machine can slow one side by chance; a superlinear call fails every attempt.
    return any(best_of(big) < 40 * max(best_of(small), 1e-4) for _ in range(3))


def test_matching_is_linear_on_a_pathological_line() -> None:
    find = lambda text: list(KeyMatcher().find(text))  # noqa: E731
    assert grows_linearly(
        find, ("ak_" + "a-" * 200_000 + "!") * 4, ("ak_" + "a-" * 1_600_000 + "!") * 4
    )


def test_joined_literal_check_is_linear_on_a_comment_of_hashes() -> None:
    matcher = KeyMatcher()
    # Splitting `# ####...` into comments used to backtrack exponentially.
    # (After a line continuation: a literal ending its line may be a constant operand.)
    small = 'KEY = "ak_x" \\\n#' + "#" * 2_000
    big = 'KEY = "ak_x" \\\n#' + "#" * 16_000
    assert not matcher.has_open_key_start(big)
    assert grows_linearly(matcher.has_open_key_start, small, big)
    joined = 'KEY = ("ak_3hQ9"  # first half ###\n  "xLr2Vt8mW1pZq7")\n'
    assert matcher.has_open_key_start(joined)


@pytest.mark.parametrize("unit", ["xak_", "akak_", "x%61k_", "ak_\\x41"])
def test_joined_literal_check_is_linear_on_runs_of_glued_prefixes(unit: str) -> None:
    matcher = KeyMatcher()
    # Every prefix used to rescan the rest of the run: quadratic in its length.
    # Sizes where fixed costs are small next to the work: a ratio near 8 when linear.
    small = 'KEY = "ak_x" ' + unit * 8_000
    big = 'KEY = "ak_x" ' + unit * 64_000
    assert not matcher.has_open_key_start(big)
    assert grows_linearly(matcher.has_open_key_start, small, big)


@pytest.mark.parametrize(
    "key",
    [
        "ak_2024_q3_render_pipeline_migration",
        "ak_PdfRenderQueueWorkerConcurrency",
        "ak_pdf_export_clicked_2024",
        "ak_html_css_json_xml_parser",
        "ak_PDF_RENDER_QUEUE_CONCURRENCY",
        "ak_error_http_401_message",
    ],
)
def test_identifiers_with_abbreviations_and_numbers_are_not_keys(key: str) -> None:
    assert placeholder_reason(key) == "reads as words, like an identifier"


def test_double_escaped_line_break_is_a_left_boundary() -> None:
    key = fake_key()
    text = '{"text": "{\\\\"note\\\\": \\\\"rotated\\\\\\\\n' + key + '\\\\"}"}'
    assert [h.key for h in KeyMatcher().find(text)] == [key]


@pytest.mark.parametrize(
    "pattern",
    [
        "ak_[A-Za-z0-9]{20,40}",  # RE2 where installed
        "ak_(?:[A-Za-z]|[0-9]){20,40}",  # RE2 only: refused without it
    ],
)
def test_a_custom_pattern_gives_code_point_offsets_after_non_ascii_text(pattern: str) -> None:
    from autype_guard.keys import KeyPatternError

    try:
        matcher = KeyMatcher(pattern)
    except KeyPatternError:
        pytest.skip("needs google-re2")
    key = fake_key()
    # RE2 reads UTF-8: 2-, 3- and 4-byte characters before the key on the same line.
    line = f"# café — naïve 😀 token: {key} ✓ {key}\n"
    text = "über\n" + line
    hits = list(matcher.find(text))
    first = text.index(key)
    second = text.index(key, first + 1)
    assert [(h.start, h.end, h.key) for h in hits] == [
        (first, first + len(key), key),
        (second, second + len(key), key),
    ]


def test_a_custom_pattern_reads_lone_surrogates() -> None:
    # JSON or Python escapes may decode to a lone surrogate, which UTF-8 cannot hold.
    key = fake_key()
    matcher = KeyMatcher("ak_[A-Za-z0-9]{20,40}")
    text = "\ud800 k = " + key + " '\\ud83d'"
    assert [(h.start, h.key) for h in matcher.find(text)] == [(text.index(key), key)]
    escaped = "k = 'ak_\\ud800" + key[3:] + "'"
    assert list(matcher.find(escaped)) == []


@pytest.mark.parametrize(
    "key",
    [
        "ak_abcdabcdabcdabcd",
        "ak_c0ffeec0ffeec0ffee",
        "ak_badf00dbadf00dbadf00dbadf00d",
        "ak_live_deadbeefdeadbeefdeadbeef",
        "ak_c0ffee_c0ffee_c0ffee_c0ffee",
        "ak_Q7xZ9kQ7xZ9kQ7xZ9kQ7xZ9k",
    ],
)
def test_a_short_unit_repeated_is_a_placeholder(key: str) -> None:
    assert placeholder_reason(key) is not None


@pytest.mark.parametrize(
    "key",
    [
        "ak_org_id_lookup_ttl_secs",
        "ak_v3_backfill_20250101_job",
        "ak_tmp_cfg_v2_ttl_ms",
        "ak_gcs_upload_timeout_secs",
        "ak_k8s_pod_restart_count",
        "ak_job_id_seq_2024q3",
        "ak_q4_2025_migration_step3",
        "ak_img_thumb_w_px",
        "ak_metrics_flush_interval_s",
        "ak_ldap_bind_dn_attr",
        "ak-bulk-render-batch-size-v2",
        "ak_SECRET_ROTATION_INTERVAL_DAYS",
        "ak_InvoiceBatchJobV2",
        "ak_tmpCfgV2TtlMs",
        "ak_orgIdLookupTtlSecs",
    ],
)
def test_snake_and_camel_case_names_with_abbreviations_and_numbers_are_identifiers(
    key: str,
) -> None:
    assert placeholder_reason(key) == "reads as words, like an identifier"


@pytest.mark.parametrize(
    "alphabet",
    [
        "0123456789abcdef",
        "0123456789ABCDEF",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
        "abcdefghijklmnopqrstuvwxyz0123456789_-",
    ],
)
def test_random_keys_of_every_shape_are_almost_always_real(alphabet: str) -> None:
    import random

    rng = random.Random(7)
    keys = [
        "ak_" + "".join(rng.choice(alphabet) for _ in range(rng.randint(24, 48)))
        for _ in range(3000)
    ]
    assert sum(not is_real_key(k) for k in keys) <= 6


def best_time(call: Callable[[str], object], text: str) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - start)
    return max(min(times), 1e-4)


ESCAPED_PREFIXES = ["%61%6b%5f", "%61%6b%5f ", "x%61%6b%5f-", "\\u0061\\x6b%5f "]


@pytest.mark.parametrize("unit", ESCAPED_PREFIXES)
def test_escaped_key_matching_is_linear_on_a_line_of_escaped_prefixes(unit: str) -> None:
    find = lambda text: list(KeyMatcher().find(text))  # noqa: E731
    assert grows_linearly(find, unit * 20_000, unit * 160_000)


@pytest.mark.parametrize("unit", ESCAPED_PREFIXES[1:])
def test_escaped_near_misses_cost_about_what_plain_near_misses_do(unit: str) -> None:
    # Every fragment spells "ak_" and decodes to no key. A plain text of the same length
    # full of "ak_" near misses is the yardstick: escaped ones may cost a few times more
    # (decoding), not hundreds of times (a dozen regex matches and a decode per escape).
    find = lambda text: list(KeyMatcher().find(text))  # noqa: E731
    size = 400_000
    escaped = (unit * size)[:size]
    plain = ("ak_ " * size)[:size]
    assert best_time(find, escaped) < 60 * best_time(find, plain)
