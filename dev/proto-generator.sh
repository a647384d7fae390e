#!/usr/bin/env bash
# Prints the path of a Python that has the pinned protobuf generator: the grpcio-tools version in
# packages/streamvis-proto/pyproject.toml's [build-system] requires (the hatch build hook's
# generator). Creates the venv on first use, in the same cache as ./pants (which bootstraps
# Pants' protoc from the same pin), so both share it.
#
#   "$(bash dev/proto-generator.sh)" -m grpc_tools.protoc --version
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pyproject="$root/packages/streamvis-proto/pyproject.toml"
version="$(sed -n 's/.*"grpcio-tools==\([0-9.]*\)".*/\1/p' "$pyproject" | head -n 1)"
if [ -z "$version" ]; then
  echo "proto-generator: no \"grpcio-tools==X.Y.Z\" in $pyproject" >&2; exit 1
fi
cache="${STREAMVIS_PANTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamvis-pants}"
venv="$cache/tools/grpcio-tools-$version-venv"
if [ ! -f "$venv/.complete" ]; then
  mkdir -p "$cache"
  (
    exec 9>"$cache/.lock"   # the lock ./pants holds while it bootstraps
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if [ ! -f "$venv/.complete" ]; then
      echo "proto-generator: creating $venv" >&2
      rm -rf "$venv"
      "${PYTHON:-python3}" -m venv "$venv"
      "$venv/bin/python" -m pip install -q --disable-pip-version-check "grpcio-tools==$version" >&2
      touch "$venv/.complete"
    fi
  )
fi
echo "$venv/bin/python"
