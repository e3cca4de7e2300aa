#!/bin/sh
# Starts temporalio/server with the PostgreSQL password read from a compose secret.
# The image's config template reads POSTGRES_PWD from the environment only; reading the secret
# here keeps the password out of the compose file and out of `docker inspect`.
set -eu

if [ -n "${POSTGRES_PWD_FILE:-}" ]; then
  POSTGRES_PWD=$(cat "$POSTGRES_PWD_FILE")
  export POSTGRES_PWD
  unset POSTGRES_PWD_FILE
fi

exec /etc/temporal/entrypoint.sh
