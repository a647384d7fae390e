#!/usr/bin/env bash
# For a git worktree of this repository that shares the main checkout's .venv: generate the
# worktree's data_pb2.py (gitignored) and put its four src/ folders first on PYTHONPATH, so
# python and pytest import the worktree's code, not the checkout the venv was installed from.
#
#   source dev/worktree-env.sh /work/main/.venv    # then: python -m pytest ...
_wt="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_venv="${1:-$_wt/.venv}"
_src="$_wt/packages/streamvis-proto/src"
# The pinned generator (not the venv's grpcio-tools): see packages/streamvis-proto/hatch_build.py.
_gen="$(bash "$_wt/dev/proto-generator.sh")" || return 1
"$_gen" -m grpc_tools.protoc -I"$_src" \
  -I"$("$_gen" -c "from importlib.resources import files; print(files('grpc_tools') / '_proto')")" \
  --python_out="$_src" --pyi_out="$_src" streamvis/proto/data.proto || return 1
export PYTHONPATH="$_wt/packages/streamvis-proto/src:$_wt/packages/streamvis-logger/src:$_wt/packages/streamvis-server/src:$_wt/packages/streamvis-cli/src${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$_venv/bin:$PATH"
echo "worktree-env: $_wt with $_venv" >&2
