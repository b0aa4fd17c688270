#!/usr/bin/env bash
# Builds the installable packages (.deb and .rpm) with the Tauri CLI, from the root config.
# AppImage needs tools downloaded from the internet and is not built here.
#
#   scripts/package.sh                       -> target/release/bundle/{deb,rpm}/
#   scripts/package.sh --debug               -> target/debug/bundle/{deb,rpm}/
#   scripts/package.sh --debug --prebuilt    bundles the binary `cargo build --workspace` already
#                                            built (the test command), instead of building it again
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
profile=release
command=build
args=()
for a in "$@"; do
  case "$a" in
    --debug) profile=debug; args+=("$a") ;;
    # Built by a workspace-wide cargo build: the Tauri CLI's own build selects the app crate
    # alone, which unifies features differently and recompiles most dependencies (5 minutes).
    --prebuilt) command=bundle ;;
    *) args+=("$a") ;;
  esac
done
scripts/install-deps.sh >/dev/null
if [ "$command" = build ]; then (cd ui && npm run --silent build); fi

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
if [ "$command" = bundle ] && ! [ -x "target/$profile/iadvize-zendesk-desktop" ]; then
  echo "--prebuilt: target/$profile/iadvize-zendesk-desktop is not built; run cargo build --workspace first" >&2
  exit 1
fi
TAURI_APP_PATH=src-tauri ui/node_modules/.bin/tauri "$command" --bundles deb rpm "${args[@]}"
ls -l target/"$profile"/bundle/deb/*.deb target/"$profile"/bundle/rpm/*.rpm
