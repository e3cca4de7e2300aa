# shellcheck shell=bash
# The pieces shared by the install scripts of the tools built from the Go module proxy
# (tools/kubernetes/install.sh, tools/jaeger/install.sh, tools/monitoring/install-promtool.sh):
# each build lands in a cache outside the clone (HDAT_TOOLS_CACHE, default ~/.cache/hdat-tools)
# and is linked into the clone's .tools/.
#
# A script sets repo_root, sources this file, then calls open_tool_cache.

# say/fail <message>: a line on standard output / an error on standard error and exit 1, after
# the script's prefix (open_tool_cache).
say() { echo "$log_prefix: $*"; }
fail() {
  echo "$log_prefix: ERROR: $*" >&2
  exit 1
}

# open_tool_cache <message prefix> <lock file name>: sets log_prefix, tools_dir (the clone's
# .tools/) and cache_dir, creates both folders, and waits for the cache's lock (held until the
# script exits: one run at a time).
open_tool_cache() {
  log_prefix="$1"
  # shellcheck disable=SC2154 # repo_root: set by the sourcing script
  tools_dir="$repo_root/.tools"
  cache_dir="${HDAT_TOOLS_CACHE:-${HOME:-/root}/.cache/hdat-tools}"
  mkdir -p "$tools_dir" "$cache_dir"
  exec 9>"$cache_dir/$2"
  flock 9
}

# need_go <what> [<whose go.mod>]: fails unless Go is on the PATH.
need_go() {
  command -v go >/dev/null 2>&1 || fail "Go is needed to build $1 (https://go.dev/doc/install; \
any Go >= 1.21 fetches the toolchain ${2:-the module} asks for from the Go module proxy)"
}

# build_into_cache <cache folder> <command>...: runs the command, with errexit, in a subshell, with
# a fresh <cache folder>.building as its last argument, then swaps that folder in whole as
# <cache folder>. When the command fails, the folder is removed and the script exits with the
# command's status (the command reports its own failure).
build_into_cache() {
  local cache="$1" staging="$1.building" status
  shift
  rm -rf "$staging"
  mkdir -p "$staging"
  set +e
  (
    set -e
    "$@" "$staging"
  )
  status=$?
  set -e
  if ((status != 0)); then
    rm -rf "$staging"
    exit "$status"
  fi
  rm -rf "$cache"
  mv "$staging" "$cache"
}

# link_into <cached file>... <target dir>: hard links (copies across file systems) into a fresh
# folder swapped in whole, so a half-written folder is never mistaken for a good one.
link_into() {
  local target="${*: -1}" staging="${*: -1}.installing" file
  rm -rf "$staging"
  mkdir -p "$staging"
  for file in "${@:1:$#-1}"; do
    ln "$file" "$staging/" 2>/dev/null || cp "$file" "$staging/"
  done
  rm -rf "$target"
  mv "$staging" "$target"
}
