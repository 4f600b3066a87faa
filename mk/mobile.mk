# Mobile shells: the UniFFI library, the generated Kotlin/Swift sources, the
# Kotlin (JVM) tests, the Android sources compile check, iOS, benchmarks.
#
# Included by the main Makefile; also works alone from the repository root:
#   make -f mk/mobile.mk test-kotlin
#
#   bindings         debug lib + Kotlin/Swift sources, then the shipped lib
#                    (--profile mobile) and its stripped copy
#   bindings-debug   just what the Kotlin tests need (debug lib + sources)
#   test-kotlin      Maven Surefire against the real lib and a real mm-server
#   compile-android  the Android app sources against android-all (provided)
#   test-android     the app's Activities under Robolectric (android/app-tests),
#                    against the real lib and a real mm-server; screenshots
#                    into docs/screenshots/android/ (part of `make test`)
#   test-swift       the iOS Swift without a Swift compiler: tree-sitter-swift
#                    parses ios/**/*.swift and every call into the bindings is
#                    checked against the generated MmCore.swift (tests/swift-check)
#   ios              XCFramework + Swift sources (macOS only)
#   bench-kotlin     FFI round trip, per-screen load times, library size

MM_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

CARGO ?= cargo
MVN ?= mvn
MVN_FLAGS ?= -B -Dstyle.color=never --no-transfer-progress
STRIP ?= strip
NM ?= nm
MM_TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),$(MM_ROOT)/target)
MM_SERVER_BIN ?= $(MM_TARGET_DIR)/debug/mm-server
BINDINGS_OUT ?= $(MM_ROOT)/bindings/generated
BENCH_ITERATIONS ?= 200000
# The main Makefile's one build: libraries, binaries and tests with one
# feature set, so `make test` compiles the workspace once (`--workspace`
# alone, without the tests' dev-dependencies, unifies features differently
# and built much of the tree again; docs/BENCHMARKS.md, "CI time").
MM_CARGO_BUILD ?= $(CARGO) build --workspace --lib --bins --tests

ifeq ($(shell uname -s),Darwin)
MM_LIB_EXT := dylib
else
MM_LIB_EXT := so
endif
MM_HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
MM_DEBUG_LIB := $(MM_TARGET_DIR)/debug/libmm_bindings.$(MM_LIB_EXT)
MM_MOBILE_LIB := $(MM_TARGET_DIR)/mobile/libmm_bindings.$(MM_LIB_EXT)
MM_SHIPPED_LIB := $(BINDINGS_OUT)/lib/$(MM_HOST_TRIPLE)/libmm_bindings.$(MM_LIB_EXT)
UNIFFI_BINDGEN := $(MM_TARGET_DIR)/debug/uniffi-bindgen
MM_ANDROID := $(MM_ROOT)/android
MM_MVN := cd $(MM_ANDROID) && $(MVN) $(MVN_FLAGS) \
	-Dmm.server.bin=$(MM_SERVER_BIN) -Dmm.generated.dir=$(BINDINGS_OUT)/kotlin

.PHONY: bindings bindings-debug bindings-mobile mm-server-debug test-kotlin kotlin-test-deps compile-android \
	test-android android-test-deps test-swift ios bench-kotlin bench-lib-size

# Generation reads UniFFI's metadata from the symbols of the unstripped
# library; the API is the same in every profile, so the debug lib serves.
# MM_CARGO_BUILD: the same feature set as the main Makefile's builds, so CI
# compiles the shared dependencies once (`-p mm-bindings -p uniffi-bindgen`
# would unify features differently and rebuild them).
bindings-debug:
	$(MM_CARGO_BUILD)
	rm -rf $(BINDINGS_OUT)/kotlin $(BINDINGS_OUT)/swift
	$(UNIFFI_BINDGEN) generate --no-format --library $(MM_DEBUG_LIB) --language kotlin --out-dir $(BINDINGS_OUT)/kotlin
	$(UNIFFI_BINDGEN) generate --no-format --library $(MM_DEBUG_LIB) --language swift --out-dir $(BINDINGS_OUT)/swift

