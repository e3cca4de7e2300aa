#!/usr/bin/env bash
# Installs the pinned OpenAPI fuzzer schemathesis (PyPI) into a virtual environment under
# .tools/schemathesis, for the gateway's fuzz test (test/gateway/openapi-fuzz.test.ts). Idempotent:
# a venv already at the pinned version is left alone. Prints the executable's path, last, on stdout.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The physical path: a venv's scripts name their interpreter by absolute path, and .tools may be a
# link shared by several checkouts, any of which can go away.
target="$(realpath -m "$repo_root/.tools/schemathesis")"
executable="$target/bin/schemathesis"
# Written last: a venv without it was interrupted half-way and is built again.
marker="$target/installed-$SCHEMATHESIS_VERSION"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

# Runs, not only exists: a venv whose interpreter path is gone is built again.
if [[ -f "$marker" ]] && "$executable" --version >/dev/null 2>&1; then
  echo "install-schemathesis: schemathesis $SCHEMATHESIS_VERSION already installed" >&2
  echo "$executable"
  exit 0
fi

command -v python3 >/dev/null 2>&1 || { echo "install-schemathesis: python3 is needed" >&2; exit 1; }
echo "install-schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION into .tools/schemathesis" >&2
rm -rf "$target"
python3 -m venv "$target" >&2
"$target/bin/python" -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION" >&2
"$executable" --version >&2
touch "$marker"
echo "$executable"
