#!/usr/bin/env bash
# Creates the certificates that make Temporal reachable only with mutual TLS (docs/deploy.md,
# "Mutual TLS to Temporal"): two certificate authorities and the certificates they sign, as files
# named like the compose secrets that mount them. deploy/create-secrets.sh runs it; so does
# `npm run test:production` (tools/cluster/), into the run's own folder. Needs openssl.
#
#   deploy/create-certificates.sh [--dir DIR]              create what is missing (never overwrites)
#   deploy/create-certificates.sh --renew NAME...          issue NAME again: a new key and certificate
#                                                          from the same authority (NAME: frontend,
#                                                          internode, worker, gateway, ui, operator, all)
#   deploy/create-certificates.sh --new-ca clients|internode
#                                                          a new authority, trusted beside the old one
#   deploy/create-certificates.sh --drop-old-ca clients|internode
#                                                          trust only the newest authority again
#
#   DIR defaults to deploy/secrets. TLS_FRONTEND_NAMES (default "temporal localhost 127.0.0.1") are
#   the names and addresses clients reach the frontend by; TLS_LEAF_DAYS (default 397) and
#   TLS_CA_DAYS (default 3650) are the validity periods.
#
# The authorities:
#   tls_ca            clients: signs the frontend's certificate and every client's (worker,
#                     gateway, Temporal UI's server, operators); clients trust it, the frontend
#                     accepts certificates it signed. The trust file may hold several (rotation).
#   tls_internode_ca  internode: signs the one certificate the server's four services present to
#                     each other; only they trust it, so a client certificate opens the frontend
#                     and nothing behind it.
# Their keys (tls_ca_key, tls_internode_ca_key) are never mounted into a container.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/deploy/secrets"
renew=()
new_ca=''
drop_old_ca=''

usage() {
  sed -n '6,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir)
      [ $# -ge 2 ] || usage
      dir=$2
      shift 2
      ;;
    --renew)
      shift
      while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do
        renew+=("$1")
        shift
      done
      [ ${#renew[@]} -gt 0 ] || usage
      ;;
    --new-ca)
      [ $# -ge 2 ] || usage
      new_ca=$2
      shift 2
      ;;
    --drop-old-ca)
      [ $# -ge 2 ] || usage
      drop_old_ca=$2
      shift 2
      ;;
    *) usage ;;
  esac
done

command -v openssl >/dev/null 2>&1 || {
  echo "openssl is needed to make the TLS certificates (apt-get install openssl)" >&2
  exit 1
}

frontend_names=${TLS_FRONTEND_NAMES:-temporal localhost 127.0.0.1}
leaf_days=${TLS_LEAF_DAYS:-397}
ca_days=${TLS_CA_DAYS:-3650}
# The name the four services verify on each other's certificate (TLS_INTERNODE_SERVER_NAME in
# deploy/temporal/config/temporal-server.yaml): they reach each other by address, not by name.
internode_name=temporal-internode

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Writes $2 into $1 in place (same inode): a container that mounts the file sees the new content.
replace() {
  if [ -e "$1" ]; then cat "$2" >"$1"; else cp "$2" "$1"; fi
  chmod "${3:-644}" "$1"
}

# authority_files clients|internode: the trust file and the key of that authority.
authority_files() {
  case "$1" in
    clients) echo "tls_ca tls_ca_key" ;;
    internode) echo "tls_internode_ca tls_internode_ca_key" ;;
    *)
      echo "no authority \"$1\": clients or internode" >&2
      exit 2
      ;;
  esac
}

# make_authority clients|internode SUBJECT: a new self-signed authority, into $work.
make_authority() {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/ca_key" -out "$work/ca" -days "$ca_days" -subj "/CN=$2" \
    -addext 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
}

ensure_authority() {
  read -r cert key <<<"$(authority_files "$1")"
  if [ -e "$dir/$cert" ] && [ -e "$dir/$key" ]; then
    echo "kept     $cert"
    return 0
  fi
  make_authority "$1" "hotdocs-temporal $1 CA $(date +%Y-%m-%d)"
  replace "$dir/$key" "$work/ca_key" 600
  replace "$dir/$cert" "$work/ca"
  echo "created  $cert ($1 authority)"
}

