#!/usr/bin/env bash
# Installs Schemathesis from PyPI, pinned, in a virtualenv of its own
# (default target/schemathesis-venv), once: the schema-driven API tests
# (tests/schemathesis/run.sh, issue 17). Python's venv module comes with
# Debian's python3-venv (installed when missing and running as root), as
# scripts/pabu-venv.sh does.
set -euo pipefail

venv="${1:-target/schemathesis-venv}"
schemathesis_version=4.32.5

if [ -x "$venv/bin/schemathesis" ] && "$venv/bin/python" - <<PY 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version("schemathesis") != "$schemathesis_version")
PY
then
  exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  else
    echo "schemathesis-venv: python3 with its venv module is needed (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
echo "schemathesis-venv: schemathesis $schemathesis_version in $venv"
