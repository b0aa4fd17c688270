#!/usr/bin/env bash
# End-to-end tests of the real desktop window: the built app (target/debug), driven through
# WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, inside a throwaway keychain session.
# scripts/test.sh builds everything first; run this alone after `cargo build --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p artifacts/e2e
KEEP_DISPLAY=1 timeout 900 xvfb-run -a -s "-screen 0 1280x800x24" \
  scripts/with-keychain.sh \
  cargo test -p e2e -- --ignored --test-threads=1 "$@"
