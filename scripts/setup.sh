#!/usr/bin/env bash
# Installs what the build and the test suites need, on a fresh machine.
# Debian packages only when run as root; otherwise says what is missing.
# Under CI=true anything still missing is an error, so no suite is skipped silently.
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1"); }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing $*; install them (apt-get install $*) or run as root" >&2
    return 1
  fi
  if [ $apt_updated = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Rust: the toolchain comes with rustup; Debian's cargo is too old for edition 2024.
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: cargo (Rust >= 1.85) is required; install it with rustup" >&2
    exit 1
  fi
fi

# Clippy, for `make lint` (which `make test` runs first).
if ! cargo clippy --version >/dev/null 2>&1; then
  command -v rustup >/dev/null 2>&1 && rustup component add clippy
  if ! cargo clippy --version >/dev/null 2>&1; then
    echo "setup: clippy is required for make lint; install it with rustup component add clippy" >&2
    exit 1
  fi
fi

# JVM side: Maven and a JDK >= 17 for the Kotlin suites.
command -v mvn >/dev/null 2>&1 || apt_install maven default-jdk-headless || true
need mvn
need java

# Node.js and npm: the back office's vendored Leaflet and its browser tests.
command -v npm >/dev/null 2>&1 || apt_install nodejs npm || true
need npm

# Stripping the shipped mobile library.
command -v strip >/dev/null 2>&1 || apt_install binutils || true
need strip

# xmllint validates the EZD package metadata against its XSD (server/tests/ezd_package.rs).
command -v xmllint >/dev/null 2>&1 || apt_install libxml2-utils || true
need xmllint

# PostgreSQL, the second store (issue 13): its suites run on a throwaway
# cluster that pg_virtualenv (postgresql-common) starts (`make test-postgres`).
command -v pg_virtualenv >/dev/null 2>&1 || apt_install postgresql || true
need pg_virtualenv

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: still missing: ${missing[*]}" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi
exit 0
