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

fail() {
  echo "jaeger/install: ERROR: $*" >&2
  exit 1
}
say() { echo "jaeger/install: $*"; }

tools_dir="$repo_root/.tools"
cache_dir="${HDAT_TOOLS_CACHE:-${HOME:-/root}/.cache/hdat-tools}"
target_dir="$tools_dir/jaeger-$JAEGER_MODULE_VERSION"
target="$target_dir/jaeger"
cached="$cache_dir/jaeger-$JAEGER_MODULE_VERSION/jaeger"

mkdir -p "$tools_dir" "$cache_dir"
exec 9>"$cache_dir/.jaeger-install.lock"
flock 9

# `jaeger version` prints {"gitCommit":"","gitVersion":"v1.75.0",...} for our build.
built_version() { "$1" version 2>/dev/null | grep -o '"gitVersion":"[^"]*"' | cut -d'"' -f4; }

if [[ -x "$target" && "$(built_version "$target")" == "$JAEGER_MODULE_VERSION" ]]; then
  say "jaeger $JAEGER_MODULE_VERSION already in ${target_dir#"$repo_root"/}"
  exit 0
fi

if [[ ! -x "$cached" || "$(built_version "$cached")" != "$JAEGER_MODULE_VERSION" ]]; then
  command -v go >/dev/null 2>&1 || fail "Go is needed to build Jaeger (https://go.dev/doc/install; \
any Go >= 1.21 fetches the toolchain the module asks for from the Go module proxy)"
  export GOTOOLCHAIN=auto
  export GOFLAGS="${GOFLAGS:--buildvcs=false}"
  scratch="$cache_dir/jaeger-$JAEGER_MODULE_VERSION.building"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  say "building github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" \
    "(the first build takes minutes; later ones reuse the Go build cache)"
  started=$SECONDS
  if ! (
    cd "$scratch" &&
      go mod init hdat-tools/jaeger >/dev/null 2>&1 &&
      go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" 2>"$scratch/go-get.log" &&
      go build -o "$scratch/jaeger" \
        -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_MODULE_VERSION" \
        github.com/jaegertracing/jaeger/cmd/jaeger
  ); then
    [[ -f "$scratch/go-get.log" ]] && tail -n 20 "$scratch/go-get.log" >&2
    rm -rf "$scratch"
    fail "building Jaeger $JAEGER_MODULE_VERSION failed (is the Go module proxy reachable?)"
  fi
  mkdir -p "$(dirname "$cached")"
  mv "$scratch/jaeger" "$cached"
  rm -rf "$scratch"
  say "built in $((SECONDS - started)) s"
fi

staging="$target_dir.installing"
rm -rf "$staging"
mkdir -p "$staging"
ln "$cached" "$staging/jaeger" 2>/dev/null || cp "$cached" "$staging/jaeger"
rm -rf "$target_dir"
mv "$staging" "$target_dir"
[[ "$(built_version "$target")" == "$JAEGER_MODULE_VERSION" ]] || fail "$target does not run on this machine"
say "ready: jaeger $JAEGER_MODULE_VERSION in ${target_dir#"$repo_root"/}"
