#!/usr/bin/env bash
# End-to-end tests of the real desktop window: the built app (target/debug), driven through
# WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, inside a throwaway keychain session.
# scripts/test.sh builds everything first; run this alone after `cargo build --workspace`.
# The end-to-end tests are the workspace's only ignored tests: selecting them through the whole
# workspace (rather than -p e2e) reuses that build instead of recompiling with other features.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p artifacts/e2e
KEEP_DISPLAY=1 timeout 900 xvfb-run -a -s "-screen 0 1280x800x24" \
  scripts/with-keychain.sh \
  cargo test --workspace --locked --tests -- --ignored --test-threads=1 "$@"
