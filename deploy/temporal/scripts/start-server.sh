#!/bin/sh
# Starts the Temporal server from deploy/temporal/config/temporal-server.yaml. The same script runs
# in the temporalio/server image (docker-compose.yml) and on a host (npm run test:production):
#
#   start-server.sh                                     every service in one process
#   start-server.sh --service history                   one service (repeatable)
#
#   TEMPORAL_SERVER              the server binary (default temporal-server, as in the image)
#   TEMPORAL_SERVER_CONFIG_FILE_PATH
#                                the configuration (default /etc/temporal/hotdocs/temporal-server.yaml;
#                                the server's own variable for --config-file)
#   POSTGRES_PWD_FILE            read into POSTGRES_PWD: the password stays out of the compose file,
#                                out of `docker inspect` and off command lines
#   BIND_ON_IP                   0.0.0.0 in a container: then the services announce the container's
#                                own address to each other (TEMPORAL_BROADCAST_ADDRESS)
#   TLS_*_FILE                   the certificates and authorities of mutual TLS (required;
#                                deploy/create-certificates.sh makes them)
# The configuration's other variables are listed in the file itself.
set -eu

if [ -n "${POSTGRES_PWD_FILE:-}" ]; then
  POSTGRES_PWD=$(cat "$POSTGRES_PWD_FILE")
  export POSTGRES_PWD
  unset POSTGRES_PWD_FILE
fi

TEMPORAL_SERVER=${TEMPORAL_SERVER:-temporal-server}
CONFIG_FILE=${TEMPORAL_SERVER_CONFIG_FILE_PATH:-/etc/temporal/hotdocs/temporal-server.yaml}

BIND_ON_IP=${BIND_ON_IP:-127.0.0.1}
export BIND_ON_IP
if { [ "$BIND_ON_IP" = 0.0.0.0 ] || [ "$BIND_ON_IP" = ::0 ]; } && [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
  TEMPORAL_BROADCAST_ADDRESS=$(getent hosts "$(hostname)" | awk '{ print $1; exit }')
  export TEMPORAL_BROADCAST_ADDRESS
fi

# Authentication is the client certificate: the frontend completes no connection without one that
# the clients' authority signed (mutual TLS, in the configuration file). There is no authorizer on
# top, so every holder of such a certificate may do everything in every namespace (docs/deploy.md,
# "Mutual TLS to Temporal"); the server refuses to start without one unless told --allow-no-auth.
exec "$TEMPORAL_SERVER" --config-file "$CONFIG_FILE" --allow-no-auth start "$@"
