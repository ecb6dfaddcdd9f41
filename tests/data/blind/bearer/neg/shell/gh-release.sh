#!/usr/bin/env bash
set -euo pipefail
repo="${1:?owner/repo}"
notes=$(curl -fsS --oauth2-bearer "$GITHUB_TOKEN" "https://api.github.com/repos/${repo}/releases/latest" | jq -r .body)
jq -n --arg md "$notes" '{markdown: $md, format: "pdf"}' |
  curl -fsS -X POST "https://api.autype.com/api/v1/dev/render/markdown" \
    -H "X-API-Key: ${AUTYPE_API_KEY}" -H "Content-Type: application/json" \
    --data-binary @- -o release-notes.pdf
