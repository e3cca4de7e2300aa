#!/bin/sh
# One-shot (temporalio/admin-tools): waits until the Temporal frontend answers its gRPC health
# check, creates the namespace if it is missing and registers the lifecycle's custom search
# attributes, then waits until queries can use them. Safe to run again.
#
# SEARCH_ATTRIBUTES is a space-separated list of Name=Type (see src/workflows/search-attributes.ts).
# TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH
# name the authority and the certificate it connects with (the frontend takes nothing else);
# TEMPORAL_TLS_SERVER_NAME the name to check the frontend's certificate for, when not the address's.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${NAMESPACE_RETENTION:-720h}
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required}"
MAX_ATTEMPTS=${MAX_ATTEMPTS:-90}

# Runs "$@" until it succeeds, MAX_ATTEMPTS times at most, 2 seconds apart.
retry() {
  what=$1
  shift
  attempt=0
  until "$@"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "gave up: $what" >&2
      return 1
    fi
    echo "waiting: $what ($attempt/$MAX_ATTEMPTS)"
    sleep 2
  done
}

# The CLI with the address and the certificate, as flags: every CLI release reads those.
tcli() {
  temporal "$@" --address "$TEMPORAL_ADDRESS" \
    ${TEMPORAL_TLS_SERVER_CA_CERT_PATH:+--tls-ca-path "$TEMPORAL_TLS_SERVER_CA_CERT_PATH"} \
    ${TEMPORAL_TLS_CLIENT_CERT_PATH:+--tls-cert-path "$TEMPORAL_TLS_CLIENT_CERT_PATH"} \
    ${TEMPORAL_TLS_CLIENT_KEY_PATH:+--tls-key-path "$TEMPORAL_TLS_CLIENT_KEY_PATH"} \
    ${TEMPORAL_TLS_SERVER_NAME:+--tls-server-name "$TEMPORAL_TLS_SERVER_NAME"}
}

cluster_healthy() {
  tcli operator cluster health >/dev/null 2>&1
}

namespace_exists() {
  tcli operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1
}

ensure_namespace() {
  namespace_exists && return 0
  tcli operator namespace create --namespace "$NAMESPACE" \
    --retention "$RETENTION" || namespace_exists
}

# Prints the type of custom search attribute $1, or nothing when there is none; fails when the
# list cannot be read (a namespace takes a few seconds to be known everywhere after creation).
search_attribute_type() {
  list=$(tcli operator search-attribute list --namespace "$NAMESPACE") ||
    return 1
  printf '%s\n' "$list" | awk -v name="$1" '$1 == name { print $2 }'
}

ensure_search_attribute() {
  current=$(search_attribute_type "$1") || return 1
  [ "$current" = "$2" ] && return 0
  if [ -n "$current" ]; then
    echo "search attribute $1 already exists as $current, not $2: a type cannot be changed" >&2
    exit 1
  fi
  tcli operator search-attribute create --namespace "$NAMESPACE" \
    --name "$1" --type "$2" || [ "$(search_attribute_type "$1")" = "$2" ]
}

# A literal of the attribute's type, for a query that matches nothing.
probe_value() {
  case "$1" in
    Datetime) echo "'2000-01-01T00:00:00Z'" ;;
    Int | Double) echo 0 ;;
    Bool) echo false ;;
    *) echo "'setup-probe'" ;;
  esac
}

# The frontend validates queries against its search-attribute cache: once a query on the
# attribute is accepted, workflow starts that set it are accepted too.
queryable() {
  tcli workflow count --namespace "$NAMESPACE" \
    --query "$1 = $(probe_value "$2")" >/dev/null 2>&1
}

retry "Temporal at $TEMPORAL_ADDRESS to report SERVING" cluster_healthy
echo "Temporal at $TEMPORAL_ADDRESS is SERVING"

retry "namespace $NAMESPACE" ensure_namespace
echo "namespace $NAMESPACE is ready"

for entry in $SEARCH_ATTRIBUTES; do
  name=${entry%%=*}
  type=${entry#*=}
  if [ -z "$name" ] || [ "$name" = "$entry" ] || [ -z "$type" ]; then
    echo "SEARCH_ATTRIBUTES entry '$entry' is not Name=Type" >&2
    exit 1
  fi
  retry "search attribute $name ($type)" ensure_search_attribute "$name" "$type"
  retry "search attribute $name to be queryable" queryable "$name" "$type"
  echo "search attribute $name ($type) is ready"
done

echo "namespace $NAMESPACE and its search attributes are ready"
