import BalancerCore
import NIOConcurrencyHelpers

/// Servers a reload or a DNS re-resolution took out of the configuration while requests were still in flight on
/// them. The status page lists them as `draining` until their last request finishes, instead of letting them
/// vanish while they still work.
///
/// A server is retired when its id leaves its group. One whose line changed (a new weight) keeps its id: it is
/// still in the configuration, listed once as it is now, and its old object's last requests need no row of their own.
final class RetiredServers: Sendable {
    private let list = NIOLockedValueBox<[(group: String, server: UpstreamServer)]>([])

    /// Notes the servers of `old` that `new` no longer has (a server back in `new` is no longer retired).
    func retire(from old: ProxySnapshot, to new: ProxySnapshot) {
        let kept = Self.keys(of: new)
        let removed = old.groups.flatMap { group in
            group.servers.filter { !kept.contains(ServerKey(group: group.name, server: $0.id)) }
                .map { (group: group.name, server: $0) }
        }
        list.withLockedValue { list in
            list.removeAll { kept.contains(ServerKey(group: $0.group, server: $0.server.id)) }
            list += removed.filter { removed in
                !list.contains { $0.group == removed.group && $0.server.id == removed.server.id }
            }
        }
    }

    /// The retired servers that still have requests in flight; those that finished are forgotten here.
    func draining() -> [(group: String, server: UpstreamServer)] {
        list.withLockedValue { list in
            list.removeAll { $0.server.active.load(ordering: .relaxed) == 0 }
            return list
        }
    }

    private static func keys(of snapshot: ProxySnapshot) -> Set<ServerKey> {
        Set(snapshot.groups.flatMap { group in group.servers.map { ServerKey(group: group.name, server: $0.id) } })
    }
}
