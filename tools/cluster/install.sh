#!/usr/bin/env bash
# Installs what the production-cluster test (npm run test:production) runs, at the versions pinned
# in the Temporal pin file (temporal-tools.env), and prints them:
#
#   PostgreSQL                  Debian's `postgresql` package (apt-get when initdb is missing)
#   .tools/temporal-server-<v>/ bin/temporal-server and bin/temporal-sql-tool, built with
#                               `go install go.temporal.io/server/cmd/{server,tools/sql}@v<v>`, and
#                               schema/postgresql/v12 (the schema files of that module)
#   .tools/temporal-ui-<v>/     bin/temporal-ui-server, built from github.com/temporalio/ui-server/v2
#
# Why built from source: this project's machines reach package registries only (no Docker Hub, no
# GitHub releases); the Go module proxy serves the server's own sources. The builds land in a cache
# outside the clone (HDAT_TOOLS_CACHE, default ~/.cache/hdat-tools, keyed by version) and are
# linked into .tools/, so a fresh clone on the same machine takes seconds and a new machine builds
# once (about 10 minutes on 2 cores). Idempotent: what is already at the pinned version is kept.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pins="$repo_root/tools/temporal-tools.env"

fail() {
  echo "cluster/install: ERROR: $*" >&2
  exit 1
}
say() { echo "cluster/install: $*"; }

[[ -n "$pins" ]] || fail "temporal-tools.env (the Temporal pin file) was not found"
# shellcheck source=/dev/null
source "$pins"
: "${TEMPORAL_SERVER_VERSION:?TEMPORAL_SERVER_VERSION is missing from $pins}"
: "${TEMPORAL_UI_SERVER_VERSION:?TEMPORAL_UI_SERVER_VERSION is missing from $pins}"

tools_dir="$repo_root/.tools"
cache_dir="${HDAT_TOOLS_CACHE:-${HOME:-/root}/.cache/hdat-tools}"

