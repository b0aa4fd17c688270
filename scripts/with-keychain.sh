#!/usr/bin/env bash
# Runs a command inside a private, throwaway OS keychain: a new kernel session keyring, a private
# D-Bus session bus, and GNOME Keyring's Secret Service unlocked with a throwaway password. Its
# keyrings live in a temp folder that is deleted afterwards, so tests never touch the user's
# real keychain. DISPLAY is unset: with a display, a locked keyring opens an invisible prompt.
# KEEP_DISPLAY=1 keeps it, for the desktop app under Xvfb (the keyring is unlocked, so no prompt).
#
#   scripts/with-keychain.sh cargo test --workspace
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in keyctl dbus-run-session gnome-keyring-daemon dbus-send; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-deps.sh first" >&2; exit 1; }
done
home=$(mktemp -d -t iz-keychain-XXXXXX)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/data" "$home/runtime"
chmod 700 "$home/runtime"
export XDG_DATA_HOME="$home/data" XDG_RUNTIME_DIR="$home/runtime"
[ "${KEEP_DISPLAY:-}" = 1 ] || unset DISPLAY WAYLAND_DISPLAY
keyctl session - dbus-run-session -- bash -c '
  echo -n "throwaway" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  for _ in $(seq 1 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
    sleep 0.05
  done
  exec "$@"' _ "$@"
