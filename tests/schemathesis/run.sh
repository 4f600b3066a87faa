#!/usr/bin/env bash
# Schema-driven API testing (issue 17): Schemathesis against the served
# OpenAPI document (GET /api/v1/openapi.json) and against
# tests/schemathesis/open311.yaml (GeoReport v2, which that document does
# not cover), on a demo server of its own: a temp data dir, a free
# loopback port. Checks: no 5xx, every status code, content type and body
# as documented. Device routes get a device's token, official routes an
# admin's (schemathesis.toml, by the document's security schemes); the
# Open311 POST gets the device token as its api_key (hooks.py).
#
#   tests/schemathesis/run.sh [VENV] [SERVER_BINARY]
#
# MM_ST_MAX_EXAMPLES (default 10) bounds the cases per operation, and
# MM_ST_SEED (default 17) makes a run repeatable; the reports (JUnit, and
# the failing cases as curl lines) go to target/schemathesis.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-$root/target/schemathesis-venv}"
server="${2:-$root/target/debug/mm-server}"
max_examples="${MM_ST_MAX_EXAMPLES:-10}"
seed="${MM_ST_SEED:-17}"
st="$venv/bin/schemathesis"
[ -x "$st" ] || { echo "schemathesis: no $st (scripts/schemathesis-venv.sh)" >&2; exit 1; }
[ -x "$server" ] || { echo "schemathesis: no $server (build the workspace first)" >&2; exit 1; }

data="$(mktemp -d)"
reports="$root/target/schemathesis"
mkdir -p "$reports"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

# The write limits per device and per IP would answer 429 to the fuzzer
# after a few dozen reports; they are tested elsewhere (reports' rate-limit
# tests), here they would only hide the handlers.
MM_LOG="${MM_LOG:-error}" MM_RATE_DEVICE_PER_HOUR=1000000 MM_RATE_IP_PER_HOUR=1000000 \
  MM_RATE_REGISTRATIONS_PER_HOUR=1000000 \
  "$server" --addr 127.0.0.1:0 --data-dir "$data" --demo >"$data/server.out" 2>"$data/server.err" &
pid=$!
url=""
for _ in $(seq 600); do
  url="$(sed -n 's/^mm-server listening on //p' "$data/server.out" | head -1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.err" >&2; echo "schemathesis: mm-server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "schemathesis: mm-server did not report its address in 60 s" >&2; exit 1; }

# An admin (every official route) through `mm-server user add`, as the e2e
# tests' Server::official does, then signed in; a device registered.
# The password policy refuses a password containing the login.
password="Kontrola-Schematu-2026!"
printf '%s\n' "$password" | "$server" user add --login schemathesis --role admin --password-stdin --data-dir "$data" >/dev/null
json_field() { "$venv/bin/python" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
post() { "$venv/bin/python" - "$url$1" "$2" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=30).read().decode())
PY
}
# Admins sign in with a second factor: enrolled from the console, which
# prints the otpauth URI, the key, then recovery codes (the first is used).
recovery="$("$server" user two-factor --login schemathesis --data-dir "$data" 2>/dev/null | sed -n 3p)"
MM_ST_OFFICIAL_TOKEN="$(post /api/v1/auth/login "{\"login\":\"schemathesis\",\"password\":\"$password\",\"one_time_code\":\"$recovery\"}" | json_field token)"
MM_ST_DEVICE_TOKEN="$(post /api/v1/devices '{"platform":"cli","app_version":"1.0.0"}' | json_field token)"
export MM_ST_OFFICIAL_TOKEN MM_ST_DEVICE_TOKEN
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"

# One worker: with two threads, Hypothesis describing its filters parses
# source with Python's ast concurrently, which CPython 3.11 can fail at
# ("AST constructor recursion depth mismatch", a Runtime Error of the run,
# seen once at 30 cases per operation).
run() {
  local name="$1" config="$2"; shift 2
  echo "schemathesis: $name"
  "$st" --no-color --config-file "$here/$config" run "$@" --url "$url" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$max_examples" --seed "$seed" --workers 1 --phases examples,coverage,fuzzing \
    --continue-on-failure --generation-database none \
    --report junit --report-junit-path "$reports/$name.xml"
}

# Schemathesis keeps a cache (.schemathesis/) in its working directory:
# the run's temp dir, so each run starts clean and the tree stays clean.
cd "$data"
status=0
# Logout is left out: it would end the official's session for the rest of
# the run (every later official call a 401); its own tests are in
# server/tests/security_auth.rs.
run api "schemathesis.toml" "$url/api/v1/openapi.json" --exclude-path /api/v1/auth/logout || status=1
run api-known-ids "known-ids.toml" "$url/api/v1/openapi.json" --exclude-path /api/v1/auth/logout \
  --include-path-regex '\{' || status=1
run open311 "schemathesis.toml" "$here/open311.yaml" || status=1
if grep -q "panicked" "$data/server.err"; then
  echo "schemathesis: the server panicked:" >&2
  grep -A3 "panicked" "$data/server.err" >&2
  status=1
fi
exit $status