# The shipped library: size-optimised, panics unwinding, then stripped
# (the unstripped one stays in target/mobile for generation and debugging).
# `rustc --crate-type cdylib`, not `build`: with the crate's `lib` type in the
# same compilation rustc skips LTO altogether (6.9 MB instead of 4.3 MB).
bindings-mobile:
	$(CARGO) rustc -p mm-bindings --profile mobile --lib --crate-type cdylib
	mkdir -p $(dir $(MM_SHIPPED_LIB))
	$(STRIP) --strip-unneeded -o $(MM_SHIPPED_LIB) $(MM_MOBILE_LIB)
	@echo "shipped: $(MM_SHIPPED_LIB) ($$(stat -c %s $(MM_SHIPPED_LIB) 2>/dev/null || stat -f %z $(MM_SHIPPED_LIB)) bytes)"

bindings: bindings-debug bindings-mobile

mm-server-debug:
	$(MM_CARGO_BUILD)

# Surefire writes android/core/target/surefire-reports/.
# BudgetStateTest switches a stopped demo server's edition to cumulative points
# with the sqlite3 shell (the demo has no cumulative edition): installed here
# when it can be, and a clear failure before Maven when it cannot.
test-kotlin: bindings-debug mm-server-debug kotlin-test-deps
	$(MM_MVN) -Dmm.lib.dir=$(MM_TARGET_DIR)/debug -pl core test

kotlin-test-deps:
	@if ! command -v sqlite3 >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sqlite3; \
	fi
	@command -v sqlite3 >/dev/null || { echo "test-kotlin: the sqlite3 shell is missing (Debian package sqlite3)"; exit 1; }

# Type-checks the Android screens against the Android 14 framework
# (org.robolectric:android-all, provided). No APK: no Android SDK here.
compile-android: bindings-debug
	$(MM_MVN) -Dmm.lib.dir=$(MM_TARGET_DIR)/debug -pl app -am compile

# Robolectric runs Android 16 (API 36), whose framework jar is Java 21
# bytecode: a JDK 21+ runs the tests (Maven itself stays on the default 17).
# aapt (Debian's package aapt) compiles the app's manifest into the small
# resource APK Robolectric reads the Activities, labels and theme from.
MM_ROBOLECTRIC_JAVA ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-amd64/bin/java \
	/usr/lib/jvm/temurin-2[1-9]*/bin/java /usr/lib/jvm/java-2[1-9]-openjdk*/bin/java))
AAPT ?= aapt

# aapt is installed when it can be (root with apt-get); test-android then
# decides: missing under CI=true fails, missing elsewhere skips with a note.
android-test-deps:
	@if ! command -v $(AAPT) >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends aapt; \
	fi
	@if [ -z "$(MM_ROBOLECTRIC_JAVA)" ]; then \
	  echo "test-android: no Java 21+ found; running the screens on Android 15 (API 35) with $(MM_JAVA17)"; \
	fi

# Surefire writes android/app-tests/target/surefire-reports/ (the app's and the
# core's log lines in *-output.txt).
# Without a JDK 21+ (Debian 12 packages only 17), Android 15 (API 35), whose
# framework jar runs on Java 17: the same screens, one API level lower.
MM_JAVA17 := $(shell command -v java)
MM_ROBOLECTRIC_ARGS := $(if $(MM_ROBOLECTRIC_JAVA),-Dmm.robolectric.java=$(MM_ROBOLECTRIC_JAVA),\
	-Dmm.robolectric.java=$(MM_JAVA17) -Drobolectric.sdk=35 -Drobolectric.android-all=15-robolectric-13954326-i7)

test-android: bindings-debug mm-server-debug android-test-deps
	@if ! command -v $(AAPT) >/dev/null; then \
	  if [ "$$CI" = true ]; then echo "test-android: aapt missing (Debian package aapt) (CI=true: failing)"; exit 1; \
	  else echo "test-android: aapt missing (Debian package aapt); skipped (set CI=true to fail)"; exit 0; fi; \
	fi; \
	start=$$(date +%s); \
	$(MM_MVN) -Dmm.lib.dir=$(MM_TARGET_DIR)/debug $(MM_ROBOLECTRIC_ARGS) \
		-Dmm.aapt=$$(command -v $(AAPT)) -pl app-tests test && \
	echo "test-android: passed in $$(( $$(date +%s) - start )) s; screenshots in docs/screenshots/android/"

