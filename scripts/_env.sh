# Sourced by the scripts: make .venv with the pinned dependencies, once per change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "tokenserver needs Python 3.11 or newer as '$PYTHON' (set PYTHON=...)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=$(cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat .venv/.deps-stamp 2>/dev/null)" != "$stamp" ]; then
  echo "== installing dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -r requirements-dev.txt -c constraints.txt
  echo "$stamp" > .venv/.deps-stamp
fi
