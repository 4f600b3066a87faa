# pabutools 1.2.3 and pabulib-checker 1.0.8 from PyPI, the oracle the
# budget's counting is checked against (issue 15;
# protocol/tests/pabutools_crosscheck.rs). scripts/pabu-venv.sh builds
# target/pabu-venv once (version-checked). `make test-rust` (and test-e2e,
# for the demo's .pb files) runs with MM_PABU_PYTHON set and
# MM_REQUIRE_PABUTOOLS=1: a missing venv fails the suite instead of
# skipping the cross-check. A plain `cargo test` without MM_PABU_PYTHON
# skips it with a note. The same venv holds icalendar (pinned), the
# independent parser of the waste schedule's ICS feed (issue 16): passed as
# MM_ICS_PYTHON; under MM_REQUIRE_PABUTOOLS=1 its absence fails too.

PABU_VENV ?= target/pabu-venv

.PHONY: pabu-venv

pabu-venv:
	@scripts/pabu-venv.sh $(PABU_VENV)

test-rust test-e2e: pabu-venv
test-rust test-e2e: export MM_PABU_PYTHON := $(abspath $(PABU_VENV))/bin/python
test-rust test-e2e: export MM_REQUIRE_PABUTOOLS := 1
test-rust test-e2e: export MM_ICS_PYTHON := $(abspath $(PABU_VENV))/bin/python
