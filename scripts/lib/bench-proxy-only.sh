#!/usr/bin/env bash
# The "proxy-only" backends of scripts/bench.sh and the proxies in front of them.
#
# The backends are one nginx (not measured) with three server blocks on three ports, each answering `return 200`
# on kept-alive connections, so a request costs them almost nothing and the proxy is what is measured. Each proxy
# is a least-conn balancer with upstream keep-alive that adds two response headers (X-Frame-Options,
# X-Content-Type-Options) and sets the same forwarded headers upstream as the balancer always does.
#
# The "edge" variant of the same configs, for the memory and transfer sections, adds routes to the replicas'
# WebSocket echo (/api/ws), to a sink that discards uploads (/upload) and to the origin's 1 GiB file (/big/),
# raises the connection limits to hold the idle connections, lifts the body-size limit and has nginx stream both
# ways (proxy_request_buffering off, proxy_buffering off).
#
# Sourced by scripts/bench.sh; uses BACKEND_PORTS, REPLICA_PORTS, SINK_PORT, ORIGIN_PORT, WORK_DIR and the
# access-log helpers of scripts/lib/bench-proxies.sh.

# po_write_backends: the backends' nginx config, WORK_DIR/backends.conf.
po_write_backends() {
    local port servers=""
    for port in "${BACKEND_PORTS[@]}"; do
        servers+="    server { listen 127.0.0.1:$port; location / { return 200 'ok'; } }"$'\n'
    done
    cat >"$WORK_DIR/backends.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK_DIR/backends.pid;
error_log $WORK_DIR/backends-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $WORK_DIR/nginx-temp/backends-body;
    proxy_temp_path $WORK_DIR/nginx-temp/backends-proxy;
    fastcgi_temp_path $WORK_DIR/nginx-temp/backends-fastcgi;
    uwsgi_temp_path $WORK_DIR/nginx-temp/backends-uwsgi;
    scgi_temp_path $WORK_DIR/nginx-temp/backends-scgi;
$servers}
EOF
}

# po_servers_yaml PORT...: a YAML flow list of 127.0.0.1:PORT.
po_servers_yaml() {
    local port list=""
    for port in "$@"; do list+="${list:+, }127.0.0.1:$port"; done
    echo "[$list]"
}

# po_write_configs PREFIX WORKERS BALANCER_PORT ADMIN_PORT NGINX_PORT HAPROXY_PORT [edge [MAX_CONNECTIONS]]: writes
# WORK_DIR/PREFIX-balancer.yaml, PREFIX-nginx.conf and PREFIX-haproxy.cfg, for the proxies named PREFIX-balancer,
# PREFIX-nginx and PREFIX-haproxy by start_proxy.
po_write_configs() {
    local prefix=$1 workers=$2 balancer_port=$3 admin_port=$4 nginx_port=$5 haproxy_port=$6 edge=${7:-} max=${8:-4096}
    local port nginx_servers="" haproxy_servers="" i=0 nginx_edge="" haproxy_edge="" balancer_edge_upstreams=""
    local balancer_edge_routes="" balancer_limits="" haproxy_edge_backends="" nginx_edge_upstreams="" maxconn=8192
    for port in "${BACKEND_PORTS[@]}"; do
        i=$((i + 1))
        nginx_servers+="        server 127.0.0.1:$port;"$'\n'
        haproxy_servers+="    server backend-$i 127.0.0.1:$port"$'\n'
    done
    # shellcheck disable=SC2016 # nginx variables, not the shell's
    local forwarded='proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Request-ID $request_id;'
    if [ "$edge" = edge ]; then
        maxconn=$((max + 512))
        balancer_limits="limits:
  max_connections: $max
  client_max_body_size: 0"
        balancer_edge_upstreams="  replicas:
    balance: least_conn
    keepalive: 64
    servers: $(po_servers_yaml "${REPLICA_PORTS[@]}")
  sink:
    keepalive: 64
    servers: [127.0.0.1:$SINK_PORT]
  origin:
    keepalive: 64
    servers: [127.0.0.1:$ORIGIN_PORT]"
        balancer_edge_routes="  - prefix: /api/ws
    upstream: replicas
  - prefix: /upload
    upstream: sink
  - prefix: /big/
    upstream: origin"
        # A location's proxy_set_header replaces the server's, so the WebSocket location repeats them.
        # shellcheck disable=SC2016 # nginx variables, not the shell's
        nginx_edge="        location /api/ws {
            proxy_pass http://replicas;
            $forwarded
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \"upgrade\";
            proxy_read_timeout 1h;
        }
        location /upload {
            proxy_pass http://sink;
            client_max_body_size 0;
            proxy_request_buffering off;
            proxy_buffering off;
        }
        location /big/ {
            proxy_pass http://origin;
            proxy_request_buffering off;
            proxy_buffering off;
        }"
        nginx_edge_upstreams="    upstream replicas {
        least_conn;
