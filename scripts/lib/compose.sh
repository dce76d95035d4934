#!/usr/bin/env bash
# Helpers for the production compose stack (compose/docker-compose.prod.yml), shared by scripts/deploy-production.sh
# and the failover drill's compose mode. Source it; it changes no shell option of the caller.
#
# Settings, from the environment:
#   FRUITPAK_COMPOSE_FILE  compose file (default: compose/docker-compose.prod.yml of this repository)
#   FRUITPAK_ENV_FILE      env file for interpolation and the containers (default: .env.production of this repository)
#   FRUITPAK_PROJECT       compose project name (default: fruitpak, as `name:` in the compose file)
#   FRUITPAK_DRY_RUN=1     compose_run prints state-changing commands instead of running them
#
# Backend replicas are addressed by index: 1 is the oldest backend container (running or stopped), 2 the next, ...,
# in the order of compose's container numbers. A stopped replica keeps its index, so
#   compose_stop_replica 2; ...; compose_start_replica 2
# stops and restarts the same container.

FRUITPAK_REPO_ROOT=${FRUITPAK_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FRUITPAK_COMPOSE_FILE=${FRUITPAK_COMPOSE_FILE:-$FRUITPAK_REPO_ROOT/compose/docker-compose.prod.yml}
FRUITPAK_ENV_FILE=${FRUITPAK_ENV_FILE:-$FRUITPAK_REPO_ROOT/.env.production}
FRUITPAK_PROJECT=${FRUITPAK_PROJECT:-fruitpak}
FRUITPAK_DRY_RUN=${FRUITPAK_DRY_RUN:-0}
# The compose file reads FRUITPAK_ENV_FILE for the containers' env_file.
export FRUITPAK_ENV_FILE

# fp_compose ARGS...: `docker compose` for this stack. Runs even in a dry run: use it directly for queries only.
fp_compose() {
    docker compose -p "$FRUITPAK_PROJECT" -f "$FRUITPAK_COMPOSE_FILE" --env-file "$FRUITPAK_ENV_FILE" "$@"
}

# compose_run CMD ARGS...: runs a command that changes something, or prints it in a dry run.
compose_run() {
    if [ "$FRUITPAK_DRY_RUN" = 1 ]; then
        local word line="[dry-run]"
        for word in "$@"; do
            if [ "$word" = fp_compose ]; then
                line+=" docker compose -p $FRUITPAK_PROJECT -f $FRUITPAK_COMPOSE_FILE --env-file $FRUITPAK_ENV_FILE"
            else
                line+=" $(printf '%q' "$word")"
            fi
        done
        printf '%s\n' "$line"
        return 0
    fi
    "$@"
}

# compose_backend_ids: ids of the running backend containers, one a line, oldest first.
compose_backend_ids() {
    compose_backend_containers running | cut -d ' ' -f 2
}

# compose_backend_containers [running|all]: "NUMBER ID" lines of the backend containers, ordered by compose's
# container number (all: stopped ones too).
compose_backend_containers() {
    local which=${1:-all} ids
    if [ "$which" = running ]; then
        ids=$(fp_compose ps -q backend)
    else
        ids=$(fp_compose ps -a -q backend)
    fi
    [ -n "$ids" ] || return 0
    # shellcheck disable=SC2086 # one id a word
    docker inspect --format '{{index .Config.Labels "com.docker.compose.container-number"}} {{.Id}}' $ids | sort -n
}

# compose_replica_id INDEX: id of backend replica INDEX (1-based, see above); fails when there is none.
compose_replica_id() {
    local index=$1 id
    case "$index" in
        '' | *[!0-9]* | 0)
            echo "error: replica index must be 1 or more, not \"$index\"" >&2
            return 2
            ;;
    esac
    id=$(compose_backend_containers all | sed -n "${index}p" | cut -d ' ' -f 2)
    if [ -z "$id" ]; then
        echo "error: there is no backend replica $index (docker compose ps -a backend lists them)" >&2
        return 1
    fi
    printf '%s\n' "$id"
}

# compose_stop_replica INDEX [GRACE_SECONDS]: stops backend replica INDEX the way `docker compose stop` does
# (SIGTERM, in-flight requests finish, SIGKILL after GRACE_SECONDS, default 35) and keeps the container.
compose_stop_replica() {
    local id
    id=$(compose_replica_id "$1") || return
    compose_run docker stop --time "${2:-35}" "$id" || return
    echo "stopped backend replica $1 (${id:0:12})"
}

# compose_start_replica INDEX: starts the stopped backend replica INDEX again.
compose_start_replica() {
    local id
    id=$(compose_replica_id "$1") || return
    compose_run docker start "$id" || return
    echo "started backend replica $1 (${id:0:12})"
}

# compose_wait_ready ID [ATTEMPTS] [DELAY_SECONDS]: waits until the replica in container ID answers
# GET /health/ready with 200, asking from inside the container; fails after ATTEMPTS (default 60) x DELAY (2 s).
compose_wait_ready() {
    local id=$1 attempts=${2:-60} delay=${3:-2} attempt
    local probe=(docker exec "$id" curl -fsS -o /dev/null --max-time 3 http://127.0.0.1:8000/health/ready)
    if [ "$FRUITPAK_DRY_RUN" = 1 ]; then
        printf '[dry-run] wait (up to %s x %ss) until: %s\n' "$attempts" "$delay" "${probe[*]}"
        return 0
    fi
    for ((attempt = 1; attempt <= attempts; attempt++)); do
        if "${probe[@]}" 2>/dev/null; then
            echo "container ${id:0:12} is ready (/health/ready answered 200)"
            return 0
        fi
        sleep "$delay"
    done
    echo "error: container ${id:0:12} did not answer /health/ready with 200 within $((attempts * delay)) s;" \
        "its last log lines:" >&2
    docker logs --tail 20 "$id" >&2 || true
    return 1
}

# compose_reload_balancer: SIGHUP to the balancer (pid 1 of its container), which re-reads its config like
# `nginx -s reload`.
compose_reload_balancer() {
    compose_run fp_compose kill -s HUP balancer
}
