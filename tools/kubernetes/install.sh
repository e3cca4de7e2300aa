#!/usr/bin/env bash
# Installs the two tools that check the Helm chart (deploy/helm/hotdocs-temporal):
#
#   .tools/helm-<version>/helm                 Helm, pinned in tools/kubernetes/versions.env, built
#                                              with `go install helm.sh/helm/v4/cmd/helm@<version>`
#   .tools/manifest-check-<hash>/manifest-check
#                                              the strict decoder of tools/kubernetes/manifest-check
#                                              (its pins are its go.mod), with beside it the source of
#                                              the pinned KEDA module's temporal scaler, whose
#                                              parameters it reads
#
# Why built from source: this project's machines reach package registries only; the Go module proxy
# serves Helm's and the decoder's dependencies. Each build lands in a cache outside the clone
# (HDAT_TOOLS_CACHE, default ~/.cache/hdat-tools; Helm keyed by version, the decoder by the hash of
# its sources) and is linked into .tools/, so a fresh clone on the same machine takes a second.
# Idempotent, and one run at a time (test files may call it together).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=versions.env
source "$repo_root/tools/kubernetes/versions.env"
: "${HELM_MODULE_VERSION:?HELM_MODULE_VERSION is missing from tools/kubernetes/versions.env}"
checker_src="$repo_root/tools/kubernetes/manifest-check"

# shellcheck source=../lib/tool-cache.sh
source "$repo_root/tools/lib/tool-cache.sh"
open_tool_cache kubernetes/install .kubernetes-tools.lock

# ---- Helm ----------------------------------------------------------------------------------
helm_dir="$tools_dir/helm-$HELM_MODULE_VERSION"
helm_cached="$cache_dir/helm-$HELM_MODULE_VERSION/helm"
# `helm version --template` prints the version the build was stamped with (below).
helm_version() { "$1" version --template '{{.Version}}' 2>/dev/null || true; }
# Helm stamps its version at release time (-X ...internal/version.version); `go install` leaves
# the source's "v4.x" placeholder, so the pin is stamped the same way.
build_helm() {
  GOTOOLCHAIN=auto GOFLAGS="${GOFLAGS:--buildvcs=false}" GOBIN="$1" \
    go install -ldflags "-X helm.sh/helm/v4/internal/version.version=$HELM_MODULE_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_MODULE_VERSION" ||
    fail "go install helm.sh/helm/v4/cmd/helm@$HELM_MODULE_VERSION failed (is the Go module proxy reachable?)"
}

if [[ "$(helm_version "$helm_dir/helm")" == "$HELM_MODULE_VERSION" ]]; then
  say "helm $HELM_MODULE_VERSION already in ${helm_dir#"$repo_root"/}"
else
  if [[ "$(helm_version "$helm_cached")" != "$HELM_MODULE_VERSION" ]]; then
    need_go Helm
    say "building helm.sh/helm/v4/cmd/helm@$HELM_MODULE_VERSION (Go module proxy; minutes the first time)"
    started=$SECONDS
    build_into_cache "$(dirname "$helm_cached")" build_helm
    say "helm built in $((SECONDS - started)) s"
  fi
  link_into "$helm_cached" "$helm_dir"
fi
[[ "$(helm_version "$helm_dir/helm")" == "$HELM_MODULE_VERSION" ]] || fail "$helm_dir/helm does not run on this machine"
say "ready: helm $HELM_MODULE_VERSION in ${helm_dir#"$repo_root"/}"

# ---- manifest-check ------------------------------------------------------------------------
# Keyed by its sources (test/support/kubernetes-tools.ts computes the same hash): an edit to the
# program or a pin in its go.mod builds a new one.
checker_hash=$(cd "$checker_src" && for file in $(printf '%s\n' go.mod go.sum *.go | LC_ALL=C sort); do
  printf '%s\0' "$file"
  cat "$file"
done | sha256sum | cut -c1-12)
checker_dir="$tools_dir/manifest-check-$checker_hash"
checker_cache="$cache_dir/manifest-check-$checker_hash"
scaler_source=keda-temporal-scaler.go.txt
# Built with Helm's flags (no -trimpath): the Kubernetes packages both use at the same versions
# (k8s.io/api, k8s.io/apimachinery) then come compiled from Go's build cache. Runs in
# build_into_cache's subshell: the cd stays there.
build_checker() {
  cd "$checker_src"
  GOTOOLCHAIN=auto GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=readonly" go build -o "$1/manifest-check" . ||
    fail "building tools/kubernetes/manifest-check failed (is the Go module proxy reachable?)"
  keda_dir=$(GOTOOLCHAIN=auto GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)
  [[ -f "$keda_dir/pkg/scalers/temporal_scaler.go" ]] || fail "no pkg/scalers/temporal_scaler.go in $keda_dir"
  cp "$keda_dir/pkg/scalers/temporal_scaler.go" "$1/$scaler_source"
}

if [[ -x "$checker_dir/manifest-check" && -f "$checker_dir/$scaler_source" ]]; then
  say "manifest-check $checker_hash already in ${checker_dir#"$repo_root"/}"
else
  if [[ ! -x "$checker_cache/manifest-check" || ! -f "$checker_cache/$scaler_source" ]]; then
    need_go manifest-check
    say "building tools/kubernetes/manifest-check ($checker_hash; Go module proxy; minutes the first time)"
    started=$SECONDS
    build_into_cache "$checker_cache" build_checker
    say "manifest-check built in $((SECONDS - started)) s"
  fi
  link_into "$checker_cache/manifest-check" "$checker_cache/$scaler_source" "$checker_dir"
fi
say "ready: manifest-check $checker_hash in ${checker_dir#"$repo_root"/}"
