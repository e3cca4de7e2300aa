#!/usr/bin/env bash
# Creates the secret files the docker compose stack mounts, under deploy/secrets/, and a .env when
# there is none. Never overwrites an existing secret: run it again at any time.
#
#   deploy/create-secrets.sh              # real HotDocs Advance: .env from deploy/env.example
#   deploy/create-secrets.sh --sandbox    # the emulator: .env from deploy/sandbox.env
#
# The Advance principal's password is the one secret it cannot invent: pass it in
# ADVANCE_PRINCIPAL_PASSWORD (read from the environment, never from the command line), or write
# it to deploy/secrets/advance_principal_password yourself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/deploy/secrets"
env_file="$root/.env"

sandbox=false
case "${1:-}" in
  --sandbox) sandbox=true ;;
  '') ;;
  *)
    echo "usage: $0 [--sandbox]" >&2
    exit 2
    ;;
esac

# Random material without depending on openssl (the certificates below do need it).
random_hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }
random_base64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
sha256_hex() {
  if command -v sha256sum >/dev/null 2>&1; then
    printf '%s' "$1" | sha256sum | cut -d' ' -f1
  else
    printf '%s' "$1" | shasum -a 256 | cut -d' ' -f1
  fi
}

umask 077
mkdir -p "$dir"
# Other users of the host cannot enter the folder; the files themselves stay readable by the
# containers' unprivileged users (node, temporal, postgres), which do not share our uid.
chmod 700 "$dir"

# write_secret NAME VALUE [MODE]: creates deploy/secrets/NAME unless it exists.
write_secret() {
  local file="$dir/$1"
  if [ -e "$file" ]; then
    echo "kept     deploy/secrets/$1"
    return 0
  fi
  printf '%s\n' "$2" >"$file"
  chmod "${3:-644}" "$file"
  echo "created  deploy/secrets/$1"
}

write_secret postgres_password "$(random_hex 24)"
write_secret payload_encryption_keys "k$(date +%Y%m%d):$(random_base64 32)"
write_secret gateway_finish_link_secret "$(random_hex 32)"
write_secret reminder_webhook_secret "$(random_hex 32)"
write_secret completion_webhook_secret "$(random_hex 32)"
# The document store's secret key: the objects service's root key, used by the worker; and the
# gateway's, of objects-read, which can only read.
write_secret document_store_secret_key "$(random_hex 32)"
write_secret document_store_read_secret_key "$(random_hex 32)"
# Advance v2.0 callbacks: the worker signs callback URLs with it, the gateway checks them.
write_secret advance_callback_secret "$(random_hex 32)"

# Grafana's admin password (docker compose --profile monitoring); sign in as admin.
write_secret grafana_admin_password "$(random_hex 16)"

# The gateway's first API key: the key itself for you (not mounted), its digest for the gateway,
# scoped explicitly to everything (an operator's key); add narrower keys per business system.
write_secret gateway_api_key "$(random_hex 24)" 600
write_secret gateway_api_keys "ops:$(sha256_hex "$(head -n 1 "$dir/gateway_api_key")") tenancies=* permissions=admin"

# Mutual TLS to Temporal: the two authorities and every certificate (kept when they exist).
bash "$root/deploy/create-certificates.sh" --dir "$dir"

# The codec endpoint's bearer token: the token for you (not mounted), its digest goes into .env.
write_secret codec_token "$(random_hex 32)" 600
codec_hash=$(sha256_hex "$(head -n 1 "$dir/codec_token")")

missing=false
if [ "$sandbox" = true ]; then
  # The emulator's well-known default password (docs/emulator.md); not a secret.
  write_secret advance_principal_password emulator-secret
elif [ -n "${ADVANCE_PRINCIPAL_PASSWORD:-}" ]; then
  write_secret advance_principal_password "$ADVANCE_PRINCIPAL_PASSWORD"
elif [ ! -e "$dir/advance_principal_password" ]; then
  echo "missing  deploy/secrets/advance_principal_password: write the Advance service principal's" >&2
  echo "         password there (printf %s 'the password' > deploy/secrets/advance_principal_password)" >&2
  missing=true
else
  echo "kept     deploy/secrets/advance_principal_password"
fi

if [ ! -e "$env_file" ]; then
  if [ "$sandbox" = true ]; then template=sandbox.env; else template=env.example; fi
  cp "$root/deploy/$template" "$env_file"
  echo "created  .env from deploy/$template"
fi

# CODEC_AUTH_TOKEN_HASHES: fill it in when empty; never replace digests someone put there.
current=$(sed -n 's/^CODEC_AUTH_TOKEN_HASHES=//p' "$env_file" | tail -n 1)
if [ -z "$current" ]; then
  tmp=$(mktemp "$root/.env.XXXXXX")
  grep -v '^CODEC_AUTH_TOKEN_HASHES=' "$env_file" >"$tmp" || true
  printf 'CODEC_AUTH_TOKEN_HASHES=%s\n' "$codec_hash" >>"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$env_file"
  echo "set      CODEC_AUTH_TOKEN_HASHES in .env"
elif [[ ",$current," != *",$codec_hash,"* ]]; then
  echo "note     .env's CODEC_AUTH_TOKEN_HASHES does not include deploy/secrets/codec_token's digest" >&2
fi

if [ "$missing" = true ]; then
  exit 1
fi
echo "secrets are ready; the API key for the gateway is in deploy/secrets/gateway_api_key"
