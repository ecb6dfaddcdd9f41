#!/usr/bin/env bash
# Install the comparison tools used by the autype-guard benchmarks.
#
#   ripgrep         -> the `rg` binary (Debian package; PyPI wheel as fallback)
#   detect-secrets  -> its own venv under the bench data dir, never the project venv
#
# Idempotent: re-running only installs what is missing.
#
# Usage: bash bench/install_tools.sh [--data DIR]     (default DIR: /work/bench-data)
# Env:   RG_VERSION_PIP (fallback wheel version, default 14.1.0)
#        DETECT_SECRETS_VERSION (default 1.5.0)
set -euo pipefail

DATA=/work/bench-data
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    --data=*) DATA="${1#--data=}"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

DS_VERSION="${DETECT_SECRETS_VERSION:-1.5.0}"
RG_PIP_VERSION="${RG_VERSION_PIP:-14.1.0}"
VENV_DS="$DATA/venv-ds"
VENV_RG="$DATA/venv-rg"          # only used when apt is unavailable
BIN="$DATA/bin"                  # stable place for the tool links the runner uses
mkdir -p "$DATA" "$BIN"

log() { echo "[install_tools] $*"; }

# ---------------------------------------------------------------- ripgrep
rg_path=""
if command -v rg >/dev/null 2>&1; then
  rg_path="$(command -v rg)"
  log "ripgrep already installed: $rg_path ($(rg --version | head -1))"
elif [ -x "$VENV_RG/bin/rg" ]; then
  rg_path="$VENV_RG/bin/rg"
  log "ripgrep already installed (pip fallback): $rg_path"
else
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    log "installing ripgrep with apt-get"
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ripgrep; then
      rg_path="$(command -v rg || true)"
    fi
  fi
  if [ -z "$rg_path" ]; then
    log "apt unavailable or failed; installing the ripgrep wheel from PyPI into $VENV_RG"
    python3 -m venv "$VENV_RG"
    "$VENV_RG/bin/pip" install -q "ripgrep==$RG_PIP_VERSION"
    rg_path="$VENV_RG/bin/rg"
  fi
  log "ripgrep installed: $rg_path ($("$rg_path" --version | head -1))"
fi
ln -sf "$rg_path" "$BIN/rg"

# ---------------------------------------------------------- detect-secrets
if [ -x "$VENV_DS/bin/detect-secrets" ] && \
   [ "$("$VENV_DS/bin/python" -c 'import importlib.metadata as m; print(m.version("detect-secrets"))' 2>/dev/null)" = "$DS_VERSION" ]; then
  log "detect-secrets $DS_VERSION already installed in $VENV_DS"
else
  log "installing detect-secrets==$DS_VERSION into $VENV_DS"
  [ -x "$VENV_DS/bin/python" ] || python3 -m venv "$VENV_DS"
  "$VENV_DS/bin/pip" install -q "detect-secrets==$DS_VERSION"
fi
ln -sf "$VENV_DS/bin/detect-secrets" "$BIN/detect-secrets"
ln -sf "$VENV_DS/bin/detect-secrets-hook" "$BIN/detect-secrets-hook"

log "versions:"
"$BIN/rg" --version | head -1
"$BIN/detect-secrets" --version
log "tool links are in $BIN"
