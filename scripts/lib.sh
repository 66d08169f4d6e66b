# Shared helpers for scripts/run and scripts/test (sourced, not run). Debian 12, bash.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
STARTED=${STARTED:-$(date +%s)}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1
export HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
# ansible refuses to run without a UTF-8 locale; C.UTF-8 always exists on Debian.
if [ "$(locale charmap 2>/dev/null || true)" != "UTF-8" ]; then
  export LANG=C.UTF-8 LC_ALL=C.UTF-8
fi

step() { printf '\n==> [%4ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

python_has_venv() { "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; }

# apt_install PACKAGE... : install Debian packages without starting their system services.
apt_install() {
  local created_policy=0 apt_opts=(-o Acquire::Retries=5 -o DPkg::Lock::Timeout=600)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null
  if [ "$created_policy" = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
}

# ensure_venv REQUIREMENTS_FILE : .venv exists (Python >= 3.11) and has REQUIREMENTS_FILE installed.
# A stamp holding the hash of the requirement files skips pip on reruns.
ensure_venv() {
  local req=$1 stamp hash
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
    step "Creating $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  stamp="$VENV/.estate-$(basename "$req" .txt)"
  hash=$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null || true)" = "$hash" ] ||
     { [ "$req" = requirements.txt ] && [ "$(cat "$VENV/.estate-requirements-dev" 2>/dev/null || true)" = "$hash" ]; }
  then
    step "Python requirements ($req): up to date"
    return 0
  fi
  step "pip install -r $req"
  "$PY" -m pip install -q --retries 5 --timeout 60 --upgrade pip
  "$PY" -m pip install -q --retries 5 --timeout 60 -r "$ROOT/$req"
  echo "$hash" > "$stamp"
}
