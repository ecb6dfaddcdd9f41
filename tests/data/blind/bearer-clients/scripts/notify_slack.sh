#!/usr/bin/env bash
set -euo pipefail

MSG="${1:-Deploy finished}"
curl -sS -X POST https://slack.com/api/chat.postMessage \
  -H "Authorization: Bearer ${SLACK_BOT_TOKEN}" \
  -H 'Content-type: application/json; charset=utf-8' \
  --data "{\"channel\":\"#deploys\",\"text\":\"${MSG}\"}"
