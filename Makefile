# Berth — the README's commands. `make run` launches the app, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
APP_TARGET := $(CURDIR)/target/app
APP_BIN := $(APP_TARGET)/release/berth-app

.PHONY: setup run app ui cli test lint lint-cross test-rust test-ui e2e bindings-check bench engine fmt \
	standins bundle bundle-test icons

setup:
	bash scripts/setup-debian.sh

ui: setup
	cd ui && npm run build

# The desktop app with the UI embedded (what the Tauri CLI builds), in its own target dir.
app: ui
	CARGO_TARGET_DIR=$(APP_TARGET) $(CARGO) build --release -p berth-app --features tauri/custom-protocol

cli:
	$(CARGO) build --release --bin berth

# Linux bundles of `make app`'s binary (.deb and .rpm, offline: the Tauri CLI from
# ui/node_modules) with the berth CLI beside it (src-tauri/tauri.bundle.conf.json), in
# target/app/release/bundle/. macOS, Windows and AppImage bundles: .github/workflows/release.yml.
HOST_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
bundle: app
	CARGO_TARGET_DIR=$(APP_TARGET) $(CARGO) build --release -p berth-cli
	install -D -m 0755 $(APP_TARGET)/release/berth src-tauri/binaries/berth-$(HOST_TRIPLE)
	cd src-tauri && CARGO_TARGET_DIR=$(APP_TARGET) ../ui/node_modules/.bin/tauri bundle \
	  --bundles deb,rpm --config tauri.bundle.conf.json

# Install the .deb into a clean Debian 12 root (a container) and see its window there.
bundle-test: bundle engine
	BERTH_BUNDLE_DIR=$(APP_TARGET)/release/bundle bash scripts/bundle-test.sh

icons:
	bash scripts/icons.sh

run: app
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "No display: running Berth under Xvfb (headless)."; \
	  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" $(APP_BIN); \
	else \
	  $(APP_BIN); \
	fi

engine:
	bash scripts/start-dockerd.sh

# Stand-ins for the official base images (built from Debian packages, cached by tag) that the
# real-build suite (crates/cli/tests/real_builds.rs) builds real projects on.
standins: engine
	bash scripts/standins/standins.sh build

fmt:
	$(CARGO) fmt --all

lint: lint-cross
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd ui && npm run check
	actionlint
	bash scripts/icons.sh --check

# Platform code compiles for the other systems: the core and the CLI for Windows (GNU target)
# and macOS (cargo check needs no linker nor SDK for them). Not the app: its macOS/Windows
# crates (WebKit, WebView2, AppKit) need the platform's SDK; the release workflow builds it.
lint-cross:
	rustup target add x86_64-pc-windows-gnu x86_64-apple-darwin >/dev/null
	$(CARGO) check --target x86_64-pc-windows-gnu -p berth-core -p berth-cli --no-default-features
	$(CARGO) check --target x86_64-apple-darwin -p berth-core -p berth-cli --no-default-features

bindings-check:
	bash scripts/check-bindings.sh

test-rust: engine standins
	$(CARGO) test --workspace --no-fail-fast

test-ui:
	cd ui && npm test
	cd ui && npm run e2e-ui

# The app `make app` built (e2e.sh would rebuild the UI, and so relink the app, otherwise).
e2e: app standins
	BERTH_APP_BIN=$(APP_BIN) CARGO_TARGET_DIR=$(APP_TARGET) bash scripts/e2e.sh

test: setup lint bindings-check test-rust test-ui e2e bundle-test
	@echo "make test: all suites passed"

bench: cli engine
	bash scripts/bench-detect.sh
	bash scripts/bench-ports.sh
	bash scripts/bench-build.sh
	bash scripts/bench-stats.sh
	bash scripts/bench-check.sh
	bash scripts/bench-app.sh
	bash scripts/bench-native.sh
	bash scripts/bench-deploy.sh
