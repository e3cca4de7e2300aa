#!/bin/sh
# One-shot: creates the `temporal` and `temporal_visibility` databases if they are missing, then
# installs or migrates their schemas to the versions of this Temporal release. Safe to run again:
# setup-schema keeps an existing version and update-schema applies only the missing migrations.
# Run it (docker compose up runs it) after every upgrade. The same script runs in the
# temporalio/admin-tools image (docker-compose.yml) and on a host (npm run test:production), where
# TEMPORAL_SQL_TOOL and SCHEMA_ROOT point at tools/cluster/install.sh's build.
set -eu

: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_USER:?SQL_USER is required}"
SQL_PORT=${SQL_PORT:-5432}
SQL_PLUGIN=${SQL_PLUGIN:-postgres12}
DBNAME=${DBNAME:-temporal}
VISIBILITY_DBNAME=${VISIBILITY_DBNAME:-temporal_visibility}
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}
TEMPORAL_SQL_TOOL=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-30}

if [ -n "${SQL_PASSWORD_FILE:-}" ]; then
  SQL_PASSWORD=$(cat "$SQL_PASSWORD_FILE")
fi
: "${SQL_PASSWORD:?SQL_PASSWORD or SQL_PASSWORD_FILE is required}"
# temporal-sql-tool reads SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD and SQL_PLUGIN itself.
export SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD SQL_PLUGIN

# Retried while PostgreSQL does not answer yet (it may still be starting); an existing database is
# fine, any other refusal ends the script.
create_database() {
  attempt=0
  until output=$("$TEMPORAL_SQL_TOOL" --db "$1" create 2>&1); do
    if printf '%s' "$output" | grep -qi 'already exists'; then
      echo "database $1 exists"
      return 0
    fi
    attempt=$((attempt + 1))
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ] || ! printf '%s' "$output" | grep -qiE 'connect|refused|dial|timeout|starting up|no such host'; then
      printf '%s\n' "$output" >&2
      echo "could not create database $1 on $SQL_HOST:$SQL_PORT" >&2
      exit 1
    fi
    echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT ($attempt/$MAX_ATTEMPTS)"
    sleep 2
  done
  echo "database $1 created"
}

migrate() {
  database=$1
  schema_dir=$2
  if [ ! -d "$schema_dir" ]; then
    echo "schema directory $schema_dir is missing (SCHEMA_ROOT)" >&2
    exit 1
  fi
  create_database "$database"
  "$TEMPORAL_SQL_TOOL" --db "$database" setup-schema -v 0.0
  "$TEMPORAL_SQL_TOOL" --db "$database" update-schema -d "$schema_dir"
  echo "database $database is at the schema of $schema_dir"
}

migrate "$DBNAME" "$SCHEMA_ROOT/temporal/versioned"
migrate "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schemas are ready"
