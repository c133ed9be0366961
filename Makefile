# Arbeidsflate's task runner. Two commands matter:
#   make run    start the app against the built-in sandbox
#   make test   run every test (installs what is missing first)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# One feature set everywhere, so cargo never rebuilds tauri back and forth.
FEATURES := --features arbeidsflate/custom-protocol
APT_BUILD := libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev \
  libayatana-appindicator3-dev librsvg2-dev libgtk-3-dev libsoup-3.0-dev libdbus-1-dev pkg-config
APT_DESKTOP := xdg-utils
APT_TEST := openssl xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-x11 libsecret-tools at-spi2-core fonts-dejavu-core chromium \
	python3-jsonschema python3-cryptography desktop-file-utils
# Where cargo builds (CI shares one across runs).
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test deps-build deps-test deps-windows ui ui-check bindings bench-startup deb feed windows

help:
	@echo "make run    – start Arbeidsflate against its built-in sandbox"
	@echo "make test   – run every test (lint, unit, integration, the real window)"

# Installs only the Debian packages that are missing; safe to run again.
define apt_ensure
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call apt_ensure,$(APT_BUILD) $(APT_DESKTOP))
	@command -v cargo >/dev/null || { echo "Rust is required: https://rustup.rs"; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js and npm are required"; exit 1; }

deps-test: deps-build deps-windows
	$(call apt_ensure,$(APT_TEST))
	@command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --version "^2" --locked

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

tests/peers/node_modules/.package-lock.json: tests/peers/package-lock.json
	cd tests/peers && npm ci --no-audit --no-fund
	@touch $@

ui: deps-build ui/node_modules/.package-lock.json
	cd ui && npm run build

ui-check: ui
	cd ui && npm run check && npm run lint

run: ui
	cargo run -p arbeidsflate $(FEATURES)

test: deps-test ui-check tests/peers/node_modules/.package-lock.json
	cd ui && npm test
	cd ui && npm run test:dates
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets $(FEATURES) -- -D warnings
	cargo build -p arbeidsflate $(FEATURES)
	$(MAKE) deb
	$(MAKE) windows
	# A debug Windows build trusts a test's update key (ARBEIDSFLATE_UPDATE_PUBKEY); the
	# updater's Windows test installs it and lets it take the next MSI from a feed.
	cargo build --target $(WIN_TARGET) -p arbeidsflate $(FEATURES)
	cargo clippy --target $(WIN_TARGET) -p arbeidsflate-config -p arbeidsflate-store -p arbeidsflate-cli --all-targets -- -D warnings
	ARBEIDSFLATE_DEB="$$(ls "$(TARGET_DIR)"/release/bundle/deb/*.deb)" \
	ARBEIDSFLATE_WINDOWS_DIR="$(WIN_DIR)" ARBEIDSFLATE_WINDOWS_RELEASE="$(TARGET_DIR)/$(WIN_TARGET)/release" \
	ARBEIDSFLATE_WINDOWS_DEBUG="$(TARGET_DIR)/$(WIN_TARGET)/debug" \
	  tests/desktop-session.sh cargo nextest run --workspace $(FEATURES) --no-fail-fast

# Windows, cross-built from here: the release app for x86_64-pc-windows-gnu (MinGW-w64,
# SQLCipher with OpenSSL built from source) and the per-machine MSI (wixl), both
# Authenticode-signed when SIGN_CERT and SIGN_KEY are given (see src-tauri/windows/).
WIN_TARGET := x86_64-pc-windows-gnu
WIN_DIR := $(TARGET_DIR)/windows
APT_WINDOWS := gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine64 wine msitools wixl osslsigncode
MSI_VERSION ?= $(VERSION)

deps-windows: deps-build
	$(call apt_ensure,$(APT_WINDOWS))
	@rustup target list --installed | grep -qx $(WIN_TARGET) || rustup target add $(WIN_TARGET)

windows: deps-windows ui
	cargo build --release --target $(WIN_TARGET) -p arbeidsflate $(FEATURES)
	mkdir -p "$(WIN_DIR)"
	src-tauri/windows/package.sh "$(TARGET_DIR)/$(WIN_TARGET)/release" "$(WIN_DIR)" $(MSI_VERSION)

# The Debian package: a release build (LTO, stripped) bundled by the Tauri CLI from npm.
deb: deps-build ui/node_modules/.package-lock.json
	rm -rf "$(TARGET_DIR)"/release/bundle/deb
	TAURI_APP_PATH=src-tauri ui/node_modules/.bin/tauri build --bundles deb --ci

# A signed update for an update feed: the .deb and, when built (`make windows`), the MSI,
# each signed bound to this version (`tauri signer sign --app-version`), and latest.json,
# Tauri's static feed. Needs the release key in TAURI_SIGNING_PRIVATE_KEY_PATH (and
# _PASSWORD); FEED_URL is where the files in FEED_DIR will be served from. A package's own
# key is `linux-x86_64-deb` or `windows-x86_64-msi`; the plain `linux-x86_64` and
# `windows-x86_64` entries are the same packages for copies not installed from one.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DEB ?= $(firstword $(wildcard $(TARGET_DIR)/release/bundle/deb/*.deb))
MSI ?= $(firstword $(filter-out %-site.msi,$(wildcard $(TARGET_DIR)/windows/*.msi)))
FEED_DIR ?= $(TARGET_DIR)/feed
feed:
	@test -n "$(FEED_URL)" || { echo "set FEED_URL to where FEED_DIR will be served (https://...)"; exit 2; }
	@test -n "$$TAURI_SIGNING_PRIVATE_KEY_PATH" || { echo "set TAURI_SIGNING_PRIVATE_KEY_PATH to the release key"; exit 2; }
	@test -f "$(DEB)" || test -f "$(MSI)" || { echo "no package: run make deb or make windows first, or set DEB or MSI"; exit 2; }
	mkdir -p "$(FEED_DIR)"
	set -e; platforms=""; \
	for pkg in $(DEB) $(MSI); do \
	  [ -f "$$pkg" ] || continue; \
	  cp "$$pkg" "$(FEED_DIR)/"; \
	  name=$$(basename "$$pkg"); \
	  CI=true ui/node_modules/.bin/tauri signer sign --app-version $(VERSION) "$(FEED_DIR)/$$name" >/dev/null; \
	  entry="{\"url\":\"$(FEED_URL)/$$name\",\"signature\":\"$$(cat "$(FEED_DIR)/$$name.sig")\"}"; \
	  case "$$name" in \
	    *.deb) os=linux-x86_64; kind=deb ;; \
	    *.msi) os=windows-x86_64; kind=msi ;; \
	    *) echo "$$name: neither a .deb nor an .msi"; exit 2 ;; \
	  esac; \
	  platforms="$$platforms$${platforms:+,}\"$$os-$$kind\":$$entry,\"$$os\":$$entry"; \
	done; \
	printf '{"version":"%s","pub_date":"%s","platforms":{%s}}\n' \
	  "$(VERSION)" "$$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$platforms" > "$(FEED_DIR)/latest.json"
	@echo "feed written to $(FEED_DIR)/latest.json"

# Regenerates what is generated from Rust: the TypeScript types (ts-rs), then the IPC
# surface from the window's commands (the handler and manifest list, the capability,
# the page's typed functions).
bindings:
	UPDATE_BINDINGS=1 cargo test -p arbeidsflate-model bindings
	UPDATE_BINDINGS=1 cargo test -p arbeidsflate-tests --test ipc_surface
