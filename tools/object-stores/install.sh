#!/usr/bin/env bash
# Installs the object-store servers the document-store tests run against, at the versions pinned in
# tools/object-stores/versions.env, into .tools/object-stores/:
#
#   .tools/object-stores/versitygw-<version>/versitygw        S3 protocol (built from the Go module proxy)
#   .tools/object-stores/azurite-<version>/node_modules/...   Azure Blob Storage (npm, locked tree)
#
# Why these sources: our machines reach package registries but not the internet at large, so no
# release download or container image. Idempotent: a server already at its pinned version is left
# alone. Safe to run concurrently (test files may call it at the same time): one run at a time.
#
#   bash tools/object-stores/install.sh [versitygw] [azurite]     (no argument: both)
#   bash tools/object-stores/install.sh go                        (only print the Go it builds with)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo_root/tools/object-stores"
# shellcheck source=versions.env
source "$here/versions.env"
tools_dir="$repo_root/.tools/object-stores"

fail() {
  echo "install-object-stores: ERROR: $*" >&2
  exit 1
}

mkdir -p "$tools_dir"
exec 9>"$tools_dir/.install.lock"
flock 9

wanted=("$@")
[[ ${#wanted[@]} -eq 0 ]] && wanted=(versitygw azurite)

# A Go of at least 1.21 switches itself to the toolchain versitygw's go.mod asks for (from the Go
# module proxy); without one, the pinned toolchain is fetched from the proxy as a module.
go_command() {
  if command -v go >/dev/null 2>&1; then
    local minor
    minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
    if [[ "$minor" =~ ^[0-9]+$ && "$minor" -ge 21 ]]; then
      echo go
      return
    fi
  fi
  local go_root="$tools_dir/go-$GO_TOOLCHAIN_VERSION"
  if [[ ! -x "$go_root/bin/go" ]]; then
    # python3 (needed for the Temporal tools anyway) fetches and unpacks: no curl or unzip needed.
    command -v python3 >/dev/null 2>&1 || fail "python3 is needed to fetch the Go toolchain"
    local arch
    case "$(uname -m)" in
      x86_64) arch=amd64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) fail "no Go toolchain for $(uname -m)" ;;
    esac
    local proxy="${GOPROXY:-https://proxy.golang.org}"
    proxy="${proxy%%,*}"
    [[ "$proxy" =~ ^https?:// ]] || proxy=https://proxy.golang.org
    local version="v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch"
    echo "install-object-stores: fetching Go $GO_TOOLCHAIN_VERSION from $proxy (golang.org/toolchain@$version)" >&2
    local staging="$go_root.installing"
    rm -rf "$staging" && mkdir -p "$staging"
    python3 - "$proxy/golang.org/toolchain/@v/$version.zip" "$staging" <<'PY' || fail "could not fetch golang.org/toolchain@$version"
import io, sys, urllib.request, zipfile
with urllib.request.urlopen(sys.argv[1], timeout=300) as response:
    zipfile.ZipFile(io.BytesIO(response.read())).extractall(sys.argv[2])
PY
    rm -rf "$go_root"
    mv "$staging/golang.org/toolchain@$version" "$go_root"
    chmod +x "$go_root"/bin/* "$go_root"/pkg/tool/*/* 2>/dev/null || true
    rm -rf "$staging"
  fi
  echo "$go_root/bin/go"
}

install_versitygw() {
  local target="$tools_dir/versitygw-$VERSITYGW_VERSION"
  # versitygw prints "Version  : v1.8.0" (among build details) for `versitygw --version`.
  if [[ -x "$target/versitygw" ]] && "$target/versitygw" --version 2>/dev/null | grep -q "$VERSITYGW_VERSION"; then
    echo "install-object-stores: versitygw $VERSITYGW_VERSION already installed"
    return
  fi
  local go
  go="$(go_command)"
  echo "install-object-stores: building versitygw $VERSITYGW_VERSION (Go module proxy; about 2 minutes the first time)"
  local staging="$target.installing"
  rm -rf "$staging" && mkdir -p "$staging"
  # The module's go directive may ask for a newer Go than the one found: let Go fetch it.
  if ! GOTOOLCHAIN=auto GOBIN="$staging" "$go" install \
    -ldflags "-X main.Version=$VERSITYGW_VERSION" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"; then
    rm -rf "$staging"
    fail "go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION failed (is the Go module proxy reachable?)"
  fi
  rm -rf "$target"
  mv "$staging" "$target"
}

install_azurite() {
  local target="$tools_dir/azurite-$AZURITE_VERSION"
  local entry="$target/node_modules/azurite/dist/src/azurite.js"
  if [[ -f "$entry" ]] && cmp -s "$here/azurite/package-lock.json" "$target/package-lock.json"; then
    echo "install-object-stores: azurite $AZURITE_VERSION already installed"
    return
  fi
  grep -q "\"azurite\": \"$AZURITE_VERSION\"" "$here/azurite/package.json" ||
    fail "tools/object-stores/azurite/package.json does not pin azurite $AZURITE_VERSION (versions.env)"
  echo "install-object-stores: installing azurite $AZURITE_VERSION (npm, locked by tools/object-stores/azurite/package-lock.json)"
  local staging="$target.installing"
  rm -rf "$staging" && mkdir -p "$staging"
  cp "$here/azurite/package.json" "$here/azurite/package-lock.json" "$staging/"
  if ! (cd "$staging" && npm ci --no-audit --no-fund --omit=dev --loglevel=error); then
    rm -rf "$staging"
    fail "npm could not install azurite $AZURITE_VERSION (is the npm registry reachable?)"
  fi
  [[ -f "$staging/node_modules/azurite/dist/src/azurite.js" ]] || fail "azurite $AZURITE_VERSION has no dist/src/azurite.js"
  rm -rf "$target"
  mv "$staging" "$target"
}

for server in "${wanted[@]}"; do
  case "$server" in
    versitygw) install_versitygw ;;
    azurite) install_azurite ;;
    go) echo "install-object-stores: Go for building: $(go_command)" ;;
    *) fail "unknown server \"$server\" (versitygw, azurite, go)" ;;
  esac
done

echo "install-object-stores: ready: ${wanted[*]} (versitygw $VERSITYGW_VERSION, azurite $AZURITE_VERSION)"
