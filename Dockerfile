# syntax=docker/dockerfile:1
#
# Both executables of the FruitPAK front door from one file, as two named targets:
#
#   docker build --target balancer       -t fruitpak/balancer .
#   docker build --target health-service -t fruitpak/health-service .
#
# compose/docker-compose.prod.yml builds both; docs/deployment.md walks through a deployment.
#
# Swift 6.3.1 is the supported version: the project is developed and tested with it, and the image builds with
# the same release so that what runs in production is what the tests ran. The official images are tagged
# MAJOR.MINOR.PATCH-CODENAME (6.3.1-noble). Older toolchains are not supported: the resolved versions of
# Hummingbird, swift-log, swift-collections and others declare swift-tools-version 6.2, so anything before 6.2
# cannot even load them, and 6.2 itself is untested.
ARG SWIFT_VERSION=6.3.1
ARG UBUNTU_CODENAME=noble

# ---------------------------------------------------------------------------------------------------------------
# toolchain: Swift plus the C libraries' headers. compose/docker-compose.yml (development) runs the sources from a
# mount on top of this stage.
FROM swift:${SWIFT_VERSION}-${UBUNTU_CODENAME} AS toolchain

# The distribution is pinned by the base image tag; package versions are left to it, so a rebuild picks up the
# distribution's security updates instead of failing when a pinned version leaves the archive.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libhiredis-dev libjemalloc-dev libcap2-bin \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# ---------------------------------------------------------------------------------------------------------------
# build: both products in release mode, with the Swift runtime linked in statically (--static-swift-stdlib), so
# the runtime image needs no Swift toolchain, only the C libraries the replicas talk to PostgreSQL and Redis with.
FROM toolchain AS build
# Package.resolved, when the checkout has one, pins the dependency versions the build resolves to; the pattern
# matches nothing (and copies nothing) when it is absent.
COPY Package.swift Package.resolve[d] ./
COPY Sources ./Sources
# The manifest names the test targets too, so their folders must exist for it to load (they are not built).
COPY Tests ./Tests

# The cache mount keeps downloaded dependencies and object files between builds; the binaries are copied out of it
# in the same step.
#
# Why a file capability for the balancer: it listens on port 80 but runs as the unprivileged user `fruitpak`.
# `setcap cap_net_bind_service=+ep` lets exactly this binary bind ports below 1024 under any container runtime,
# without host or pod settings. The alternative, the sysctl net.ipv4.ip_unprivileged_port_start=0, opens low ports
# to every process in the container's network namespace and must be set outside the image: compose can set it per
# service (`sysctls:`), Kubernetes only as a pod-level sysctl.
#
# The capability is marked effective (+ep), and for such a binary Linux checks at execve that every capability
# the file asks for is in the process's bounding set: where it is not, the binary does not start at all
# ("Operation not permitted", exit 126). Every container and pod that drops ALL capabilities must therefore add
# NET_BIND_SERVICE back, even one that listens on a high port. scripts/check-deploy.sh runs the built binary under
# each container's and pod's capability settings to keep it so.
#
# -enforce-exclusivity=unchecked for every module, as in scripts/lib/swift-release.sh (why and what it buys: there).
RUN --mount=type=cache,target=/src/.build \
    swift build -c release -Xswiftc -enforce-exclusivity=unchecked --static-swift-stdlib \
    && bin_path="$(swift build -c release -Xswiftc -enforce-exclusivity=unchecked --static-swift-stdlib \
        --show-bin-path)" \
    && mkdir -p /out \
    && cp "$bin_path/balancer" "$bin_path/health-service" /out/ \
    && setcap cap_net_bind_service=+ep /out/balancer

# ---------------------------------------------------------------------------------------------------------------
# runtime: what both executables need at run time and nothing more. libpq5 and libhiredis are the health-service's
# readiness checks; libssl and zlib are what libpq links; libjemalloc2 is the balancer's allocator; curl is for the
# HEALTHCHECKs.
FROM ubuntu:${UBUNTU_CODENAME} AS runtime

# Same reasoning as in the build stage: the base image tag pins the distribution.
# The image's default user `ubuntu` holds uid 1000; it makes way for `fruitpak` (uid/gid 1000), which owns nothing
# in the image: the executables and configs stay root-owned and read-only to it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates curl libhiredis1.1.0 libjemalloc2 libpq5 libssl3t64 zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && (userdel --remove ubuntu 2>/dev/null || true) \
    && groupadd --gid 1000 fruitpak \
    && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin fruitpak

WORKDIR /srv
USER 1000:1000

# ---------------------------------------------------------------------------------------------------------------
# balancer: `docker run IMAGE` serves /etc/balancer/balancer.yaml (mount your config there);
# `docker run IMAGE check --config /etc/balancer/balancer.yaml` validates one like `nginx -t`.
FROM runtime AS balancer
COPY --from=build /out/balancer /usr/local/bin/balancer
COPY config/balancer.yaml /etc/balancer/balancer.yaml
# The web app's files, served by the balancer's static route (root: /srv/web), as an image layer rather than a
# volume: an app release is then one immutable, versioned image, rolled out and back with the binary, identical in
# compose and Kubernetes, with nothing to provision beside it; the layer is last, so an app-only change rebuilds
# only it. Root-owned, readable by the unprivileged user. Replace compose/web with the app's build output (a build
# stage of its own when the app is built here).
COPY compose/web /srv/web
EXPOSE 80
# Any HTTP answer proves the balancer is up, a 502 or 503 from an empty upstream group included: whether the
# backends are healthy is their own health check's business. Override the URL when the config listens elsewhere.
ENV BALANCER_HEALTHCHECK_URL=http://127.0.0.1:80/health
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -sS -o /dev/null --max-time 4 \"$BALANCER_HEALTHCHECK_URL\" || exit 1"]
# SIGHUP (docker kill -s HUP) reloads the config; SIGTERM drains in-flight requests for shutdown_timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/balancer"]
CMD ["serve", "--config", "/etc/balancer/balancer.yaml"]

# ---------------------------------------------------------------------------------------------------------------
# health-service: one backend replica, configured by environment (PORT, HOST, INSTANCE_ID, ENVIRONMENT,
# SERVICE_NAME, DATABASE_URL, REDIS_URL, READY_TIMEOUT, LOG_LEVEL). INSTANCE_ID defaults to the host name, which
# is the container id under Docker and the pod name under Kubernetes.
FROM runtime AS health-service
COPY --from=build /out/health-service /usr/local/bin/health-service
ENV PORT=8000 \
    HOST=0.0.0.0
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null --max-time 4 \"http://127.0.0.1:${PORT}/health\" || exit 1"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/health-service"]
