# The PostgreSQL store's suites (issue 13) on a throwaway cluster:
# Debian's pg_virtualenv (package postgresql-common, installed with
# `postgresql` by scripts/setup.sh) starts one, sets PGHOST, PGPORT,
# PGUSER and PGPASSWORD for the command, and removes the cluster after.
# Each test creates a database of its own (server/tests/common/postgres.rs).
#
#   make test-postgres        the PostgreSQL suites alone (a minute or so)
#   make test-rust-postgres   the whole server suite on PostgreSQL
#
# MM_REQUIRE_POSTGRES=1: a suite that finds no PostgreSQL fails instead of
# skipping, so these targets can never pass by running nothing.
#
# test-rust-postgres sets MM_TEST_BACKEND=postgres (server/tests/common/
# backend.rs): every in-process server test opens its store on a database
# of its own instead of a SQLite file; the few about SQLite itself say so
# and skip (`common::backend::sqlite_only`). It includes the suites of
# test-postgres; that one stays for a quick run of them alone. The cluster
# is thrown away after, so it need not survive a crash: no fsync.

CARGO ?= cargo
# The main Makefile's one build (same features: nothing is compiled again).
MM_CARGO_BUILD ?= $(CARGO) build --workspace --lib --bins --tests

# The suites that need PostgreSQL, each a file (a module of the one
# integration test binary) in server/tests/.
MM_POSTGRES_SUITES := store_contract_postgres migrate_from_sqlite sync_race_postgres jobs_postgres serve_postgres limits_postgres

# The cluster is thrown away after the run: no need to survive a power cut.
MM_PG_THROWAWAY := -o fsync=off -o synchronous_commit=off -o full_page_writes=off

.PHONY: test-postgres test-rust-postgres test-scale-out postgres-deps bench-scale

postgres-deps:
	@command -v pg_virtualenv >/dev/null 2>&1 || scripts/setup.sh
	@command -v pg_virtualenv >/dev/null 2>&1 || { echo "test-postgres: pg_virtualenv missing (apt-get install postgresql)"; exit 1; }

test-postgres: postgres-deps
	MM_REQUIRE_POSTGRES=1 pg_virtualenv -t -- $(CARGO) test --workspace --test integration -- $(foreach t,$(MM_POSTGRES_SUITES),$(t)::)

# Three instances over one database behind a balancer, one killed with
# SIGKILL mid-load (tests/tests/scale_out.rs), and docs/OPERATIONS.md's
# pg_dump/pg_restore commands (tests/tests/backup_restore.rs): the
# binaries first.
test-scale-out: postgres-deps
	$(MM_CARGO_BUILD)
	MM_REQUIRE_POSTGRES=1 pg_virtualenv -t -- $(CARGO) test --workspace --test e2e -- scale_out:: backup_restore::postgres

# Every server test on PostgreSQL (server/tests/common/backend.rs), the
# PostgreSQL-only suites above among them: the two test binaries whose
# TestApp opens the store MM_TEST_BACKEND names. mm-server's unit tests
# and doctests never read it (nothing under server/src does) and test-rust
# has run them already.
test-rust-postgres: postgres-deps
	$(MM_CARGO_BUILD)
	MM_TEST_BACKEND=postgres MM_REQUIRE_POSTGRES=1 pg_virtualenv -t $(MM_PG_THROWAWAY) -- \
		$(CARGO) test --workspace --test integration --test security_amplifiers --no-fail-fast
# Many gminas, PostgreSQL, several instances (issue 13): figures in
# docs/BENCHMARKS.md. `-t`: a cluster in a temporary directory even as
# root, so it never collides with another run's "regress" cluster;
# `-o fsync=on`: pg_virtualenv turns fsync off for speed, and a write
# benchmark without it would compare PostgreSQL's memory with SQLite's disk.
bench-scale: bench-build postgres-deps
	MM_E2E_PROFILE=release pg_virtualenv -t -o fsync=on -- ./target/release/mm-bench-scale
