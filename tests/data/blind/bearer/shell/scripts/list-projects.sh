#!/usr/bin/env bash
set -euo pipefail
: "${AUTYPE_API_KEY:?set AUTYPE_API_KEY first}"

curl -fsS --oauth2-bearer "$AUTYPE_API_KEY" \
  "https://api.autype.com/api/v1/dev/projects" | jq -r '.items[] | "\(.id)\t\(.name)"'
