import NIOConcurrencyHelpers

/// Servers a reload or a DNS re-resolution took out of the configuration while requests were still in flight on
/// them. The status page lists them as `draining` until their last request finishes, instead of letting them
/// vanish while they still work.
final class RetiredServers: Sendable {
    private let list = NIOLockedValueBox<[(group: String, server: UpstreamServer)]>([])

    /// Notes the servers of `old` that `new` no longer has (a server back in `new` is no longer retired).
    func retire(from old: ProxySnapshot, to new: ProxySnapshot) {
        let kept = Set(new.groups.flatMap { $0.servers.map(ObjectIdentifier.init) })
        let removed = old.groups.flatMap { group in
            group.servers.filter { !kept.contains(ObjectIdentifier($0)) }.map { (group: group.name, server: $0) }
        }
        list.withLockedValue { list in
            list.removeAll { kept.contains(ObjectIdentifier($0.server)) }
            list += removed.filter { removed in !list.contains { $0.server === removed.server } }
        }
    }

    /// The retired servers that still have requests in flight; those that finished are forgotten here.
    func draining() -> [(group: String, server: UpstreamServer)] {
        list.withLockedValue { list in
            list.removeAll { $0.server.active.load(ordering: .relaxed) == 0 }
            return list
        }
    }
}
