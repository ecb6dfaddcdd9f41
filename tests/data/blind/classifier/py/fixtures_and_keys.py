"""Key fixtures for the format checker, plus the one real fallback key ops asked for."""

DOC_PLACEHOLDER = "ak_your_api_key_here"
X_RUN = "ak_xxxxxxxxxxxxxxxxxxxxxxxx"
ZERO_RUN = "ak_000000000000000000000000"
COFFEE = "ak_c0ffeec0ffeec0ffeec0ffee"
ABCD = "ak_abcdabcdabcdabcdabcd"
ENGLISH = "ak_this_is_not_a_real_key"

# real, rotated monthly; see the runbook
FALLBACK = "ak_F0fTtt1k454s60TEH_FXhy_A6fFZtX5fEVibDZL"
