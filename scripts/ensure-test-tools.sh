#!/usr/bin/env sh
# The browser journeys drive Debian's Chromium, and one of them runs the First API Call's curl
# commands in a shell: install whichever of the two is missing.
set -e
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
PACKAGES=""
[ -x "$CHROMIUM" ] || PACKAGES=" chromium"
command -v curl >/dev/null 2>&1 || PACKAGES="$PACKAGES curl"
[ -z "$PACKAGES" ] && exit 0
echo "Installing$PACKAGES for the browser tests (apt-get)…"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
# Word splitting of the list is wanted here.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
