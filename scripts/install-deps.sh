#!/usr/bin/env bash
# Installs the Debian packages the front door needs to build, test and run locally, skipping those already present.
# Runs `apt-get update` at most once, and only when something is missing. Usable as a script or sourced.
# Arguments name further packages, e.g. `bash scripts/install-deps.sh python3-prometheus-client`, the command a
# test prints when a tool it needs is missing (tests never install anything themselves).
set -euo pipefail

FRONTDOOR_APT_PACKAGES=(libpq-dev libhiredis-dev libjemalloc-dev postgresql redis-server curl apache2-utils dnsmasq-base)
# Only the tests need these (scripts/test.sh): headless Chromium for the status page, and Prometheus' reference
# parser for /metrics, Debian's package for Debian's python3 — which refuses `pip install` (PEP 668).
# openssl: `openssl s_client` drives the TLS listeners in their tests.
# shellcheck disable=SC2034  # read by scripts/test.sh, which sources this file
FRONTDOOR_TEST_APT_PACKAGES=(chromium python3-prometheus-client openssl)

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