# ---- PostgreSQL --------------------------------------------------------------------------------
# Debian installs the server programs under /usr/lib/postgresql/<major>/bin, off the PATH.
find_initdb() {
  command -v initdb 2>/dev/null && return 0
  ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1
}
if [[ -z "$(find_initdb)" ]]; then
  [[ "$(id -u)" == 0 ]] || fail "PostgreSQL is not installed: run apt-get install -y postgresql as root"
  say "installing PostgreSQL (Debian package postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  # The package starts a default cluster on port 5432; the tests run their own on a free port.
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for cluster in /etc/postgresql/*/main; do
      [[ -d "$cluster" ]] || continue
      version=$(basename "$(dirname "$cluster")")
      pg_ctlcluster "$version" main stop >/dev/null 2>&1 || true
    done
  fi
fi
initdb=$(find_initdb)
[[ -n "$initdb" ]] || fail "initdb was not found after installing PostgreSQL"
postgres_version=$("$(dirname "$(readlink -f "$initdb")")/postgres" --version)

# ---- Go ----------------------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || fail "Go is needed to build the Temporal server (https://go.dev/doc/install; \
any Go >= 1.21 fetches the toolchain the server's go.mod asks for from the Go module proxy)"
# An older Go fetches the toolchain the module asks for (as a module, from the Go module proxy).
export GOTOOLCHAIN=auto
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

# go_install <package@version> <bin dir>: builds into a cache folder of its own (go install names
# both servers `server`), through a staging folder so that a failed build leaves nothing behind.
go_install() {
  local package="$1" target="$2"
  local staging="$target.building"
  rm -rf "$staging"
  mkdir -p "$staging"
  say "building $package (the first build takes minutes; later ones reuse the Go build cache)"
  if ! GOBIN="$staging" go install "$package"; then
    rm -rf "$staging"
    fail "go install $package failed (is the Go module proxy reachable?)"
  fi
  rm -rf "$target"
  mv "$staging" "$target"
}

# link_or_copy <from> <to>: a hard link when the cache shares the clone's file system.
link_or_copy() {
  rm -f "$2"
  ln "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

# ---- Temporal server and its SQL tool ------------------------------------------------------------
server_dir="$tools_dir/temporal-server-$TEMPORAL_SERVER_VERSION"
server_bin="$server_dir/bin/temporal-server"
sql_tool="$server_dir/bin/temporal-sql-tool"
schema_dir="$server_dir/schema/postgresql/v12"
if [[ -x "$server_bin" && -x "$sql_tool" && -d "$schema_dir/temporal/versioned" ]]; then
  say "temporal-server $TEMPORAL_SERVER_VERSION already in ${server_dir#"$repo_root"/}"
else
  server_cache="$cache_dir/temporal-server-v$TEMPORAL_SERVER_VERSION"
  if [[ ! -x "$server_cache/server" || ! -x "$server_cache/sql" ]]; then
    rm -rf "$server_cache"
    go_install "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" "$server_cache.server"
    go_install "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" "$server_cache.sql"
    mkdir -p "$server_cache"
    mv "$server_cache.server/server" "$server_cache/server"
    mv "$server_cache.sql/sql" "$server_cache/sql"
    rm -rf "$server_cache.server" "$server_cache.sql"
  fi
  # The schema files ship in the module the server was built from (the module cache has it now).
  module_dir=$(go mod download -json "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$module_dir/schema/postgresql/v12" ]] || fail "the module has no schema/postgresql/v12 ($module_dir)"
  say "temporal-server $TEMPORAL_SERVER_VERSION from the build cache ${server_cache} into ${server_dir#"$repo_root"/}"
  staging="$server_dir.installing"
  rm -rf "$staging"
  mkdir -p "$staging/bin" "$staging/schema/postgresql"
  link_or_copy "$server_cache/server" "$staging/bin/temporal-server"
  link_or_copy "$server_cache/sql" "$staging/bin/temporal-sql-tool"
  cp -R "$module_dir/schema/postgresql/v12" "$staging/schema/postgresql/v12"
  chmod -R u+w "$staging/schema"
  rm -rf "$server_dir"
  mv "$staging" "$server_dir"
fi
"$server_bin" --help >/dev/null || fail "$server_bin does not run on this machine"

# ---- Temporal UI server --------------------------------------------------------------------------
# config/docker.yaml is the temporalio/ui image's own configuration (TEMPORAL_* variables), so the
# UI runs here with the environment docker-compose.yml gives it.
ui_dir="$tools_dir/temporal-ui-$TEMPORAL_UI_SERVER_VERSION"
ui_bin="$ui_dir/bin/temporal-ui-server"
if [[ -x "$ui_bin" && -f "$ui_dir/config/docker.yaml" ]]; then
  say "temporal-ui-server $TEMPORAL_UI_SERVER_VERSION already in ${ui_dir#"$repo_root"/}"
else
  ui_cache="$cache_dir/temporal-ui-server-v$TEMPORAL_UI_SERVER_VERSION"
  [[ -x "$ui_cache/server" ]] ||
    go_install "github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_SERVER_VERSION" "$ui_cache"
  ui_module=$(go mod download -json "github.com/temporalio/ui-server/v2@v$TEMPORAL_UI_SERVER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -f "$ui_module/config/docker.yaml" ]] || fail "the UI module has no config/docker.yaml ($ui_module)"
  say "temporal-ui-server $TEMPORAL_UI_SERVER_VERSION from the build cache ${ui_cache} into ${ui_dir#"$repo_root"/}"
  staging="$ui_dir.installing"
  rm -rf "$staging"
  mkdir -p "$staging/bin" "$staging/config"
  link_or_copy "$ui_cache/server" "$staging/bin/temporal-ui-server"
  cp "$ui_module/config/docker.yaml" "$staging/config/docker.yaml"
  chmod u+w "$staging/config/docker.yaml"
  rm -rf "$ui_dir"
  mv "$staging" "$ui_dir"
fi
"$ui_bin" --version >/dev/null || fail "$ui_bin does not run on this machine"

say "ready: temporal-server $TEMPORAL_SERVER_VERSION, temporal-sql-tool $TEMPORAL_SERVER_VERSION," \
  "temporal-ui-server $("$ui_bin" --version | awk '{print $NF}'), $postgres_version"
