#!/usr/bin/env bash
# Install everything streamvis needs to run and test, on a fresh Debian machine with Python 3.11:
# Debian chromium (browser tests), a venv at .venv with the four packages installed editable,
# test tools, storage backends, emulators, TensorFlow (TFRecord compatibility) and torch (CPU).
#
#   bash dev/setup.sh              # everything (tests, benchmarks)
#   bash dev/setup.sh --minimal    # only the four packages: enough for `streamvis quickstart`
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  --minimal) SETUP_MINIMAL=1 ;;
  "") ;;
  *) echo "usage: bash dev/setup.sh [--minimal]" >&2; exit 2 ;;
esac

PY="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

if [ "${SETUP_MINIMAL:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian chromium (browser tests)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

echo "setup: installing the four streamvis packages (editable)" >&2
"${PIP[@]}" -e packages/streamvis-proto -e packages/streamvis-logger \
  -e packages/streamvis-server -e packages/streamvis-cli

if [ "${SETUP_MINIMAL:-0}" != 1 ]; then
  echo "setup: installing test tools, storage backends, emulators and peers" >&2
  "${PIP[@]}" -r dev/requirements-test.txt
  # torch: the CPU build (a local file on these machines); tests importorskip it.
  "${PIP[@]}" "torch==2.13.0" || echo "setup: torch==2.13.0 not available; torch tests will skip" >&2
fi
echo "setup: done ($VENV)" >&2
