#!/usr/bin/env bash
# Builds the installable packages (.deb and .rpm) with the Tauri CLI, from the root config.
# AppImage needs tools downloaded from the internet and is not built here.
#
#   scripts/package.sh            -> target/release/bundle/{deb,rpm}/
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/install-deps.sh >/dev/null
(cd ui && npm run --silent build)

# The Tauri CLI reads its config next to the app crate, with paths relative to it: write that
# view of the root tauri.conf.json for the duration of the build.
generated=src-tauri/tauri.conf.json
trap 'rm -f "$generated"' EXIT
python3 - "$generated" <<'PY'
import json, sys
config = json.load(open("tauri.conf.json"))
config["build"]["frontendDist"] = "../" + config["build"]["frontendDist"]
config["bundle"]["icon"] = [i.replace("src-tauri/", "", 1) for i in config["bundle"]["icon"]]
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
TAURI_APP_PATH=src-tauri ui/node_modules/.bin/tauri build --bundles deb rpm "$@"
ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
