#!/bin/sh
# One-shot (temporalio/admin-tools): creates the `temporal` and `temporal_visibility` databases
# if they are missing, then installs or migrates their schemas to the versions shipped with this
# admin-tools image. Safe to run again: setup-schema keeps an existing version and update-schema
# applies only the missing migrations. Run it (docker compose up runs it) after every upgrade.
set -eu

: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_USER:?SQL_USER is required}"
SQL_PORT=${SQL_PORT:-5432}
SQL_PLUGIN=${SQL_PLUGIN:-postgres12}
DBNAME=${DBNAME:-temporal}
VISIBILITY_DBNAME=${VISIBILITY_DBNAME:-temporal_visibility}
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}

if [ -n "${SQL_PASSWORD_FILE:-}" ]; then
  SQL_PASSWORD=$(cat "$SQL_PASSWORD_FILE")
fi
: "${SQL_PASSWORD:?SQL_PASSWORD or SQL_PASSWORD_FILE is required}"
# temporal-sql-tool reads SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD and SQL_PLUGIN itself.
export SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD SQL_PLUGIN

attempt=0
until nc -z -w 5 "$SQL_HOST" "$SQL_PORT"; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT is not reachable" >&2
    exit 1
  fi
  echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT ($attempt)"
  sleep 2
done

create_database() {
  if output=$(temporal-sql-tool --db "$1" create 2>&1); then
    echo "database $1 created"
  elif printf '%s' "$output" | grep -qi 'already exists'; then
    echo "database $1 exists"
  else
    printf '%s\n' "$output" >&2
    exit 1
  fi
}

migrate() {
  database=$1
  schema_dir=$2
  if [ ! -d "$schema_dir" ]; then
    echo "schema directory $schema_dir is missing from this admin-tools image" >&2
    exit 1
  fi
  create_database "$database"
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$schema_dir"
  echo "database $database is at the schema of $schema_dir"
}

migrate "$DBNAME" "$SCHEMA_ROOT/temporal/versioned"
migrate "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schemas are ready"
