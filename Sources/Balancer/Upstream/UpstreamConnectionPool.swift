import BalancerCore
import NIOCore

/// Idle keep-alive connections to upstream servers, for one event loop (nginx's `keepalive N`, per worker).
///
/// Most recently used first, so a burst reuses warm connections and the surplus ages out at the upstream. At most
/// `keepalive` idle connections are kept per server; a connection past that is closed when returned.
final class UpstreamConnectionPool {
    /// One server's idle connections. A class, so that taking and returning a connection mutates the list in place:
    /// going through the dictionary's in-place accessor instead allocated on every checkout.
    private final class IdleList {
        var connections: [UpstreamHandler] = []
    }

    private var idle: [ObjectIdentifier: IdleList] = [:]
    /// Connections opened by this pool's event loop (for tests and the status page).
    private(set) var opened = 0

    /// An idle, still-open connection to `server`, or nil.
    func checkout(_ server: UpstreamServer) -> UpstreamHandler? {
        guard let list = idle[ObjectIdentifier(server)] else { return nil }
        while let connection = list.connections.popLast() {
            connection.idleIn = nil
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Gives `connection` back after a complete exchange, or closes it when `keepalive` idle ones are already kept.
    func checkin(_ connection: UpstreamHandler, keepalive: Int) {
        let key = ObjectIdentifier(connection.server)
        let list: IdleList
        if let existing = idle[key] {
            list = existing
        } else {
            list = IdleList()
            idle[key] = list
        }
        guard connection.isActive, list.connections.count < keepalive else {
            connection.abort()
            return
        }
        connection.idleIn = self
        list.connections.append(connection)
    }

    func noteOpened() { opened += 1 }

    /// Number of idle connections kept for `server`.
    func idleCount(for server: UpstreamServer) -> Int { idle[ObjectIdentifier(server)]?.connections.count ?? 0 }

    /// Closes every idle connection to servers not in `keep` (servers removed by a reload), or all when nil.
    func closeIdle(except keep: Set<ObjectIdentifier>? = nil) {
        for (key, list) in idle where keep.map({ !$0.contains(key) }) ?? true {
            idle[key] = nil
            for connection in list.connections {
                connection.idleIn = nil
                connection.abort()
            }
        }
    }

    /// An idle connection closed by its upstream leaves the pool.
    func remove(_ connection: UpstreamHandler) {
        let key = ObjectIdentifier(connection.server)
        idle[key]?.connections.removeAll { $0 === connection }
    }
}
