#!/usr/bin/env bash
# The fuzz campaign (outside CI): every harness for SECONDS (default 400), two at a time,
# its corpus kept in CORPUS/<harness> (default /work/bench-data/fuzz-corpus) and minimised
# with -merge=1 afterwards. Crashes, timeouts and slow units go to CORPUS/artifacts/; logs
# to CORPUS/logs/<harness>.log (their last `#N` line is the number of executions).
#
#   fuzz/campaign.sh [SECONDS] [CORPUS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-400}
corpus=${2:-/work/bench-data/fuzz-corpus}
python=${PYTHON:-.venv/bin/python}
# -merge=1 runs the harness again as a program (`#!/usr/bin/env python3`): that python must
# be the one with atheris.
PATH="$(cd "$(dirname "$python")" && pwd):$PATH"
export PATH
mkdir -p "$corpus/artifacts" "$corpus/logs"
run() {
  local harness=$1
  mkdir -p "$corpus/$harness"
  "$python" "fuzz/fuzz_$harness.py" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$corpus/artifacts/$harness-" \
    "$corpus/$harness" "fuzz/seeds/$harness" >"$corpus/logs/$harness.log" 2>&1 || true
  # Minimise: keep only the inputs that add coverage.
  mkdir -p "$corpus/$harness.min"
  "$python" "fuzz/fuzz_$harness.py" -merge=1 -timeout=20 -rss_limit_mb=2048 \
    "$corpus/$harness.min" "$corpus/$harness" >"$corpus/logs/$harness.merge.log" 2>&1 || true
  if [ -n "$(ls -A "$corpus/$harness.min")" ]; then
    rm -rf "$corpus/$harness" && mv "$corpus/$harness.min" "$corpus/$harness"
  else
    echo "$harness: merge failed (see $corpus/logs/$harness.merge.log), corpus kept" >&2
    rm -rf "$corpus/$harness.min"
  fi
  echo "$harness: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$corpus/logs/$harness.log")"
}
run scan & run archives & wait
run sourcemap & run config & wait
run baseline & run web & wait
run tarindex
ls "$corpus/artifacts"
