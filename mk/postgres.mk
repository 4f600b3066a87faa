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

.PHONY: test-postgres test-scale-out postgres-deps

postgres-deps:
	@command -v pg_virtualenv >/dev/null 2>&1 || scripts/setup.sh
	@command -v pg_virtualenv >/dev/null 2>&1 || { echo "test-postgres: pg_virtualenv missing (apt-get install postgresql)"; exit 1; }

test-postgres: postgres-deps
	MM_REQUIRE_POSTGRES=1 pg_virtualenv -- $(CARGO) test -p mm-server $(foreach t,$(MM_POSTGRES_SUITES),--test $(t))

# Three instances over one database behind a balancer, one killed with
# SIGKILL mid-load (tests/tests/scale_out.rs): the binaries first.
test-scale-out: postgres-deps
	$(CARGO) build -p mm-server -p mm-cli
	MM_REQUIRE_POSTGRES=1 pg_virtualenv -- $(CARGO) test -p mm-e2e --test scale_out
