import BalancerCore
import Logging
import NIOCore
import Shared

/// The re-resolution of one upstream group: looks up every server written as a DNS name, and reports the
/// group's address table when any name's set changed.
///
/// An actor because one round runs at a time per group and keeps its trackers between rounds.
actor GroupResolution {
    let group: String
    let interval: NginxDuration
    /// The servers written as names (IP literals need no lookup), in config order.
    let names: [HostPort]
    private let resolver: any UpstreamNameResolver
    private let logger: Logger
    private var trackers: [HostPort: ResolutionTracker] = [:]

    init(upstream: UpstreamConfig, resolver: any UpstreamNameResolver, logger: Logger) {
        self.group = upstream.name
        self.interval = upstream.resolveInterval
        self.names = upstream.servers.map(\.address).filter { !$0.isIPLiteral }
        self.resolver = resolver
        self.logger = logger
    }

    /// Looks every name up once; returns the group's table (name → last good addresses) when a set changed.
    func round() async -> [HostPort: [String]]? {
        var changed = false
        for name in names {
            var tracker = trackers[name] ?? ResolutionTracker()
            let event: ResolutionTracker.Event
            do {
                event = tracker.record(found: try await resolver.resolve(name.host))
            } catch {
                event = tracker.recordFailure()
                if event == .startedFailing {
                    let kept = tracker.addresses.map { "keeping \($0.joined(separator: ", "))" }
                        ?? "connecting through the name meanwhile"
                    logger.warning("upstream \(group): cannot resolve \(name): \(error); \(kept)")
                }
            }
            trackers[name] = tracker
            switch event {
            case .changed(let membership):
                changed = true
                let current = membership.current.joined(separator: ", ")
                logger.notice("upstream \(group): \(name) resolves to \(current) (\(membership.summary))")
            case .recovered(let membership):
                changed = changed || membership.isChanged
                let current = membership.current.joined(separator: ", ")
                logger.notice("upstream \(group): \(name) resolves again, to \(current)")
            case .unchanged, .startedFailing, .stillFailing:
                break
            }
        }
        guard changed else { return nil }
        return trackers.compactMapValues(\.addresses)
    }
}

extension HostPort {
    /// An IPv4 or IPv6 literal, which needs no lookup.
    var isIPLiteral: Bool { (try? SocketAddress(ipAddress: host, port: port)) != nil }
}
