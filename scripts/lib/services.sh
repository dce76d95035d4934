#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers on free loopback ports, shared by scripts/test.sh and scripts/run-local.sh.
#
# Everything a server needs lives under one state directory:
#   STATE/postgres/{data,socket,port,password,user,log}   STATE/redis/{port,pid,log}
# so `services-ctl.sh STATE stop|start postgres|redis` can stop and restart them (the tests do) and
# `services_stop_all STATE` can clean up after a run that was killed.

# Prints a free TCP port on 127.0.0.1 (asks the kernel by binding port 0).
services_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Prints the directory holding initdb/pg_ctl: PATH first, then the newest /usr/lib/postgresql/*/bin.
services_pg_bindir() {
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/pg_ctl" ]; then
        echo "error: initdb/pg_ctl not found; install postgresql (bash scripts/install-deps.sh)." >&2
        return 1
    fi
    echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run it as `postgres` (created by Debian's package), else as a
# system user created here. Prints the user name.
services_pg_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    else
        id frontdoor-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin frontdoor-pg
        echo frontdoor-pg
    fi
}

# Runs a command as the PostgreSQL user (directly when that is the current user).
services_as_pg_user() {
    local user=$1
    shift
    if [ "$(id -un)" = "$user" ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u "$user" -- "$@"
    else
        su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
    fi
}

# services_init_postgres STATE: creates a cluster with a random superuser password, password auth over TCP.
services_init_postgres() {
    local state=$1 bindir user password
    bindir=$(services_pg_bindir)
    user=$(services_pg_user)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    mkdir -p "$state/postgres/socket"
    chmod 755 "$state" "$state/postgres"
    printf '%s\n' "$password" >"$state/postgres/password"
    printf '%s\n' "$user" >"$state/postgres/user"
    services_free_port >"$state/postgres/port"
    chown -R "$user" "$state/postgres"
    chmod 700 "$state/postgres/socket"
    services_as_pg_user "$user" "$bindir/initdb" -D "$state/postgres/data" -U postgres -E UTF8 \
        --auth-host=scram-sha-256 --auth-local=trust --pwfile="$state/postgres/password" --no-sync \
        >"$state/postgres/initdb.log" 2>&1 || {
        cat "$state/postgres/initdb.log" >&2
        echo "error: initdb failed (log above)." >&2
        return 1
    }
}

# services_start_postgres STATE: starts the cluster on its port and waits until it accepts connections;
# does nothing when it already runs.
services_start_postgres() {
    local state=$1 bindir user port
    bindir=$(services_pg_bindir)
    user=$(cat "$state/postgres/user")
    port=$(cat "$state/postgres/port")
    if services_as_pg_user "$user" "$bindir/pg_ctl" -D "$state/postgres/data" status >/dev/null 2>&1; then
        return 0
    fi
    services_as_pg_user "$user" "$bindir/pg_ctl" -D "$state/postgres/data" -l "$state/postgres/log" -w -t 60 \
        -o "-p $port -k $state/postgres/socket -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || {
        tail -n 20 "$state/postgres/log" >&2
        echo "error: PostgreSQL did not start (log above)." >&2
        return 1
    }
}

# services_stop_postgres STATE: fast shutdown (disconnects clients), waits until stopped; quiet if not running.
services_stop_postgres() {
    local state=$1 bindir user
    [ -f "$state/postgres/data/postmaster.pid" ] || return 0
    bindir=$(services_pg_bindir)
    user=$(cat "$state/postgres/user")
    services_as_pg_user "$user" "$bindir/pg_ctl" -D "$state/postgres/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# Prints postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres for the cluster in STATE.
services_postgres_url() {
    local state=$1
    echo "postgresql://postgres:$(cat "$state/postgres/password")@127.0.0.1:$(cat "$state/postgres/port")/postgres"
}

# services_start_redis STATE: starts Redis on its port (picked on first start) and waits until it answers PING;
# does nothing when it already runs.
services_start_redis() {
    local state=$1 port
    if [ -f "$state/redis/pid" ] && kill -0 "$(cat "$state/redis/pid")" 2>/dev/null; then
        return 0
    fi
    mkdir -p "$state/redis"
    [ -f "$state/redis/port" ] || services_free_port >"$state/redis/port"
    port=$(cat "$state/redis/port")
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --pidfile "$state/redis/pid" \
        --logfile "$state/redis/log" --dir "$state/redis" --save "" --appendonly no >/dev/null
    local i
    for i in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$state/redis/log" >&2
    echo "error: Redis did not answer PING on port $port within 10 s (log above)." >&2
    return 1
}

# services_stop_redis STATE: stops Redis and waits until its process is gone; quiet if not running.
services_stop_redis() {
    local state=$1 pid i
    [ -f "$state/redis/pid" ] || return 0
    pid=$(cat "$state/redis/pid")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$state/redis/pid"
    : "$i"
}

# Prints redis://127.0.0.1:PORT/0 for the server in STATE.
services_redis_url() {
    echo "redis://127.0.0.1:$(cat "$1/redis/port")/0"
}

# services_start_all STATE: fresh PostgreSQL cluster and Redis under STATE (created if needed).
services_start_all() {
    local state=$1
    mkdir -p "$state"
    services_init_postgres "$state"
    services_start_postgres "$state"
    services_start_redis "$state"
}

# services_stop_all STATE: stops whatever of the two servers runs under STATE.
services_stop_all() {
    local state=$1
    [ -d "$state" ] || return 0
    services_stop_redis "$state"
    services_stop_postgres "$state"
}
