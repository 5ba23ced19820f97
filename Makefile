# Schulinventar: `make run` starts the desktop app, `make test` runs every check CI runs.
# Each target first installs what is missing (Debian packages, npm modules, tauri-driver).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

CARGO ?= cargo
NPM ?= npm
CARGO_HOME ?= $(HOME)/.cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
TAURI_DRIVER := $(or $(shell command -v tauri-driver 2>/dev/null),$(CARGO_HOME)/bin/tauri-driver)

# Build and window-test dependencies of Tauri on Debian 12.
APT_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libxdo-dev \
	libayatana-appindicator3-dev librsvg2-dev webkit2gtk-driver xvfb xauth poppler-utils \
	fonts-dejavu-core

UI_SOURCES := $(shell find ui/src -type f ! -name '*.test.ts' 2>/dev/null) \
	ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json

NPM_CI := $(NPM) ci --no-audit --no-fund --loglevel=error

.PHONY: help deps deps-system deps-rust deps-node ui run test check-rust test-rust test-ui e2e bindings

help:
	@echo "make run       build the front end and start the app (DB=path to use another database)"
	@echo "make test      formatting, clippy, Rust tests, UI tests, end-to-end window test"
	@echo "make deps      install missing system packages, npm modules and tauri-driver"
	@echo "make ui        build the front end into ui/dist"
	@echo "make bindings  regenerate ui/src/lib/bindings.ts from the Tauri commands"
	@echo "make bench     store benchmarks on generated data (SCALE=small|municipality|land)"
	@echo "make bench-import  import benchmark against sqlite3 .import (ROWS, XLSX_ROWS, PHASES=1)"
	@echo "make bench-ui  window benchmark: first list, memory against a bare window, scrolling (RUNS)"

deps: deps-system deps-rust deps-node

deps-system:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

deps-rust:
	@if command -v rustup >/dev/null; then \
	  for c in rustfmt clippy; do \
	    rustup component list --installed | grep -q "^$$c" || rustup component add "$$c"; \
	  done; \
	fi
	@if [ ! -x "$(TAURI_DRIVER)" ]; then $(CARGO) install tauri-driver --locked; fi

deps-node: ui/node_modules/.installed tests/e2e/node_modules/.installed

# Reinstalled when the lock file is newer than the last install.
%/node_modules/.installed: %/package-lock.json %/package.json
	cd $* && CI=true $(NPM_CI)
	mkdir -p $*/node_modules && touch $@

ui: deps-node ui/dist/index.html

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && $(NPM) run build

run: deps ui
	$(if $(DB),SCHULINVENTAR_DB="$(abspath $(DB))") $(CARGO) run -p schulinventar-app

bindings: deps-node ui
	UPDATE_BINDINGS=1 $(CARGO) test -p schulinventar-app --test bindings

# src-tauri embeds ui/dist at compile time, so the front end is built before any cargo step.
check-rust: deps ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: deps ui
	$(CARGO) test --workspace

test-ui: deps-node
	cd ui && $(NPM) test

# `cargo test --workspace` builds both binaries into target/debug as well; building them the
# same way (dev-dependency features included) reuses those instead of compiling Tauri again.
e2e: deps ui
	$(CARGO) test --workspace --no-run --quiet
	cd tests/e2e && TAURI_DRIVER="$(TAURI_DRIVER)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	  xvfb-run -a --server-args="-screen 0 1280x800x24" $(NPM) test

test: deps ui
	$(MAKE) --no-print-directory check-rust
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-ui
	$(MAKE) --no-print-directory e2e

# Benchmarks print figures (see BENCHMARKS.md); SCALE=small|municipality|land, default land.
# Not part of `make test`: the land-scale run takes minutes and gigabytes.
.PHONY: bench
bench:
	$(CARGO) run --release -p schulinventar-bench -- --scale $(or $(SCALE),land)

# Import benchmark (BENCHMARKS.md): a generated device CSV of ROWS rows (default 1,000,000)
# and an XLSX of XLSX_ROWS rows (default 100,000), next to `sqlite3 .import` of the same CSV.
.PHONY: bench-import
bench-import:
	@dpkg-query -W -f='$${Status}' sqlite3 2>/dev/null | grep -q 'install ok installed' || { \
	  echo "Installing Debian packages: sqlite3"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqlite3; \
	}
	$(CARGO) run --release -p schulinventar-bench -- import --rows $(or $(ROWS),1000000) \
	  --xlsx-rows $(or $(XLSX_ROWS),100000) $(if $(PHASES),--phases)

# Window benchmark (BENCHMARKS.md): release app on the municipality demo under Xvfb: launch to
# first school list, memory with the Übersicht open against a bare Tauri window, scrolling
# through the 60,000 devices. RUNS repetitions (default 3).
.PHONY: bench-ui
bench-ui: deps ui
	$(CARGO) build --release -p schulinventar-app --bin schulinventar-app --example bare_window
	$(CARGO) build --release -p schulinventar-cli
	cd tests/e2e && TAURI_DRIVER="$(TAURI_DRIVER)" CARGO_TARGET_DIR="$(TARGET_DIR)" BENCH_RUNS="$(or $(RUNS),3)" \
	  xvfb-run -a --server-args="-screen 0 1280x800x24" node bench/ui.mjs
