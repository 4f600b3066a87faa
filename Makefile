# mMieszkaniec entry points. The two that matter: `make run` and `make test`.
# Both set up what they need on a fresh machine (scripts/setup.sh).

CARGO ?= cargo
MVN   ?= mvn
export CARGO_TERM_COLOR ?= never
# No incremental caches: `make test` builds each crate once, and the caches
# (3.4 GB for the test build) are what a fresh CI machine has no room for.
export CARGO_INCREMENTAL ?= 0
# One build of the workspace for every target (test-rust, the PostgreSQL
# and S3 runs, the scale-out, the mobile and browser suites): libraries,
# binaries and tests together, `--workspace`. Cargo picks dependency
# features from the packages and targets it is asked for: `-p mm-server`,
# or binaries without the tests (whose dev-dependencies add features to
# url, regex, serde...), each built most of the tree again, five times in
# all in `make test` (docs/BENCHMARKS.md, "CI time"). Any target that runs
# a part of the tests selects it with `--workspace --test NAME`, which
# keeps the same features, so what this built is reused as it is.
MM_CARGO_BUILD ?= $(CARGO) build --workspace --lib --bins --tests

.PHONY: web-assets
.PHONY: run test lint test-rust test-e2e bench bench-build bench-core bench-reports bench-places bench-jobs bench-taxes-import bench-taxes-api bench-taxes-core bench-budget-count bench-budget-ballots bench-push bench-soak soak setup build clean-data help

help:
	@echo "make run    - back office + API on http://127.0.0.1:8080 with the demo data of Siechnice and Czernica (./data)"
	@echo "make test   - the lints, then every test suite (Rust on SQLite and PostgreSQL, S3 photos, Kotlin on the JVM, Android sources compiled and screens run under Robolectric, iOS Swift checked, browser)"
	@echo "make lint   - clippy over the workspace, every target, warnings as errors ([workspace.lints])"
	@echo "make bench  - benchmarks, printing figures"
	@echo "make soak   - 30 minutes of mixed load at 70% of the measured maximum; RSS, open files, p50/p99 every 10 s, plotted to docs/soak.svg"
	@echo "make test-postgres - the PostgreSQL store's suites on a throwaway cluster (pg_virtualenv)"
	@echo "make test-scale-out - three instances over one PostgreSQL, one killed mid-load; the pg_dump/pg_restore backup test (pg_virtualenv)"
	@echo "make test-rust-postgres - every server test on PostgreSQL (MM_TEST_BACKEND=postgres) on a throwaway cluster"
	@echo "make test-schemathesis - Schemathesis against the OpenAPI document and Open311 on a demo server: no 5xx, every answer as documented"
	@echo "make bench-scale - many gminas, PostgreSQL, several instances (pg_virtualenv; part of make bench)"

setup:
	@scripts/setup.sh

## The server on 127.0.0.1:8080, embedded SQLite under ./data, demo data
## loaded once: Siechnice and its neighbour Czernica, two gminas kept apart.
run: setup web-assets
	$(CARGO) build --release -p mm-server -p mm-cli
	./target/release/mm-server --addr 127.0.0.1:8080 --data-dir ./data --demo --demo-neighbour

## Leaflet for the back office's map, vendored from npm (no CDN). Without
## it the map page still shows its table.
web-assets:
	@if [ ! -f server/assets/vendor/leaflet/leaflet.js ] && command -v npm >/dev/null; then \
	  cd web && npm ci --no-audit --no-fund; fi

## Every suite. Under CI=true a suite that cannot run fails the build instead of being skipped.
test: setup lint test-rust test-schemathesis test-rust-postgres test-scale-out test-s3 test-kotlin compile-android test-android test-swift test-browser
	@echo "make test: all suites passed"

## The workspace's lints (`[workspace.lints]` in Cargo.toml, clippy's
## defaults on top), every target, any warning fails.
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(MM_CARGO_BUILD)
	$(CARGO) test --workspace --no-fail-fast

