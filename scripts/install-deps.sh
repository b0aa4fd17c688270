#!/usr/bin/env bash
# Installs what building and testing the app needs on Debian/Ubuntu, skipping what is present:
# WebKitGTK and friends for Tauri, Xvfb + WebKitWebDriver for the window tests, D-Bus + GNOME
# Keyring for the OS keychain, Node.js for the front-end, tauri-driver, and the UI's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libwebkit2gtk-4.1-dev build-essential curl wget file libssl-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev pkg-config xvfb xauth dbus gnome-keyring keyutils webkit2gtk-driver libdbus-1-dev
  imagemagick xdotool trayer)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
