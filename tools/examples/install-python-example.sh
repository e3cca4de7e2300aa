#!/usr/bin/env bash
# Installs a Python example's dependencies (<example>/requirements.txt, pinned; default
# examples/python) into a virtual environment under .tools/, made again only when the requirements
# change. Prints the environment's python on its last line. Needs python3 with its venv module:
# 3.9 or later, 3.11 for the generated client of examples/python-openapi-client.
#
#   bash tools/examples/install-python-example.sh [examples/python-openapi-client]
set -euo pipefail
cd "$(dirname "$0")/../.."

requirements=${1:-examples/python}/requirements.txt
stamp=$(sha256sum "$requirements" | cut -c1-12)
# The physical path: a venv's scripts name their interpreter by absolute path, and .tools may be a
# link shared by several checkouts, any of which can go away.
mkdir -p .tools/python-example
venv=$(realpath -m ".tools/python-example/venv-$stamp")

# Its scripts' interpreter must exist too (the `#!` line of pip), not only the marker. On a fresh
# checkout there is no pip yet: the assignment must not fail (set -e with pipefail would end the
# script here without a word).
interpreter=$( { head -1 "$venv/bin/pip" 2>/dev/null || true; } | sed 's/^#!//')
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.installed" ] || [ ! -x "$interpreter" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
  touch "$venv/.installed"
fi
"$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
echo "$venv/bin/python"