## Cross-process tests alone (real mm-server and mm binaries).
test-e2e:
	$(MM_CARGO_BUILD)
	$(CARGO) test --workspace --test e2e

build:
	$(CARGO) build --workspace --release

bench: setup bench-core bench-reports bench-places bench-jobs bench-taxes-import bench-taxes-api bench-taxes-core bench-scale bench-kotlin bench-budget-count bench-budget-ballots bench-push bench-soak

bench-build:
	$(CARGO) build --release -p mm-server -p mm-cli -p mm-e2e --bins

## Sync, calendar queries and the sync endpoint under load (issue 2).
bench-core: bench-build
	./target/release/mm-bench

## Report submission, Open311 listings, the duplicate check (issue 4).
bench-reports: bench-build
	MM_E2E_PROFILE=release ./target/release/mm-bench-reports
	./target/release/mm-bench-reports-core

## Map queries over 100,000 places in the core (issue 7).
bench-places: bench-build
	./target/release/mm-bench-places

## Push (issue 16): an alert to 25,000 devices through the three fakes
## answering in 20 ms (target under 10 s, server RSS under 150 MB), and the
## recipients' resolution over their subscriptions (target under 50 ms).
bench-push: bench-build
	MM_E2E_PROFILE=release ./target/release/mm-bench-push

## The job queue against the accepted write rate: EZD registrations per
## second through the package adapter under report load (issue 11).
bench-jobs: bench-build
	MM_E2E_PROFILE=release ./target/release/mm-bench-jobs

## The tax-system file import of a whole gmina: 25,000 taxpayers with
## 100,000 liabilities, JSON and CSV, first import and the same file again
## (issue 14; target under 10 s), on SQLite, then on PostgreSQL with fsync
## on (pg_virtualenv, as bench-scale).
bench-taxes-import: bench-build postgres-deps
	MM_E2E_PROFILE=release pg_virtualenv -t -o fsync=on -- ./target/release/mm-bench-taxes-import

## A household's liabilities under load: 4 taxpayers, 40 liabilities,
## interest to today, in a register of a whole gmina (issue 14; target p99
## under 5 ms).
bench-taxes-api: bench-build
	MM_E2E_PROFILE=release ./target/release/mm-bench-taxes-api

## Interest to a day for 100,000 liabilities with the rules the core
## computes offline (issue 14; target under 50 ms).
bench-taxes-core: bench-build
	./target/release/mm-bench-taxes-core

## Counting one pool of 50 projects and 20,000 ballots: MES+Add1 and
## greedy (issue 15; target under 1 s).
bench-budget-count:
	$(CARGO) build --release -p mm-e2e --bin mm-bench-budget-count
	./target/release/mm-bench-budget-count

## Ballots accepted durably per second: 20,000 distinct voters (PESEL),
## 16 connections, each ballot 201 after COMMIT, the tallies checked
## against the ballots sent (issue 15; target ≥ 2,000/s), on SQLite, then
## on PostgreSQL with fsync on (pg_virtualenv, as bench-taxes-import).
bench-budget-ballots: bench-build postgres-deps
	MM_E2E_PROFILE=release pg_virtualenv -t -o fsync=on -- ./target/release/mm-bench-budget-ballots

## The soak (issue 17): a release server under mixed load (syncs, reports
## with photos, Open311 listings, ballots, back-office pages, an alert to
## 2,000 phones every 3 minutes) at 70% of the highest open-loop rate
## that held in a stepped calibration (p99 under 500 ms, no errors);
## fails on an error answer, a lost write or open files growing.
## `make soak` runs 30 minutes and redraws docs/soak.svg; `bench-soak`, in
## `make bench`, 3 minutes into target/soak/.
soak: bench-build
	MM_SOAK_SECONDS=$${MM_SOAK_SECONDS:-1800} MM_SOAK_SVG=docs/soak.svg ./target/release/mm-soak

bench-soak: bench-build
	MM_SOAK_SECONDS=180 MM_SOAK_STEP=10 ./target/release/mm-soak

clean-data:
	rm -rf ./data

-include mk/*.mk
