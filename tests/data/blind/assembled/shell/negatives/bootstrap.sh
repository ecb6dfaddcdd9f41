#!/bin/sh
# Writes a .env skeleton for new developers.
suffix="$(cat /run/secrets/autype_suffix 2>/dev/null || true)"
KEY="ak_""${suffix}"
PLACEHOLDER='ak_''your_api_key_here'
MASK="ak_""xxxxxxxxxxxxxxxxxxxxxxxx"
cat > .env <<EOF
AUTYPE_API_KEY=${PLACEHOLDER}
AUTYPE_API_KEY_MASKED=${MASK}
EOF
echo "key configured: ${KEY:+yes}"
