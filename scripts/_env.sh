# Sourced by the scripts: make .venv with the pinned dependencies, once per change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "tokenserver needs Python 3.11 or newer as '$PYTHON' (set PYTHON=...)." >&2
  exit 1
fi
# A .venv without pip is what a failed `venv` leaves (Debian without
# python3-venv): made again, not used.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  echo "== creating .venv"
  if ! "$PYTHON" -m venv .venv; then
    rm -rf .venv
    echo "Could not create .venv with '$PYTHON -m venv'. On Debian or Ubuntu:" \
      "apt-get install python3-venv; or set PYTHON to another Python 3.11+." >&2
    exit 1
  fi
fi
# The demo and the server need requirements.txt; the tests requirements-dev.txt.
# requirements-dev.txt includes requirements.txt, so its stamp serves both.
REQUIREMENTS=${REQUIREMENTS:-requirements-dev.txt}
stamp_of() { echo "$1:$(cat "$1" requirements.txt constraints.txt | sha256sum | cut -c1-16)"; }
stamp=$(stamp_of "$REQUIREMENTS")
installed=$(cat .venv/.deps-stamp 2>/dev/null || true)
if [ "$installed" != "$stamp" ] && [ "$installed" != "$(stamp_of requirements-dev.txt)" ]; then
  echo "== installing dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -r "$REQUIREMENTS" -c constraints.txt
  echo "$stamp" > .venv/.deps-stamp
fi

# with_worker COMMAND...: run COMMAND (the server) with the enforcement worker
# (manage.py enforce_access) beside it in the background; a TERM or INT stops
# both, and the worker stops when the server does. Exits as the server did.
with_worker() {
  .venv/bin/python manage.py enforce_access &
  local worker=$!
  "$@" &
  local server=$!
  trap 'kill -TERM "$server" "$worker" 2>/dev/null || true' TERM INT
  local status=0
  wait "$server" || status=$?
  kill -TERM "$worker" 2>/dev/null || true
  wait "$server" "$worker" 2>/dev/null || true
  return "$status"
}
