#!/usr/bin/env bash
# Installs pabutools and pabulib-checker from PyPI, pinned, in a virtualenv
# of their own (default target/pabu-venv), once: the oracle the budget's
# counting is cross-checked against (protocol/tests/pabutools_crosscheck.rs,
# docs/plans/issue-15.md §5). Also icalendar, pinned: the independent ICS
# parser the waste schedule's feed is read back with (issue 16,
# server/tests/waste_api.rs). Python's venv module comes with Debian's
# python3-venv (installed when missing and running as root), as
# scripts/s3-server.sh does for moto.
set -euo pipefail

venv="${1:-target/pabu-venv}"
pabutools_version=1.2.3
checker_version=1.0.8
icalendar_version=7.3.0

if [ -x "$venv/bin/python" ] && "$venv/bin/python" - <<PY 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(not (version("pabutools") == "$pabutools_version" and version("pabulib-checker") == "$checker_version"
              and version("icalendar") == "$icalendar_version"))
PY
then
  exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  else
    echo "pabu-venv: python3 with its venv module is needed (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "pabutools==$pabutools_version" "pabulib-checker==$checker_version" \
  "icalendar==$icalendar_version"
echo "pabu-venv: pabutools $pabutools_version, pabulib-checker $checker_version and icalendar $icalendar_version in $venv"