$(for port in "${REPLICA_PORTS[@]}"; do echo "        server 127.0.0.1:$port;"; done)
    }
    upstream sink {
        server 127.0.0.1:$SINK_PORT;
        keepalive 64;
    }
    upstream origin {
        server 127.0.0.1:$ORIGIN_PORT;
        keepalive 64;
    }"
        haproxy_edge="    use_backend replicas if { path_beg /api/ws }
    use_backend sink if { path_beg /upload }
    use_backend origin if { path_beg /big/ }"
        haproxy_edge_backends="
backend replicas
    balance leastconn
    timeout tunnel 1h
$(i=0; for port in "${REPLICA_PORTS[@]}"; do i=$((i + 1)); echo "    server replica-$i 127.0.0.1:$port"; done)

backend sink
    http-reuse always
    server sink 127.0.0.1:$SINK_PORT

backend origin
    http-reuse always
    server origin 127.0.0.1:$ORIGIN_PORT"
    fi

    cat >"$WORK_DIR/$prefix-balancer.yaml" <<EOF
listen: [127.0.0.1:$balancer_port]
admin:
  listen: 127.0.0.1:$admin_port
workers: $workers
$(balancer_access_log "$prefix-balancer")
$balancer_limits
response_headers:
  X-Frame-Options: SAMEORIGIN
  X-Content-Type-Options: nosniff
upstreams:
  backends:
    balance: least_conn
    keepalive: 64
    servers: $(po_servers_yaml "${BACKEND_PORTS[@]}")
$balancer_edge_upstreams
routes:
  - prefix: /
    upstream: backends
$balancer_edge_routes
EOF

    cat >"$WORK_DIR/$prefix-nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $WORK_DIR/$prefix-nginx.pid;
error_log $WORK_DIR/$prefix-nginx-error.log warn;
events {
    worker_connections $((max + 1024));
}
http {
    $(nginx_access_log "$prefix-nginx")
    client_body_temp_path $WORK_DIR/nginx-temp/$prefix-body;
    proxy_temp_path $WORK_DIR/nginx-temp/$prefix-proxy;
    fastcgi_temp_path $WORK_DIR/nginx-temp/$prefix-fastcgi;
    uwsgi_temp_path $WORK_DIR/nginx-temp/$prefix-uwsgi;
    scgi_temp_path $WORK_DIR/nginx-temp/$prefix-scgi;
    upstream backends {
        least_conn;
$nginx_servers        keepalive 64;
    }
$nginx_edge_upstreams
    server {
        listen 127.0.0.1:$nginx_port;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        $forwarded
        add_header X-Frame-Options SAMEORIGIN always;
        add_header X-Content-Type-Options nosniff always;
        location / {
            proxy_pass http://backends;
        }
$nginx_edge
    }
}
EOF

    cat >"$WORK_DIR/$prefix-haproxy.cfg" <<EOF
$(haproxy_preamble "$workers" "$maxconn")

frontend proxy
    bind 127.0.0.1:$haproxy_port
$(haproxy_forwarded_headers)
    http-response set-header X-Frame-Options SAMEORIGIN
    http-response set-header X-Content-Type-Options nosniff
$haproxy_edge
    default_backend backends

backend backends
    balance leastconn
    http-reuse always
$haproxy_servers$haproxy_edge_backends
EOF
}

# po_start PREFIX BALANCER_PORT NGINX_PORT HAPROXY_PORT: starts the three proxies of po_write_configs.
po_start() {
    start_proxy "$1-balancer" balancer "$WORK_DIR/$1-balancer.yaml" "$2"
    start_proxy "$1-nginx" nginx "$WORK_DIR/$1-nginx.conf" "$3"
    start_proxy "$1-haproxy" haproxy "$WORK_DIR/$1-haproxy.cfg" "$4"
}
