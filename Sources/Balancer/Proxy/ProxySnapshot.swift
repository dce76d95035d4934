import BalancerCore
import NIOCore
import NIOHTTP1

/// Everything a request needs from one configuration, prepared once per load or reload: the router, the upstream
/// groups behind each route, and header values converted to the forms the hot path writes.
///
/// Immutable; a request keeps the snapshot it started with, so a reload never changes a request mid-flight.
final class ProxySnapshot: Sendable {
    let config: BalancerConfig
    let generation: Int
    /// Redirects, virtual hosts, routes and `return` answers.
    let routing: RequestRouting
    let groups: [UpstreamGroup]
    /// `groups` again, unretained, for the pick of every request (`groups` keeps them alive).
    let unretainedGroups: [Unmanaged<UpstreamGroup>]
    /// Route index → what the route does with its requests.
    let routes: [RouteRuntime]
    /// What each listener does with its connections, by configured address (read when a connection is accepted).
    let listeners: [HostPort: ListenerRuntime]
    /// Certificates and TLS contexts of the listeners and upstream groups.
    let tls: EdgeTLS
    /// `response_headers`, in file order.
    let responseHeaders: [(String, String)]
    /// The same, as lines ready to copy into a response head.
    let responseHeaderLines: [EncodedHeaderLine]
    /// All of those lines in one block, for the usual case where the upstream set none of them.
    let responseHeaderBlock: [UInt8]
    let maxBodySize: Int64
    let maxHeaderSize: Int
    /// Per-request limits and retry rules, handed to each request's state machine.
    let requestPolicy: ProxyStateMachine.Policy
    let readTimeout: TimeAmount
    let sendTimeout: TimeAmount
    let connectTimeout: TimeAmount

    /// The DNS lookups the servers written as names were expanded with (see `UpstreamResolution`).
    let resolved: ResolvedAddresses
    /// The rate and connection zones; a zone unchanged by a reload keeps its table (and its clients' state).
    let limitZones: LimitZoneSet
    /// The limits of requests no route takes (a route's own are in `routes`).
    let unroutedLimits: RouteLimits
    /// `real_ip`, when configured.
    let realIP: RealIPResolver?
    /// Listen addresses whose connections start with a PROXY protocol header (read on each accept, so a reload
    /// that switches it applies to the next connection without reopening the socket).
    let proxyProtocolListeners: Set<HostPort>

