import BalancerCore
import NIOCore

/// Idle keep-alive connections to upstream servers, for one event loop (nginx's `keepalive N`, per worker).
///
/// Most recently used first, so a burst reuses warm connections and the surplus ages out at the upstream. At most
/// `keepalive` idle connections are kept per server; a connection past that is closed when returned.
final class UpstreamConnectionPool {
    /// Servers with a list here, and each one's idle connections in its slot (a dictionary of lists retained and
    /// released the list it found, twice per request). Lists of servers a reload dropped are removed
    /// (`closeIdle(except:)`), so the search stays short. A list's connections keep its server alive; an empty
    /// list whose server is gone may be found by a new server at the same address, which then starts from it.
    private var servers = IdentitySlots()
    private var idle: [[UpstreamHandler]] = []
    /// Connections opened by this pool's event loop (for tests and the status page).
    private(set) var opened = 0

    /// An idle, still-open connection to `server`, or nil.
    func checkout(_ server: UpstreamServer) -> UpstreamHandler? {
        guard let slot = servers.slot(of: server) else { return nil }
        while let connection = idle[slot].popLast() {
            connection.idleIn = nil
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Gives `connection` back after a complete exchange, or closes it when `keepalive` idle ones are already kept.
    func checkin(_ connection: UpstreamHandler, keepalive: Int) {
        let (slot, added) = servers.slot(makingFor: connection.server)
        if added { idle.append([]) }
        guard connection.isActive, idle[slot].count < keepalive else {
            connection.abort()
            return
        }
        connection.idleIn = self
        idle[slot].append(connection)
    }

    func noteOpened() { opened += 1 }

    /// Number of idle connections kept for `server`.
    func idleCount(for server: UpstreamServer) -> Int {
        servers.slot(of: server).map { idle[$0].count } ?? 0
    }

    /// Closes every idle connection to servers not in `keep` (servers removed by a reload), or all when nil.
    func closeIdle(except keep: Set<ObjectIdentifier>? = nil) {
        for slot in servers.slotsNewestFirst() where keep.map({ !$0.contains(servers[slot]) }) ?? true {
            let connections = idle.remove(at: slot)
            servers.remove(at: slot)
            for connection in connections {
                connection.idleIn = nil
                connection.abort()
            }
        }
    }

    /// An idle connection closed by its upstream leaves the pool.
    func remove(_ connection: UpstreamHandler) {
        guard let slot = servers.slot(of: connection.server) else { return }
        idle[slot].removeAll { $0 === connection }
    }
}