# tree-sitter and its Swift grammar (wheels from PyPI, pinned) in a virtualenv
# under target/, made by this target itself on first use. Without Python or
# PyPI the check is skipped, except under CI=true, where a skip fails.
SWIFT_CHECK := $(MM_ROOT)/tests/swift-check
SWIFT_CHECK_VENV ?= $(MM_TARGET_DIR)/swift-check-venv
SWIFT_CHECK_PY := $(SWIFT_CHECK_VENV)/bin/python
SWIFT_CHECK_REQS := tree-sitter==0.26.1 tree-sitter-swift==0.7.4
PYTHON3 ?= python3

test-swift: bindings-debug
	@if ! "$(SWIFT_CHECK_PY)" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then \
	  echo "test-swift: installing $(SWIFT_CHECK_REQS) into $(SWIFT_CHECK_VENV)"; \
	  if ! { $(PYTHON3) -m venv "$(SWIFT_CHECK_VENV)" && \
	         "$(SWIFT_CHECK_PY)" -m pip install -q $(SWIFT_CHECK_REQS); }; then \
	    if [ "$${CI:-}" = true ]; then echo "test-swift: FAILED: no Python virtualenv with tree-sitter-swift (CI=true: a skip is a failure)"; exit 1; fi; \
	    echo "test-swift: SKIPPED: no Python virtualenv with tree-sitter-swift"; exit 0; \
	  fi; \
	fi; \
	set -e; cd $(SWIFT_CHECK); \
	MM_SWIFT_BINDINGS=$(BINDINGS_OUT)/swift/MmCore.swift "$(SWIFT_CHECK_PY)" -m unittest test_swiftcheck; \
	"$(SWIFT_CHECK_PY)" swiftcheck.py --bindings $(BINDINGS_OUT)/swift/MmCore.swift \
		--platform platform-names.txt $(MM_ROOT)/ios

ios:
ifeq ($(shell uname -s),Darwin)
	$(MAKE) -f $(MM_ROOT)/mk/mobile.mk bindings-debug
	cd $(MM_ROOT)/ios && ./build-xcframework.sh
else
	@echo "make ios: needs macOS with Xcode (xcodebuild, the iOS Rust targets); skipped on $$(uname -s)."
endif

bench-lib-size: bindings-mobile
	@echo "== library size (x86_64 Linux, --profile mobile) =="
	@echo "unstripped: $$(stat -c %s $(MM_MOBILE_LIB)) bytes"
	@echo "stripped:   $$(stat -c %s $(MM_SHIPPED_LIB)) bytes"
	@size -A $(MM_SHIPPED_LIB) | awk 'NR>2 && $$2 > 65536 {printf "  section %-22s %9d bytes\n", $$1, $$2}'
	@echo "largest symbols (unstripped, by size; crate = first path segment):"
	@$(NM) --size-sort --print-size --radix=d -C $(MM_MOBILE_LIB) | tail -n 12 | awk '{printf "  %9d  %s\n", $$2, substr($$0, index($$0,$$4))}'
	@$(NM) --print-size --radix=d -C $(MM_MOBILE_LIB) | awk 'NF>=4 {n=$$4; for(i=5;i<=NF;i++) n=n" "$$i; \
		sub(/^<[^ ]* as /,"",n); sub(/^_</,"",n); split(n,p,"::"); c=p[1]; if (c ~ /^(sqlite3|Fts|fts5|rtree|json)/ || n ~ /^sqlite3/) c="sqlite (C)"; s[c]+=$$2} \
		END {for (k in s) print s[k], k}' | sort -rn | head -n 10 | awk '{printf "  %9d  %s\n", $$1, substr($$0, index($$0,$$2))}'

# Timings come from the shipped (mobile-profile) library, not the debug one.
bench-kotlin: bindings-debug bindings-mobile mm-server-debug
	$(MM_MVN) -q -pl core test-compile exec:exec@bench -Dmm.lib.dir=$(MM_TARGET_DIR)/mobile \
		-Dbench.iterations=$(BENCH_ITERATIONS)
	@$(MAKE) --no-print-directory -f $(MM_ROOT)/mk/mobile.mk bench-lib-size
