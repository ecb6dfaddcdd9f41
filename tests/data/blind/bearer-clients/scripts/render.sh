#!/usr/bin/env bash
set -euo pipefail

: "${AUTYPE_API_KEY:?AUTYPE_API_KEY must be set}"
TEMPLATE_ID="${1:?usage: render.sh TEMPLATE_ID DATA_JSON}"
DATA_FILE="${2:?usage: render.sh TEMPLATE_ID DATA_JSON}"

mkdir -p out
curl -sS --fail \
  -X POST "https://api.autype.com/api/v1/dev/documents/render" \
  -H 'Content-Type: application/json' \
  -H "Authorization: Bearer ${AUTYPE_API_KEY}" \
  --data "{\"templateId\":\"${TEMPLATE_ID}\",\"data\":$(cat "$DATA_FILE")}" \
  -o "out/${TEMPLATE_ID}.pdf"
