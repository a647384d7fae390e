#!/usr/bin/env bash
# The format and logger tests under the oldest and the newest supported protobuf runtime.
#
# streamvis-proto ships one generated data_pb2.py (gencode 5.29.0, see
# packages/streamvis-proto/hatch_build.py) for every runtime from protobuf 5.29.0 to 7.x. This
# builds the streamvis-proto and streamvis-logger wheels once (as pip would, with the pinned
# generator), installs them into one small venv per protobuf version (numpy, crc32c, protobuf,
# fsspec for the memory:// store, pytest, hypothesis only; kept between runs, the pip cache is
# reused) and runs
# packages/streamvis-proto/tests, packages/streamvis-logger/tests,
# tests/test_property_framing.py and tests/test_format_v1_fixtures.py there. Tests that need
# other packages (tensorflow, pyarrow ...) skip through importorskip; test_scheme_dispatch needs
# s3fs without saying so and is deselected.
#
#   bash dev/test-protobuf-versions.sh                          # 5.29.0 and 7.36.2
#   PROTOBUF_VERSIONS="5.29.0 6.33.6 7.36.2" bash dev/test-protobuf-versions.sh
#   bash dev/test-protobuf-versions.sh -k framing                # extra arguments go to pytest
set -uo pipefail
cd "$(dirname "$0")/.."

# Oldest: the floor of streamvis-proto's protobuf dependency (= its gencode version). Newest: the
# newest protobuf release this was tested with; raise it when a new one comes out.
VERSIONS="${PROTOBUF_VERSIONS:-5.29.0 7.36.2}"
VENVS="${STREAMVIS_PROTOBUF_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/streamvis-protobuf-venvs}"
PY="${PYTHON:-python3}"
TESTS=(packages/streamvis-proto/tests packages/streamvis-logger/tests
       tests/test_property_framing.py tests/test_format_v1_fixtures.py
       --deselect packages/streamvis-logger/tests/test_storage.py::test_scheme_dispatch)
PIP=(-m pip install -q --disable-pip-version-check)

log() { echo "== protobuf-versions: $*" >&2; }

start=$SECONDS
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
if ! "$PY" -m pip wheel -q --disable-pip-version-check --no-deps -w "$wheels" \
    packages/streamvis-proto packages/streamvis-logger; then
  log "building the streamvis-proto / streamvis-logger wheels failed"; exit 1
fi
log "wheels built in $((SECONDS - start)) s"

failed=()
for version in $VERSIONS; do
  t0=$SECONDS
  venv="$VENVS/protobuf-$version"
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$PY" -m venv "$venv" &&
      "$venv/bin/python" "${PIP[@]}" "protobuf==$version" numpy crc32c fsspec pytest \
        pytest-timeout hypothesis &&
      touch "$venv/.complete" ||
      { log "could not set up $venv (protobuf==$version)"; failed+=("$version"); continue; }
  fi
  "$venv/bin/python" "${PIP[@]}" --no-deps --force-reinstall "$wheels"/*.whl ||
    { log "installing the wheels into $venv failed"; failed+=("$version"); continue; }
  # The wheels' metadata must accept this protobuf (installed --no-deps: pip would otherwise
  # silently up- or downgrade it, which is the bug this script guards against).
  "$venv/bin/python" -m pip check --disable-pip-version-check ||
    { log "the wheels' requirements refuse protobuf $version"; failed+=("$version"); continue; }
  log "protobuf $version: venv ready in $((SECONDS - t0)) s"
  # PYTHONPATH unset: the tests must import the installed wheels, not a worktree's src folders.
  # -W error: a gencode/runtime version warning at import is a failure too.
  if ! env -u PYTHONPATH "$venv/bin/python" -W error -c '
import sys
from google.protobuf import __version__ as v
from google.protobuf.internal import api_implementation
import streamvis.proto.data_pb2 as m
assert v == sys.argv[1], (v, sys.argv[1])
assert "site-packages" in m.__file__, m.__file__
print(f"protobuf {v} ({api_implementation.Type()}): imported {m.__file__}")
' "$version"; then
    log "protobuf $version: the generated module does not import"; failed+=("$version"); continue
  fi
  env -u PYTHONPATH "$venv/bin/python" -m pytest -q -p no:randomly "${TESTS[@]}" "$@"
  rc=$?
  log "protobuf $version: pytest exit $rc after $((SECONDS - t0)) s"
  [ "$rc" = 0 ] || failed+=("$version")
done

log "done in $((SECONDS - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  log "FAILED under protobuf ${failed[*]}"; exit 1
fi
