package cache

import "time"

// Cache keys and metric names. The ak_ prefix stands for "api key".
const (
	KeyOrgLookup      = "ak_org_id_lookup_ttl_secs"
	KeyRenderQuota    = "ak_render_quota_remaining_by_org"
	KeyLastRotation   = "ak_last_rotation_timestamp_utc"
	KeyV2Timeout      = "ak_v2_render_timeout_ms"
	MetricValidations = "ak_validation_failures_total"
)

var TTL = map[string]time.Duration{
	KeyOrgLookup:    5 * time.Minute,
	KeyRenderQuota:  30 * time.Second,
	KeyLastRotation: time.Hour,
}
