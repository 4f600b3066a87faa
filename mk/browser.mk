# The back office in a real browser (issue 5): Debian Chromium driven by
# playwright-core against a real `mm-server --demo` and the `mm` CLI.
#
#   make test-browser     (also: make -f mk/browser.mk test-browser)
#
# Installs chromium with apt-get when missing and running as root; under
# CI=true a missing chromium fails instead of skipping. `npm ci` in web/
# also vendors Leaflet into server/assets/vendor (web/vendor.mjs).

MM_BROWSER_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
CARGO ?= cargo
NPM ?= npm
NODE ?= node
MM_CHROMIUM ?= /usr/bin/chromium
# The main Makefile's one build (same features: nothing is compiled again).
MM_CARGO_BUILD ?= $(CARGO) build --workspace --lib --bins --tests

.PHONY: test-browser browser-deps

browser-deps:
	@if [ ! -x "$(MM_CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	  fi; \
	fi
	@if [ ! -x "$(MM_CHROMIUM)" ]; then \
	  if [ "$$CI" = true ]; then echo "test-browser: chromium missing at $(MM_CHROMIUM) (CI=true: failing)"; exit 1; \
	  else echo "test-browser: chromium missing at $(MM_CHROMIUM); skipped (set CI=true to fail)"; exit 0; fi; \
	fi
	cd $(MM_BROWSER_ROOT)/web && $(NPM) ci --no-audit --no-fund

test-browser: browser-deps
	@if [ -x "$(MM_CHROMIUM)" ]; then \
	  cd $(MM_BROWSER_ROOT) && $(MM_CARGO_BUILD) && \
	  MM_CHROMIUM=$(MM_CHROMIUM) $(NODE) --test --test-concurrency=1 tests/browser/; \
	fi
