#!/usr/bin/env bash
# Stops or starts one of the servers of a state directory made by services.sh; the readiness tests use it to
# take PostgreSQL and Redis away and bring them back while a replica keeps running.
#   usage: services-ctl.sh STATE_DIR start|stop postgres|redis
set -euo pipefail
# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

if [ "$#" -ne 3 ]; then
    echo "usage: $0 STATE_DIR start|stop postgres|redis" >&2
    exit 2
fi
state=$1 action=$2 server=$3

# Daemons started below must not inherit the caller's descriptors: a test runner that watches a pipe or socket
# for this script's exit would otherwise wait for PostgreSQL to exit too.
for fd in "/proc/$$/fd"/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then
        eval "exec $fd>&-" 2>/dev/null || true
    fi
done
case "$action:$server" in
start:postgres) services_start_postgres "$state" ;;
stop:postgres) services_stop_postgres "$state" ;;
start:redis) services_start_redis "$state" ;;
stop:redis) services_stop_redis "$state" ;;
*)
    echo "error: unknown action \"$action $server\"; use start or stop with postgres or redis." >&2
    exit 2
    ;;
esac
