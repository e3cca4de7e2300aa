#!/usr/bin/env bash
# Lints and renders the Helm chart (deploy/helm/hotdocs-temporal) with the pinned Helm, and
# decodes every rendered object strictly with manifest-check (tools/kubernetes/manifest-check):
#
#   bash tools/kubernetes/check-chart.sh [--print] [VALUES.yaml...]
#
# Without value files, the chart's default values. --print writes the rendered manifests to
# standard output before the decoder's verdict. Installs both tools first when missing
# (tools/kubernetes/install.sh). Exits non-zero when lint, render or decode fails. The tests
# (test/deploy/helm-chart.test.ts) do the same for every ci/*-values.yaml and more.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="$repo_root/deploy/helm/hotdocs-temporal"
print=false
if [[ "${1:-}" == "--print" ]]; then
  print=true
  shift
fi

# install.sh names each tool's folder (by version, by the hash of the decoder's sources) in its
# "ready:" lines.
installed=$(bash "$repo_root/tools/kubernetes/install.sh")
printf '%s\n' "$installed" >&2
folder() { printf '%s\n' "$installed" | sed -n "s|^kubernetes/install: ready: $1 [^ ]* in ||p"; }
helm="$repo_root/$(folder helm)/helm"
checker="$repo_root/$(folder manifest-check)/manifest-check"

values=()
for file in "$@"; do values+=(--values "$file"); done

# Helm notes the chart's symbolic links (files/ names deploy/monitoring/ files) at INFO level.
quiet() { grep -v 'level=INFO msg="found symbolic link in path' >&2 || true; }

"$helm" lint --strict "$chart" "${values[@]}" 2> >(quiet) >&2
manifests=$("$helm" template docs "$chart" "${values[@]}" 2> >(quiet))
if $print; then printf '%s\n' "$manifests"; fi
printf '%s\n' "$manifests" | "$checker" -
