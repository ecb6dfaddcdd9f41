"""How often the placeholder classifier mistakes a random key for a placeholder (stdlib only).

`keys.placeholder_reason` reads a key as a placeholder or an identifier when its body looks
made by hand: words, repeats, counting sequences. A real key is random, so every random key
it rejects is a false negative of the scanner (a leaked key that would not fail a build).
This script generates random keys of every realistic shape and reports the share rejected
per body-length band, then checks a list of identifier-like names that must *not* read as
keys. Run from the repository root:

    python3 bench/classifier_fn_rate.py            # 200,000 keys per shape
    python3 bench/classifier_fn_rate.py -n 20000   # quicker
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autype_guard.keys import placeholder_reason

SHAPES = {
    "base62": string.ascii_letters + string.digits,
    "hex-lower": "0123456789abcdef",
    "hex-upper": "0123456789ABCDEF",
    "base62+_-": string.ascii_letters + string.digits + "_-",
    "lower+digits": string.ascii_lowercase + string.digits,
    "upper+digits": string.ascii_uppercase + string.digits,
    "lower+digits+_-": string.ascii_lowercase + string.digits + "_-",
}
BANDS = ((16, 23), (24, 31), (32, 39), (40, 48), (49, 64))

# Names made by hand that an `ak_` prefix can start (analytics events, config keys, metric
# and job names, class names): none of them is a key.
IDENTIFIERS = """
ak_org_id_lookup_ttl_secs ak_v3_backfill_20250101_job ak_tmp_cfg_v2_ttl_ms
ak_user_signup_completed ak_pdf_export_clicked ak_render_queue_depth_max
ak_invoice_pdf_generated_v2 ak_docx_template_upload_failed ak_bulk_render_batch_size
ak_http_retry_backoff_ms ak_db_conn_pool_max_idle ak_s3_bucket_name_prod
ak_gcs_upload_timeout_secs ak_k8s_pod_restart_count ak_sso_saml_idp_cert_pem
ak_oauth2_client_redirect_uri ak_img_thumb_w_px ak_max_pg_conns_per_worker
ak_job_id_seq_2024q3 ak_evt_doc_created_ts ak_req_latency_p99_ms ak_ws_ping_interval_ms
ak_feature_flag_new_editor ak_cache_key_prefix_v4 ak_metrics_flush_interval_s
ak_webhook_sig_hdr_name ak_tenant_id_col_idx ak_rate_limit_rps_burst
ak_csv_import_row_limit ak_xml_parser_max_depth ak_json_schema_ver_2020_12
ak_mfa_totp_window_secs ak_api_gw_stage_name ak_lambda_mem_mb_1024
ak_etl_nightly_run_0200_utc ak_ui_btn_primary_bg_hex ak_doc_gen_worker_concurrency
ak_auth_token_exp_mins ak_ldap_bind_dn_attr ak_sftp_inbox_poll_secs
ak_q4_2025_migration_step3 ak_dlq_retry_max_attempts ak_pdf_a3b_compliance_lvl
ak_ocr_lang_pack_deu_eng ak_smtp_relay_port_587 ak_grpc_keepalive_ms
ak_UserSignupCompleted ak_PdfRenderQueue ak_DocxTemplateLoader ak_InvoiceBatchJobV2
ak_orgIdLookupTtlSecs ak_maxRetryBackoffMs ak_tmpCfgV2TtlMs ak_renderQueueDepthMax
ak-pdf-export-clicked ak-bulk-render-batch-size ak-http-retry-backoff-ms
ak_smtp_relay_host_v2 ak_SECRET_ROTATION_INTERVAL_DAYS ak_NUM_WORKERS_PER_NODE
""".split()  # noqa: SIM905


def rate(
    shape: str, alphabet: str, n: int, rng: random.Random
) -> dict[tuple[int, int], tuple[int, int]]:
    """Per band: (rejected, generated) for `n` keys with uniformly drawn body lengths."""
    counts: dict[tuple[int, int], list[int]] = {b: [0, 0] for b in BANDS}
    reasons: Counter[str] = Counter()
    for _ in range(n):
        length = rng.randint(16, 64)
        body = "".join(rng.choice(alphabet) for _ in range(length))
        band = next(b for b in BANDS if b[0] <= length <= b[1])
        counts[band][1] += 1
        reason = placeholder_reason("ak_" + body)
        if reason is not None:
            counts[band][0] += 1
            reasons[reason] += 1
    if reasons:
        top = ", ".join(f"{r} ({c})" for r, c in reasons.most_common(3))
        print(f"  {shape}: reasons: {top}")
    return {b: (c[0], c[1]) for b, c in counts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="keys per shape")
    parser.add_argument("--seed", type=int, default=20251202)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    table = {shape: rate(shape, alphabet, args.n, rng) for shape, alphabet in SHAPES.items()}
    header = "shape".ljust(16) + "".join(f"{lo}-{hi}".rjust(10) for lo, hi in BANDS)
    print("\nfalse-negative rate (random keys read as placeholder/identifier), %")
    print(header)
    for shape, bands in table.items():
        cells = "".join(f"{100 * r / max(g, 1):10.3f}" for r, g in bands.values())
        print(shape.ljust(16) + cells)
    missed = [name for name in IDENTIFIERS if placeholder_reason(name) is None]
    print(f"\nidentifier-like names read as keys: {len(missed)} of {len(IDENTIFIERS)}")
    for name in missed:
        print(f"  {name}")
    print(f"\n{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
