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
venv=.tools/python-example/venv-$stamp

if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  mkdir -p .tools/python-example
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
  touch "$venv/.installed"
fi
"$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
echo "$(pwd)/$venv/bin/python"
