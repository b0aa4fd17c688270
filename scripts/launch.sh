#!/usr/bin/env bash
# Installs what is missing, builds the desktop app and starts it. With no site configured, the
# app offers to try everything on the built-in sandbox. On a machine without a display it says
# so and shows the headless way.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
There is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop window
cannot open. Either:
  - run it on your desktop session, or under a virtual display: xvfb-run -a scripts/launch.sh
  - or use the headless command line, the same engine without a window:
      cargo run --release --bin iadvize-zendesk -- --help
      cargo run --release --bin iadvize-zendesk -- sandbox        # the built-in sandbox
      cargo run --release --bin iadvize-zendesk -- site list
MSG
  exit 1
fi

scripts/install-deps.sh
(cd ui && npm run --silent build)
cargo build --release -p iadvize-zendesk-desktop
# With no site configured yet, the app starts on the built-in sandbox (a demo site).
exec target/release/iadvize-zendesk-desktop --demo-if-empty "$@"
