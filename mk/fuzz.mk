# Fuzzing (issue 17): cargo-fuzz (libFuzzer, nightly) targets in fuzz/, a
# crate outside the workspace, one per parser we own. Not part of `make
# test`, which replays fuzz/corpus and fuzz/regressions on stable instead
# (tests/tests/fuzz_replay.rs). Figures in docs/SECURITY.md, "Fuzzing".
#   make fuzz                       every target, 60 s each
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=rrule,ics

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_SANITIZER ?= none

.PHONY: fuzz

fuzz:
	CARGO_INCREMENTAL=0 FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS=$(FUZZ_TARGETS) FUZZ_SANITIZER=$(FUZZ_SANITIZER) scripts/fuzz.sh
