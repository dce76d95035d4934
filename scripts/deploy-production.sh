#!/usr/bin/env bash
# Deploys the production compose stack (compose/docker-compose.prod.yml) on this host without dropping requests:
#
#   1. pre-flight: docker and `docker compose` present, the env file complete (every variable of
#      .env.production.example set, none a placeholder), the compose file valid
#   2. build the balancer and health-service images (the previous ones stay tagged :previous for a rollback)
#   3. `balancer check` of the mounted config inside the new balancer image, like `nginx -t`
#   4. gzipped pg_dump of the database to backups/, keeping the newest N
#   5. rolling update of the backend replicas, one at a time: start a new replica, wait for its /health/ready,
#      reload the balancer, stop and remove an old replica, reload again
#   6. verification through the front door, and the balancer's status report
#
# On any failure it stops and prints how to roll back. --dry-run prints every command that would change something
# instead of running it (queries such as `docker compose ps` still run). Without docker, its compose plugin or a
# running engine, --dry-run still prints the plan, that of a first deploy, since nothing can be asked what runs.
#
#   usage: bash scripts/deploy-production.sh [--dry-run] [--env-file FILE] [--compose-file FILE]
#                                             [--keep-backups N] [--replicas N] [--skip-build]
set -Eeuo pipefail

usage() {
    cat <<'EOF'
usage: bash scripts/deploy-production.sh [options]

  --dry-run            print the commands that would change something instead of running them
  --env-file FILE      environment of the stack (default: .env.production)
  --compose-file FILE  compose file (default: compose/docker-compose.prod.yml)
  --keep-backups N     database backups to keep in backups/ (default: 7)
  --replicas N         backend replicas to run (default: BACKEND_REPLICAS from the env file, else 3)
  --skip-build         deploy the images as tagged now (e.g. after re-tagging :previous for a rollback)
  -h, --help           this text
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

dry_run=0
env_file=.env.production
compose_file=compose/docker-compose.prod.yml
keep_backups=7
replicas=
skip_build=0
example_file=.env.production.example

while [ "$#" -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=1 ;;
        --env-file | --compose-file | --keep-backups | --replicas)
            if [ "$#" -lt 2 ]; then
                echo "error: $1 needs a value" >&2
                exit 2
            fi
            case "$1" in
                --env-file) env_file=$2 ;;
                --compose-file) compose_file=$2 ;;
                --keep-backups) keep_backups=$2 ;;
                --replicas) replicas=$2 ;;
            esac
            shift
            ;;
        --skip-build) skip_build=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "error: unknown argument $1" >&2
            usage >&2
            exit 2
            ;;
    esac
    shift
done

is_count() { case "$1" in '' | *[!0-9]*) return 1 ;; *) [ "$1" -ge "$2" ] ;; esac }
is_count "$keep_backups" 1 || { echo "error: --keep-backups must be a whole number of at least 1" >&2; exit 2; }

absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$repo_root/$1" ;; esac }
FRUITPAK_ENV_FILE=$(absolute "$env_file")
FRUITPAK_COMPOSE_FILE=$(absolute "$compose_file")
FRUITPAK_DRY_RUN=$dry_run
export FRUITPAK_ENV_FILE FRUITPAK_COMPOSE_FILE FRUITPAK_DRY_RUN
# shellcheck source=scripts/lib/compose.sh
source scripts/lib/compose.sh

step() { printf '\n==> %s\n' "$*"; }

