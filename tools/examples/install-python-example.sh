#!/usr/bin/env bash
# Installs the Python example's dependencies (examples/python/requirements.txt, pinned) into a
# virtual environment under .tools/, made again only when the requirements change. Prints the
# environment's python on its last line. Needs python3 (3.9 or later) with its venv module.
set -euo pipefail
cd "$(dirname "$0")/../.."

requirements=examples/python/requirements.txt
stamp=$(sha256sum "$requirements" | cut -c1-12)
venv=.tools/python-example/venv-$stamp

if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  mkdir -p .tools/python-example
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
  touch "$venv/.installed"
fi
"$venv/bin/python" -c 'import temporalio.client' >/dev/null
echo "$(pwd)/$venv/bin/python"
