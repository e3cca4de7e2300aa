#!/usr/bin/env bash
# Installs the pinned promtool (tools/monitoring/promtool.env) as .tools/promtool-<version>/promtool,
# built with `go install github.com/prometheus/prometheus/cmd/promtool@<version>`, and prints its
# version. `npm test` runs `promtool check rules` and `promtool test rules` on the alert rules.
#
# Why built from source: this project's machines reach package registries only (no GitHub
# releases); the Go module proxy serves Prometheus' own sources. The build lands in a cache outside
# the clone (HDAT_TOOLS_CACHE, default ~/.cache/hdat-tools, keyed by version) and is linked into
# .tools/, so a fresh clone on the same machine takes a second and a new machine builds once.
# Idempotent, and one run at a time (test files may call it together).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=promtool.env
source "$repo_root/tools/monitoring/promtool.env"
: "${PROMTOOL_MODULE_VERSION:?PROMTOOL_MODULE_VERSION is missing from tools/monitoring/promtool.env}"
: "${PROMETHEUS_VERSION:?PROMETHEUS_VERSION is missing from tools/monitoring/promtool.env}"
module="github.com/prometheus/prometheus"

# shellcheck source=../lib/tool-cache.sh
source "$repo_root/tools/lib/tool-cache.sh"
open_tool_cache install-promtool .promtool.lock
target_dir="$tools_dir/promtool-$PROMTOOL_MODULE_VERSION"
cached="$cache_dir/promtool-$PROMTOOL_MODULE_VERSION/promtool"

# GOTOOLCHAIN=auto: an older Go fetches the toolchain the module asks for, from the proxy.
# remove_all_sd,enable_dns_sd: Prometheus' own build tags for a subset of its service
# discoveries. The rules need none; prometheus.yml uses DNS. Leaving out the cloud ones
# (Kubernetes, AWS, Azure, GCE, ...) spares most of the download and the compile.
build_promtool() {
  GOTOOLCHAIN=auto GOFLAGS="${GOFLAGS:--buildvcs=false}" GOBIN="$1" \
    go install -tags remove_all_sd,enable_dns_sd \
    -ldflags "-X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" \
    "$module/cmd/promtool@$PROMTOOL_MODULE_VERSION" ||
    fail "go install $module/cmd/promtool@$PROMTOOL_MODULE_VERSION failed (is the Go module proxy reachable?)"
  # The module's VERSION file names the Prometheus release it is: it must be the pinned one.
  module_dir=$(GOTOOLCHAIN=auto go mod download -json "$module@$PROMTOOL_MODULE_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  release=$(cat "$module_dir/VERSION" 2>/dev/null || true)
  [[ "$release" == "$PROMETHEUS_VERSION" ]] ||
    fail "$module@$PROMTOOL_MODULE_VERSION is Prometheus ${release:-?}, not PROMETHEUS_VERSION=$PROMETHEUS_VERSION"
}

if [[ -x "$target_dir/promtool" ]] && "$target_dir/promtool" --version 2>&1 | grep -q "version $PROMETHEUS_VERSION "; then
  say "promtool $PROMTOOL_MODULE_VERSION already in ${target_dir#"$repo_root"/}"
else
  if [[ ! -x "$cached" ]] || ! "$cached" --version 2>&1 | grep -q "version $PROMETHEUS_VERSION "; then
    need_go promtool "Prometheus' go.mod"
    say "building $module/cmd/promtool@$PROMTOOL_MODULE_VERSION" \
      "(Go module proxy; minutes the first time, seconds with the Go build cache)"
    started=$SECONDS
    build_into_cache "$(dirname "$cached")" build_promtool
    say "built in $((SECONDS - started)) s"
  fi
  link_into "$cached" "$target_dir"
  say "promtool $PROMTOOL_MODULE_VERSION from the build cache $(dirname "$cached") into ${target_dir#"$repo_root"/}"
fi
"$target_dir/promtool" --version >/dev/null 2>&1 || fail "$target_dir/promtool does not run on this machine"
say "ready: $("$target_dir/promtool" --version 2>&1 | head -n 1)"