    /// Builds a snapshot; `reusing` supplies servers from the previous snapshot so their counters carry over.
    /// `resolved` turns each server written as a DNS name into one server per address found, in groups whose
    /// `resolve_interval` is on; a name without addresses stays one server resolved when connecting. `tls` holds
    /// what `EdgeTLS.load` read for `config` (none: no TLS listener or group).
    init(
        config: BalancerConfig,
        generation: Int,
        reusing previous: ProxySnapshot? = nil,
        resolved: ResolvedAddresses = ResolvedAddresses(),
        tls: EdgeTLS = .none
    ) {
        self.config = config
        self.generation = generation
        self.resolved = resolved
        self.tls = tls
        self.routing = RequestRouting(config: config)
        var existing: [ServerKey: UpstreamServer] = [:]
        for group in previous?.groups ?? [] {
            // A group that starts or stops talking TLS starts afresh: its pooled connections speak the old way.
            guard config.upstream(named: group.name)?.tls == group.config.tls else { continue }
            for server in group.servers { existing[ServerKey(group: group.name, server: server.id)] = server }
        }
        let groups = config.upstreams.map { upstream in
            let members = upstream.servers.flatMap { server in
                resolved.ids(of: server.address, in: upstream).map { (server, $0) }
            }
            return UpstreamGroup(
                config: upstream,
                tls: tls.upstreams[upstream.name],
                servers: members.map { server, id in
                    // nginx never ejects a group's only server: there would be nothing to fail over to.
                    let maxFails = members.count == 1 ? 0 : server.maxFails ?? upstream.maxFails
                    let failTimeout = server.failTimeout ?? upstream.failTimeout
                    // Same id and an unchanged line: the same server, which keeps its counters and health. A changed
                    // line starts a new server: weight and backup flag are read lock-free on every pick, so fixed.
                    if let kept = existing[ServerKey(group: upstream.name, server: id)], kept.config == server {
                        // The group's limits or size may have changed even though the server's own line did not.
                        kept.relimit(maxFails: maxFails, failTimeout: failTimeout)
                        return kept
                    }
                    return UpstreamServer(
                        config: server,
                        maxFails: maxFails,
                        failTimeout: failTimeout,
                        resolvedAddress: id.resolvedAddress
                    )
                }
            )
        }
        self.groups = groups
        self.unretainedGroups = groups.map { Unmanaged.passUnretained($0) }
        let httpsPort = config.httpsPort
        self.listeners = Dictionary(
            config.listen.map { listener in
                (
                    listener.address,
                    ListenerRuntime(listener, httpsPort: httpsPort, tls: tls.listeners[listener.address])
                )
            },
            uniquingKeysWith: { first, _ in first })
        self.responseHeaders = config.responseHeaders.map { ($0.name, $0.value) }
        self.responseHeaderLines = config.responseHeaders.map { EncodedHeaderLine(name: $0.name, value: $0.value) }
        self.responseHeaderBlock = responseHeaderLines.flatMap(\.line)
        self.maxBodySize = config.limits.clientMaxBodySize.bytes
        self.maxHeaderSize = Int(config.limits.maxHeaderSize.bytes)
        var timeouts = ProxyStateMachine.Timeouts()
        timeouts.header = .milliseconds(config.limits.clientHeaderTimeout.milliseconds)
        timeouts.keepalive = .milliseconds(config.limits.keepaliveTimeout.milliseconds)
        timeouts.body = .milliseconds(config.limits.clientBodyTimeout.milliseconds)
        timeouts.send = .milliseconds(config.limits.sendTimeout.milliseconds)
        timeouts.tunnelIdle = .milliseconds(config.proxy.websocketIdleTimeout.milliseconds)
        self.requestPolicy = ProxyStateMachine.Policy(
            maxBodySize: config.limits.clientMaxBodySize.bytes,
            tries: max(1, config.proxy.nextUpstreamTries),
            nextUpstream: config.proxy.nextUpstream.contains(.off) ? [] : config.proxy.nextUpstream,
            nextUpstreamTimeout: config.proxy.nextUpstreamTimeout.nanoseconds,
            timeouts: timeouts
        )
        let limitZones = LimitZoneSet(config: config, previous: previous?.limitZones)
        self.limitZones = limitZones
        self.routes = config.routes.enumerated().map { index, route in
            let gzip = config.gzip.flatMap { gzip in gzip.proxied && route.gzip && route.upstream != nil ? gzip : nil }
            return RouteRuntime(
                groupIndex: groups.firstIndex { $0.name == route.upstream } ?? 0,
                cache: route.cacheStatic.map(StaticCachePolicy.init),
                files: route.staticFiles.map { StaticRoute(index: index, route: route, config: $0, gzip: config.gzip) },
                gzip: gzip,
                edits: route.requestHeaders.map(RequestHeaderRewrite.init),
                limits: limitZones.limits(for: route, in: config)
            )
        }
        self.unroutedLimits = limitZones.limits(for: nil, in: config)
        self.realIP = config.realIP.map(RealIPResolver.init)
        self.proxyProtocolListeners = Set(config.listen.filter(\.proxyProtocol).map(\.address))
        self.readTimeout = .milliseconds(config.proxy.readTimeout.milliseconds)
        self.sendTimeout = .milliseconds(config.proxy.sendTimeout.milliseconds)
        self.connectTimeout = .milliseconds(config.proxy.connectTimeout.milliseconds)
    }
}
