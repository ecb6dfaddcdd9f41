#!/usr/bin/env bash
# Post-deploy smoke test for the document pipeline.
set -euo pipefail

http --check-status --ignore-stdin -A bearer -a "$AUTYPE_API_KEY" \
  GET https://api.autype.com/api/v1/dev/templates limit==1

echo "document pipeline ok"
