#!/usr/bin/env bash
# Installs the Debian packages the front door needs to build, test and run locally, skipping those already present.
# Runs `apt-get update` at most once, and only when something is missing. Usable as a script or sourced.
set -euo pipefail

FRONTDOOR_APT_PACKAGES=(libpq-dev libhiredis-dev postgresql redis-server curl apache2-utils dnsmasq-base)

install_deps() {
    local missing=() package
    for package in "${FRONTDOOR_APT_PACKAGES[@]}" "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    echo "Installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "error: ${missing[*]} missing and not running as root; install them with apt-get as root." >&2
            return 1
        fi
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    install_deps "$@"
fi