backup_file=
phase=pre-flight
image_prefix=fruitpak
image_tag=latest
# rollback_help STATUS: what failed and how to get back to the previous release.
rollback_help() {
    local status=$1
    cat >&2 <<EOF

deploy-production: FAILED during ${phase} (exit status ${status}). Nothing after that step ran.

What is running now:  docker compose -p ${FRUITPAK_PROJECT} -f ${compose_file} ps
Why it failed:        the output above; docker compose -p ${FRUITPAK_PROJECT} -f ${compose_file} logs --tail 50 backend balancer

To roll back:
  - Failed before the rolling update: the running stack was not touched; fix the problem and run again.
  - Failed during or after the rolling update: the replicas still running serve requests, old and new alike.
    Go back to the previous images, one replica at a time as before:
      docker image tag ${image_prefix}/health-service:previous ${image_prefix}/health-service:${image_tag}
      docker image tag ${image_prefix}/balancer:previous ${image_prefix}/balancer:${image_tag}
      bash scripts/deploy-production.sh --skip-build --env-file ${env_file} --compose-file ${compose_file}
    or check out the previous release of this repository and run the script again.
EOF
    if [ -n "$backup_file" ]; then
        cat >&2 <<EOF
  - Only if the database must go back too (this deploy changed no schema by itself):
      gunzip -c ${backup_file} | docker compose -p ${FRUITPAK_PROJECT} -f ${compose_file} --env-file ${env_file} \\
          exec -T db sh -c 'psql -v ON_ERROR_STOP=1 -U "\$POSTGRES_USER" -d "\$POSTGRES_DB"'
    (restore into an empty database: drop and recreate it first, with the backends stopped)
EOF
    fi
}
on_error() {
    local status=$?
    # errtrace (set -E) hands this trap to subshells too; only the script itself reports.
    [ "$BASHPID" = "$$" ] || exit "$status"
    trap - ERR
    rollback_help "$status"
    exit "$status"
}
die() {
    echo "error: $*" >&2
    trap - ERR
    rollback_help 1
    exit 1
}
trap on_error ERR

[ "$dry_run" = 1 ] && echo "deploy-production: dry run; commands that change something are printed, not run."

# ---------------------------------------------------------------------------------------------------------------
step "Pre-flight checks"
docker_problem=
if ! command -v docker >/dev/null; then
    docker_problem="docker is not installed (https://docs.docker.com/engine/install/)"
elif ! docker compose version >/dev/null 2>&1; then
    docker_problem="the compose plugin is missing: \`docker compose version\` fails (install docker-compose-plugin)"
elif ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    docker_problem="the Docker engine does not answer (is it running, and may this user use it?)"
fi
if [ -n "$docker_problem" ]; then
    [ "$dry_run" = 1 ] || die "$docker_problem"
    # A dry run is for reading the plan, often on a machine other than the server: say what is missing and go
    # on with queries that answer "nothing runs", so the plan printed is that of a first deploy.
    echo "note: $docker_problem."
    echo "note: so this dry run cannot ask docker what runs, nor validate $compose_file: the plan below is that of"
    echo "      a first deploy; with replicas running, they are replaced one at a time instead (docs/deployment.md)."
    fp_compose() { return 0; }
    docker() { return 1; }
fi
[ -f "$FRUITPAK_COMPOSE_FILE" ] || die "compose file $compose_file not found"
[ -f "$FRUITPAK_ENV_FILE" ] ||
    die "$env_file not found; create it with: cp $example_file $env_file, then fill it in"
[ -f "$example_file" ] || die "$example_file not found: it lists the variables the stack needs"

# KEY=value lines only; the file is read, never sourced.
env_value() { sed -n "s/^$1=//p" "$FRUITPAK_ENV_FILE" | tail -n 1; }
missing=()
while IFS= read -r name; do
    value=$(env_value "$name")
    if [ -z "$value" ]; then
        missing+=("$name (missing or empty)")
    elif [[ "$value" == *change-me* ]]; then
        missing+=("$name (still the placeholder from $example_file)")
    fi
