#!/bin/sh
# Entry point of the `objects` service: versitygw serving the S3 protocol over the `documents`
# volume (posix backend: every folder under buckets/ is a bucket). The image takes its root secret
# from the environment only, so it is read here from the mounted secret file. The bucket is created
# as its folder, idempotently, so that the worker's start-up check finds it. versitygw itself reads
# VGW_PORT (the address it listens on) and VGW_READ_ONLY (`objects-read`: every write refused).
set -eu

: "${ROOT_ACCESS_KEY_ID:?ROOT_ACCESS_KEY_ID must be set}"
: "${ROOT_SECRET_ACCESS_KEY_FILE:?ROOT_SECRET_ACCESS_KEY_FILE must name the secret file}"
: "${DOCUMENT_BUCKET:?DOCUMENT_BUCKET must be set}"
data="${DOCUMENT_DATA_DIR:-/data}"

ROOT_SECRET_ACCESS_KEY=$(cat "$ROOT_SECRET_ACCESS_KEY_FILE")
export ROOT_SECRET_ACCESS_KEY
unset ROOT_SECRET_ACCESS_KEY_FILE

mkdir -p "$data/buckets/$DOCUMENT_BUCKET"
exec versitygw --health /health posix "$data/buckets"