# leaf NAME: authority, common name, extended key usage, subject alternative names.
leaf() {
  local sans='' name
  case "$1" in
    frontend)
      for name in $frontend_names; do
        if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then sans+="IP:$name,"; else sans+="DNS:$name,"; fi
      done
      echo "clients temporal-frontend serverAuth ${sans%,}"
      ;;
    internode) echo "internode $internode_name serverAuth,clientAuth DNS:$internode_name" ;;
    worker) echo "clients hotdocs-worker clientAuth -" ;;
    gateway) echo "clients hotdocs-gateway clientAuth -" ;;
    ui) echo "clients temporal-ui clientAuth -" ;;
    operator) echo "clients hotdocs-operator clientAuth -" ;;
    *)
      echo "no certificate \"$1\": frontend, internode, worker, gateway, ui, operator" >&2
      exit 2
      ;;
  esac
}
LEAVES=(frontend internode worker gateway ui operator)

issue() {
  local authority cn usage sans ca_cert ca_key
  leaf "$1" >/dev/null
  read -r authority cn usage sans <<<"$(leaf "$1")"
  read -r ca_cert ca_key <<<"$(authority_files "$authority")"
  {
    echo 'basicConstraints=critical,CA:FALSE'
    echo 'keyUsage=critical,digitalSignature'
    echo "extendedKeyUsage=$usage"
    echo 'subjectKeyIdentifier=hash'
    echo 'authorityKeyIdentifier=keyid'
    [ "$sans" = - ] || echo "subjectAltName=$sans"
  } >"$work/ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/key" -out "$work/csr" -subj "/CN=$cn" 2>/dev/null
  # -CA reads the first certificate of the trust file: the newest authority.
  openssl x509 -req -in "$work/csr" -CA "$dir/$ca_cert" -CAkey "$dir/$ca_key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$leaf_days" -extfile "$work/ext" \
    -out "$work/cert" 2>/dev/null
  replace "$dir/tls_$1_key" "$work/key"
  replace "$dir/tls_$1_cert" "$work/cert"
}

if [ -n "$new_ca" ]; then
  authority_files "$new_ca" >/dev/null
  read -r cert key <<<"$(authority_files "$new_ca")"
  [ -e "$dir/$cert" ] || {
    echo "$cert does not exist yet: run without --new-ca first" >&2
    exit 1
  }
  make_authority "$new_ca" "hotdocs-temporal $new_ca CA $(date +%Y-%m-%d)"
  # New first (it signs from now on), the old ones after it (still trusted until dropped).
  cat "$work/ca" "$dir/$cert" >"$work/bundle"
  replace "$dir/$key" "$work/ca_key" 600
  replace "$dir/$cert" "$work/bundle"
  echo "created  a new $new_ca authority in $cert (the old one stays trusted until --drop-old-ca $new_ca)"
  exit 0
fi

if [ -n "$drop_old_ca" ]; then
  authority_files "$drop_old_ca" >/dev/null
  read -r cert key <<<"$(authority_files "$drop_old_ca")"
  openssl x509 -in "$dir/$cert" -out "$work/newest" 2>/dev/null
  replace "$dir/$cert" "$work/newest"
  echo "trusted  only the newest $drop_old_ca authority in $cert"
  exit 0
fi

if [ ${#renew[@]} -gt 0 ]; then
  [ "${renew[0]}" = all ] && renew=("${LEAVES[@]}")
  for name in "${renew[@]}"; do
    issue "$name"
    echo "renewed  tls_${name}_cert"
  done
  exit 0
fi

ensure_authority clients
ensure_authority internode
for name in "${LEAVES[@]}"; do
  if [ -e "$dir/tls_${name}_cert" ] && [ -e "$dir/tls_${name}_key" ]; then
    echo "kept     tls_${name}_cert"
  else
    issue "$name"
    echo "created  tls_${name}_cert"
  fi
done