done < <(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$example_file" | sort -u)
if [ "${#missing[@]}" -gt 0 ]; then
    printf '  %s\n' "${missing[@]}" >&2
    die "$env_file is incomplete (above); every variable of $example_file needs a real value"
fi
if grep -q '^INSTANCE_ID=' "$FRUITPAK_ENV_FILE"; then
    die "$env_file sets INSTANCE_ID: every replica would report the same id; remove it (the container name is used)"
fi

image_prefix=$(env_value FRUITPAK_IMAGE_PREFIX)
image_prefix=${FRUITPAK_IMAGE_PREFIX:-${image_prefix:-fruitpak}}
image_tag=$(env_value FRUITPAK_IMAGE_TAG)
image_tag=${FRUITPAK_IMAGE_TAG:-${image_tag:-latest}}
if [ -z "$replicas" ]; then
    replicas=$(env_value BACKEND_REPLICAS)
    replicas=${replicas:-3}
fi
is_count "$replicas" 1 || die "the number of backend replicas must be a whole number of at least 1, not \"$replicas\""

fp_compose config -q || die "$compose_file is not valid with $env_file (docker compose config says why, above)"
if [ -n "$docker_problem" ]; then
    echo "$env_file is complete; target: $replicas backend replicas"
else
    echo "docker, docker compose, $env_file and $compose_file are fine; target: $replicas backend replicas"
fi

# ---------------------------------------------------------------------------------------------------------------
phase="the image build"
if [ "$skip_build" = 1 ]; then
    step "Images: using ${image_prefix}/health-service:${image_tag} and ${image_prefix}/balancer:${image_tag} as tagged"
else
    step "Building images (the current ones are kept as :previous)"
    for image in health-service balancer; do
        if docker image inspect "${image_prefix}/${image}:${image_tag}" >/dev/null 2>&1; then
            compose_run docker image tag "${image_prefix}/${image}:${image_tag}" "${image_prefix}/${image}:previous"
        fi
    done
    compose_run fp_compose build backend balancer
fi

# ---------------------------------------------------------------------------------------------------------------
phase="the balancer config check"
step "Checking the balancer config inside the balancer image (like nginx -t)"
compose_run fp_compose run --rm --no-deps balancer check --config /etc/balancer/balancer.yaml

# ---------------------------------------------------------------------------------------------------------------
phase="the database backup"
step "Backing up the database"
if [ -n "$(fp_compose ps -q db)" ]; then
    backup_file="backups/fruitpak_$(date +%Y%m%d_%H%M%S).sql.gz"
    compose_run mkdir -p backups
    if [ "$dry_run" = 1 ]; then
        echo "[dry-run] docker compose ... exec -T db sh -c 'pg_dump -U \"\$POSTGRES_USER\" \"\$POSTGRES_DB\"'" \
            "| gzip > $backup_file"
    else
        # Written under a temporary name and renamed once complete, so backups/ never holds a truncated dump.
        # The variables expand inside the db container, which has them from the env file.
        # shellcheck disable=SC2016
        fp_compose exec -T db sh -c 'pg_dump --no-owner -U "$POSTGRES_USER" "$POSTGRES_DB"' |
            gzip >"$backup_file.partial"
        gzip -t "$backup_file.partial"
        mv "$backup_file.partial" "$backup_file"
        echo "wrote $backup_file ($(du -h "$backup_file" | cut -f 1))"
    fi
    # Newest first by name (the names sort by time); everything after the first N goes.
    old_backups=()
    while IFS= read -r old; do
        [ -n "$old" ] && old_backups+=("$old")
    done < <(if [ -d backups ]; then
        find backups -maxdepth 1 -name 'fruitpak_*.sql.gz' | sort -r | tail -n +"$((keep_backups + 1))"
    fi)
    if [ "${#old_backups[@]}" -gt 0 ]; then
        compose_run rm -f -- "${old_backups[@]}"
    fi
    echo "keeping the newest $keep_backups backups in backups/"
else
    echo "no database container runs yet (first deploy): nothing to back up"
fi

# ---------------------------------------------------------------------------------------------------------------
phase="the rolling update"
mapfile -t old_ids < <(compose_backend_ids)
if [ "${#old_ids[@]}" -eq 0 ]; then
    step "First deploy: starting the whole stack with $replicas backend replicas"
    compose_run fp_compose up -d --scale "backend=$replicas"
    mapfile -t new_ids < <(compose_backend_ids)
    for id in "${new_ids[@]}"; do
        compose_wait_ready "$id"
    done
    compose_reload_balancer
else
    step "Rolling update of ${#old_ids[@]} backend replicas, one at a time"
    # Data services first: compose starts what is missing and recreates only what changed. (The web app's files
    # ship inside the balancer image.)
    compose_run fp_compose up -d --no-deps db redis
    replica=0
    for old_id in "${old_ids[@]}"; do
        replica=$((replica + 1))
        echo "-- replica $replica of ${#old_ids[@]}: replacing ${old_id:0:12}"
        mapfile -t before < <(compose_backend_ids)
        # --no-recreate: the running replicas stay as they are; only the one added runs the new image.
        compose_run fp_compose up -d --no-deps --scale "backend=$((${#before[@]} + 1))" --no-recreate backend
        new_id=
        if [ "$dry_run" = 1 ]; then
            new_id=NEW_BACKEND_CONTAINER_$replica
        else
            for id in $(compose_backend_ids); do
                if ! printf '%s\n' "${before[@]}" | grep -qxF "$id"; then
                    new_id=$id
                fi
            done
            [ -n "$new_id" ] || die "no new backend container appeared after scaling up"
        fi
        compose_wait_ready "$new_id"
        # The balancer picks up the new replica's address, then stops sending new requests to the old one.
        compose_reload_balancer
        # SIGTERM: the old replica finishes the requests it has (up to 30 s) and exits.
        compose_run docker stop --time 35 "$old_id"
        compose_run docker rm "$old_id"
        compose_reload_balancer
    done
    if [ "$replicas" -ne "${#old_ids[@]}" ]; then
        step "Scaling the backend from ${#old_ids[@]} to $replicas replicas"
        mapfile -t before < <(compose_backend_ids)
        compose_run fp_compose up -d --no-deps --no-recreate --scale "backend=$replicas" backend
        for id in $(compose_backend_ids); do
            if ! printf '%s\n' "${before[@]}" | grep -qxF "$id"; then
                compose_wait_ready "$id"
            fi
        done
        compose_reload_balancer
    fi
    step "Balancer: recreated only if its image or settings changed (a config edit alone was applied by the reload)"
    compose_run fp_compose up -d --no-deps balancer
fi

# ---------------------------------------------------------------------------------------------------------------
phase="the verification"
step "Verifying through the front door"
if [ "$dry_run" = 1 ]; then
    echo "[dry-run] wait (up to 30 x 2s) until: curl -fsS -k https://localhost/health"
else
    verified=0
    for ((attempt = 1; attempt <= 30; attempt++)); do
        # HTTPS, as clients come (port 80 only redirects); -k because the certificate names the public host,
        # not localhost: this checks the path through the balancer, not the certificate (balancer check did).
        if curl -fsS -k --max-time 5 https://localhost/health; then
            echo
            verified=1
            break
        fi
        sleep 2
    done
    [ "$verified" = 1 ] || die "https://localhost/health did not answer 200 through the balancer within 60 s"
fi

step "Balancer status (http://127.0.0.1:9090/status.json inside the balancer container)"
if [ "$dry_run" = 1 ]; then
    compose_run fp_compose exec -T balancer curl -fsS --max-time 5 http://127.0.0.1:9090/status.json
elif ! fp_compose exec -T balancer curl -fsS --max-time 5 http://127.0.0.1:9090/status.json; then
    echo "note: the balancer's status report did not answer inside its container (does admin.listen in" \
        "config/balancer.yaml still say 127.0.0.1:9090?); docker compose logs balancer shows which servers are up."
fi
echo
fp_compose ps

step "Deployed: $replicas backend replicas behind the balancer on port 80"
