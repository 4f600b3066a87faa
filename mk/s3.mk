# Photos on an S3-compatible object store (issue 13: several instances share
# one photo storage). `make test-s3` installs moto's S3 server from PyPI into
# target/s3-venv (scripts/s3-server.sh), then runs the S3 tests with
# MM_REQUIRE_S3=1: a missing S3 server fails them instead of skipping.

CARGO ?= cargo
# The main Makefile's one build (same features: nothing is compiled again).
MM_CARGO_BUILD ?= $(CARGO) build --workspace --lib --bins --tests
S3_VENV ?= target/s3-venv

.PHONY: test-s3 s3-server

s3-server:
	@scripts/s3-server.sh $(S3_VENV)

test-s3: s3-server
	$(MM_CARGO_BUILD)
	MM_REQUIRE_S3=1 MM_MOTO_SERVER=$(abspath $(S3_VENV))/bin/moto_server $(CARGO) test --workspace --test integration photos_s3::
