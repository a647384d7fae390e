#!/usr/bin/env bash
# Install everything (dev/setup.sh), then run every test: the Pants path (lint, dependency
# rules, wheels, tests under Pants), the format and logger tests under the oldest and newest
# supported protobuf (dev/test-protobuf-versions.sh) and the whole pytest suite, which includes
# the browser, emulator, TensorFlow and wheel-install tests. Exits non-zero if anything fails or if pytest
# collected no tests.
#
#   bash dev/test.sh                 # what CI runs
#   SKIP_PANTS=1 bash dev/test.sh    # the plain pip + pytest path only
#   bash dev/test.sh -k browser      # extra arguments go to pytest
set -uo pipefail
cd "$(dirname "$0")/.."

bash dev/setup.sh || { echo "test: setup failed" >&2; exit 1; }

pants_rc=0
if [ "${SKIP_PANTS:-0}" != 1 ]; then
  bash dev/pants-ci.sh
  pants_rc=$?
  [ "$pants_rc" = 0 ] || echo "test: the Pants path failed (exit $pants_rc)" >&2
fi

# The format and logger tests under the oldest and newest supported protobuf (small venvs).
bash dev/test-protobuf-versions.sh
protobuf_rc=$?
[ "$protobuf_rc" = 0 ] || echo "test: the protobuf-versions tests failed (exit $protobuf_rc)" >&2

.venv/bin/python -m pytest "$@"
pytest_rc=$?
if [ "$pytest_rc" = 5 ]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
[ "$pytest_rc" = 0 ] || exit "$pytest_rc"
[ "$pants_rc" = 0 ] || exit "$pants_rc"
exit "$protobuf_rc"
