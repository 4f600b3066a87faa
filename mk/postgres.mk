# The PostgreSQL store's suites (issue 13) on a throwaway cluster:
# Debian's pg_virtualenv (package postgresql-common, installed with
# `postgresql` by scripts/setup.sh) starts one, sets PGHOST, PGPORT,
# PGUSER and PGPASSWORD for the command, and removes the cluster after.
# Each test creates a database of its own (server/tests/common/postgres.rs).
#
#   make test-postgres
#
# MM_REQUIRE_POSTGRES=1: a suite that finds no PostgreSQL fails instead of
# skipping, so this target can never pass by running nothing.

CARGO ?= cargo

# The suites that need PostgreSQL, each a file in server/tests/.
MM_POSTGRES_SUITES := store_contract_postgres migrate_from_sqlite sync_race_postgres jobs_postgres serve_postgres limits_postgres

.PHONY: test-postgres postgres-deps bench-scale

postgres-deps:
	@command -v pg_virtualenv >/dev/null 2>&1 || scripts/setup.sh
	@command -v pg_virtualenv >/dev/null 2>&1 || { echo "test-postgres: pg_virtualenv missing (apt-get install postgresql)"; exit 1; }

test-postgres: postgres-deps
	MM_REQUIRE_POSTGRES=1 pg_virtualenv -- $(CARGO) test -p mm-server $(foreach t,$(MM_POSTGRES_SUITES),--test $(t))

# Many gminas, PostgreSQL, several instances (issue 13): figures in
# docs/BENCHMARKS.md. `-t`: a cluster in a temporary directory even as
# root, so it never collides with another run's "regress" cluster;
# `-o fsync=on`: pg_virtualenv turns fsync off for speed, and a write
# benchmark without it would compare PostgreSQL's memory with SQLite's disk.
bench-scale: bench-build postgres-deps
	MM_E2E_PROFILE=release pg_virtualenv -t -o fsync=on -- ./target/release/mm-bench-scale
