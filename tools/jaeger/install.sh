#!/usr/bin/env bash
# Installs Jaeger, the trace backend of the tracing test and `npm run dev -- --tracing`, at the
# version pinned in tools/jaeger/version.env:
#
#   .tools/jaeger-<module version>/jaeger     the Jaeger v2 all-in-one (cmd/jaeger), built from the
#                                             Go module proxy
#
# Why built from source: our machines reach package registries only (no release downloads, no
# images). The module's go.mod has replace directives, so `go install module@version` refuses it;
# it is added as a tool of a scratch module instead (`go get -tool`) and built from there. The
# binary is cached outside the clone (HDAT_TOOLS_CACHE, default ~/.cache/hdat-tools, keyed by
# version) and linked into .tools/: a fresh clone on the same machine takes seconds. Idempotent and
# safe to run concurrently (one build at a time).
#
# The module has no UI assets (upstream builds them from a separate repository at release time):
# this binary serves Jaeger's API and a placeholder page in place of the UI.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=version.env
source "$repo_root/tools/jaeger/version.env"
: "${JAEGER_MODULE_VERSION:?JAEGER_MODULE_VERSION is missing from tools/jaeger/version.env}"

# shellcheck source=../lib/tool-cache.sh
source "$repo_root/tools/lib/tool-cache.sh"
open_tool_cache jaeger/install .jaeger-install.lock
target_dir="$tools_dir/jaeger-$JAEGER_MODULE_VERSION"
target="$target_dir/jaeger"
cached="$cache_dir/jaeger-$JAEGER_MODULE_VERSION/jaeger"

# `jaeger version` prints {"gitCommit":"","gitVersion":"v1.75.0",...} for our build.
built_version() { "$1" version 2>/dev/null | grep -o '"gitVersion":"[^"]*"' | cut -d'"' -f4; }

if [[ -x "$target" && "$(built_version "$target")" == "$JAEGER_MODULE_VERSION" ]]; then
  say "jaeger $JAEGER_MODULE_VERSION already in ${target_dir#"$repo_root"/}"
  exit 0
fi

# Builds in a scratch module under the cache folder being built, which keeps only the binary.
build_jaeger() {
  local scratch="$1/module"
  mkdir "$scratch"
  if ! (
    cd "$scratch" &&
      go mod init hdat-tools/jaeger >/dev/null 2>&1 &&
      go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" 2>"$scratch/go-get.log" &&
      go build -o "$1/jaeger" \
        -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_MODULE_VERSION" \
        github.com/jaegertracing/jaeger/cmd/jaeger
  ); then
    [[ -f "$scratch/go-get.log" ]] && tail -n 20 "$scratch/go-get.log" >&2
    fail "building Jaeger $JAEGER_MODULE_VERSION failed (is the Go module proxy reachable?)"
  fi
  rm -rf "$scratch"
}

if [[ ! -x "$cached" || "$(built_version "$cached")" != "$JAEGER_MODULE_VERSION" ]]; then
  need_go Jaeger
  export GOTOOLCHAIN=auto
  export GOFLAGS="${GOFLAGS:--buildvcs=false}"
  say "building github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" \
    "(the first build takes minutes; later ones reuse the Go build cache)"
  started=$SECONDS
  build_into_cache "$(dirname "$cached")" build_jaeger
  say "built in $((SECONDS - started)) s"
fi

link_into "$cached" "$target_dir"
[[ "$(built_version "$target")" == "$JAEGER_MODULE_VERSION" ]] || fail "$target does not run on this machine"
say "ready: jaeger $JAEGER_MODULE_VERSION in ${target_dir#"$repo_root"/}"
