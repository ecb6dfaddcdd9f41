#!/usr/bin/env bash
# usage: httpie-render.sh document.json > out.pdf
set -euo pipefail
doc="${1:?document json}"
http --check-status --auth-type=bearer --auth "$AUTYPE_API_KEY" \
  POST https://api.autype.com/api/v1/dev/render < "$doc"
