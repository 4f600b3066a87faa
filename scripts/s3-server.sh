#!/usr/bin/env bash
# Installs an S3-compatible server for the photo storage tests
# (server/tests/photos_s3.rs): moto's stand-alone server from PyPI, pinned,
# in a virtualenv of its own (default target/s3-venv), once. Debian has no
# S3 server package (no MinIO, Garage or SeaweedFS); moto is pure Python.
# Python's venv module comes with Debian's python3-venv (installed when
# missing and running as root).
set -euo pipefail

venv="${1:-target/s3-venv}"
moto_version=5.2.5

if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  else
    echo "s3-server: python3 with its venv module is needed (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version"
echo "s3-server: moto_server $moto_version in $venv"
