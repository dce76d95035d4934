# shellcheck shell=bash
# The flags of every release build the scripts make (bench, drills, run-local, screenshots), and the Dockerfile's:
# one list, so each build reuses the others' cache instead of rebuilding every module for a changed flag.
#
# -enforce-exclusivity=unchecked for every module, the dependencies included: the balancer's own target already
# drops the dynamic exclusivity checks in release (Package.swift), and the rest of them run inside NIO's channel
# and pipeline code on every read, write and flush. Measured with scripts/cpu_per_request.py, 5 alternating
# rounds of 8 s, 1 worker: CPU per proxied request 25.5-31.1 us with the checks, 21.6-28.6 us without (median
# 29.3 -> 27.6 us, user time 14.7 -> 13.0 us). The static (compile-time) exclusivity checks all stay.
# shellcheck disable=SC2034  # used by the scripts that source this file
SWIFT_RELEASE_FLAGS=(-c release -Xswiftc -enforce-exclusivity=unchecked)
