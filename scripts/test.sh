#!/usr/bin/env bash
# Runs every test of the project, from a fresh machine: installs what is missing, builds once,
# then runs (1) the Rust tests of the whole workspace inside a throwaway OS keychain session,
# (2) the front-end checks and unit tests, (3) the end-to-end tests of the real desktop window.
# Prints the test counts of each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
started=$(date +%s)
logs=$(mktemp -d -t iz-test-XXXXXX)
trap 'rm -rf "$logs"' EXIT

stage() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Every cargo command below selects the whole workspace: one selecting a single crate unifies
# features differently and rebuilds most dependencies.
stage "dependencies"
scripts/install-deps.sh

stage "build (UI, then the workspace once for every stage)"
(cd ui && npm run --silent build)
cargo build --workspace --all-targets --locked

# Sums cargo's "test result:" lines of a log.
cargo_counts() {
  grep -E '^test result:' "$1" | awk '{p+=$4; f+=$6; i+=$8} END {printf "%d passed, %d failed, %d ignored", p, f, i}'
}

stage "1/4 Rust tests (workspace, real SQLite, real keychain, sandbox over loopback)"
set +e
scripts/with-keychain.sh cargo test --workspace --locked 2>&1 | tee "$logs/rust.log"
rust_status=${PIPESTATUS[0]}
set -e
rust_counts=$(cargo_counts "$logs/rust.log")
[ "$rust_status" -eq 0 ] || { echo "Rust tests failed ($rust_counts)"; exit 1; }

if git rev-parse --git-dir >/dev/null 2>&1 && ! [ -z "$(git status --porcelain -- ui/src/bindings)" ]; then
  echo "The TypeScript bindings in ui/src/bindings changed when the Rust types were exported:"
  git --no-pager diff --stat -- ui/src/bindings
  echo "Commit the regenerated files."
  exit 1
fi

stage "2/4 front-end (type check, Vitest)"
(cd ui && npm run --silent check)
set +e
(cd ui && npx vitest run 2>&1) | tee "$logs/ui.log"
ui_status=${PIPESTATUS[0]}
set -e
ui_counts=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/ui.log" | grep -E '^ +Tests ' | tail -1 | sed -E 's/^ +Tests +//')
[ "$ui_status" -eq 0 ] || { echo "front-end tests failed ($ui_counts)"; exit 1; }

stage "3/4 end-to-end (desktop window, WebDriver, Xvfb)"
set +e
scripts/e2e.sh 2>&1 | grep -vE 'dbus-daemon|SpiRegistry|a11y' | tee "$logs/e2e.log"
e2e_status=${PIPESTATUS[0]}
set -e
e2e_counts=$(cargo_counts "$logs/e2e.log")
[ "$e2e_status" -eq 0 ] || { echo "end-to-end tests failed ($e2e_counts)"; exit 1; }

stage "4/4 package (.deb builds, installs, starts)"
scripts/package.sh --debug --prebuilt >"$logs/package.log" 2>&1 || { cat "$logs/package.log"; echo "packaging failed"; exit 1; }
deb=$(ls target/debug/bundle/deb/*.deb | head -1)
pkg=$(dpkg-deb -f "$deb" Package)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo dpkg -i "$deb" >/dev/null
installed_version=$(/usr/bin/iadvize-zendesk-desktop --version)
$sudo dpkg -r "$pkg" >/dev/null
echo "$installed_version"
[ "$installed_version" = "iadvize-zendesk-desktop $(grep -m1 '"version"' tauri.conf.json | sed -E 's/.*"([0-9.]+)".*/\1/')" ] || { echo "the installed binary answered: $installed_version"; exit 1; }
deb_size="$(du -h "$deb" | cut -f1) ($(basename "$deb"))"

stage "summary"
echo "Rust tests:        $rust_counts (ignored = the end-to-end tests, run in stage 3)"
echo "Front-end tests:   $ui_counts"
echo "End-to-end tests:  $e2e_counts"
echo "Package:           $deb_size, installed and started (debug build; scripts/package.sh for release)"
echo "Screenshots:       artifacts/e2e/"
echo "Total time:        $(( $(date +%s) - started )) s"
