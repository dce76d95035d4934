import BalancerCore
import NIOCore

/// Idle keep-alive connections to upstream servers, for one event loop (nginx's `keepalive N`, per worker).
///
/// Most recently used first, so a burst reuses warm connections and the rest age at the bottom. `keepalive` idle
/// connections are kept per server; one that comes back beyond that is kept as surplus and closed once it has been
/// idle for a second (`IdleSurplus`), so a load swinging around the cap reuses connections instead of closing and
/// opening them.
final class UpstreamConnectionPool {
    /// An idle connection and when it went idle (monotonic nanoseconds).
    private struct Idle {
        let connection: UpstreamHandler
        let since: Int64
    }

    /// Servers with a list here, and each one's idle connections in its slot (a dictionary of lists retained and
    /// released the list it found, twice per request). Lists of servers a reload dropped are removed
    /// (`closeIdle(except:)`), so the search stays short. A list's connections keep its server alive; an empty
    /// list whose server is gone may be found by a new server at the same address, which then starts from it.
    private var servers = IdentitySlots()
    /// Each slot's idle connections, oldest first: check-ins append and checkouts take the last.
    private var idle: [[Idle]] = []
    /// Each slot's `keepalive`, as of its last check-in: what a trim keeps.
    private var keepalive: [Int] = []
    private let surplus: IdleSurplus
    private let timers: LoopTimerQueue
    private var clock: LoopClock { timers.clock }
    /// Closes surplus that has been idle long enough; made when surplus first appears. Its closure holds the pool,
    /// which lives as long as its loop.
    private lazy var trimTimer = DeadlineTimer(queue: timers) { [self] in self.trimSurplus() }
    /// When the armed trim runs; nil while no surplus waits.
    private var trimAt: Int64?
    /// Connections opened by this pool's event loop (for tests and the status page).
    private(set) var opened = 0

    init(timers: LoopTimerQueue, surplus: IdleSurplus = .standard) {
        self.surplus = surplus
        self.timers = timers
    }

    /// An idle, still-open connection to `server`, or nil.
    func checkout(_ server: UpstreamServer) -> UpstreamHandler? {
        guard let slot = servers.slot(of: server) else { return nil }
        while let entry = idle[slot].popLast() {
            entry.connection.idleIn = nil
            if entry.connection.isActive { return entry.connection }
        }
        return nil
    }

    /// Gives `connection` back after a complete exchange; with `keepalive` 0 it is closed.
    func checkin(_ connection: UpstreamHandler, keepalive limit: Int) {
        let (slot, added) = servers.slot(makingFor: connection.server)
        if added {
            idle.append([])
            keepalive.append(limit)
        }
        keepalive[slot] = limit
        guard connection.isActive else {
            connection.abort()
            return
        }
        let now = clock.uptimeNanoseconds
        switch surplus.checkin(idleCount: idle[slot].count, keepalive: limit, now: now) {
        case .keep:
            break
        case .keepAsSurplus(let at):
            armTrim(at: at)
        case .close:
            connection.abort()
            return
        }
        connection.idleIn = self
        idle[slot].append(Idle(connection: connection, since: now))
    }

    func noteOpened() { opened += 1 }

    /// Number of idle connections kept for `server`, surplus included.
    func idleCount(for server: UpstreamServer) -> Int {
        servers.slot(of: server).map { idle[$0].count } ?? 0
    }

    /// Closes every idle connection to servers not in `keep` (servers removed by a reload), or all when nil.
    func closeIdle(except keep: Set<ObjectIdentifier>? = nil) {
        for slot in servers.slotsNewestFirst() where keep.map({ !$0.contains(servers[slot]) }) ?? true {
            let entries = idle.remove(at: slot)
            keepalive.remove(at: slot)
            servers.remove(at: slot)
            for entry in entries {
                entry.connection.idleIn = nil
                entry.connection.abort()
            }
        }
    }

    /// An idle connection closed by its upstream leaves the pool.
    func remove(_ connection: UpstreamHandler) {
        guard let slot = servers.slot(of: connection.server) else { return }
        idle[slot].removeAll { $0.connection === connection }
    }

    /// Surplus is waiting: a trim runs by `at`. One already armed runs earlier (surplus only ever comes later).
    private func armTrim(at: Int64) {
        guard trimAt == nil else { return }
        trimAt = at
        trimTimer.arm(.uptimeNanoseconds(UInt64(at)))
    }

    /// Closes, per server, the oldest connections beyond `keepalive` that have been idle for the grace; arms the
    /// next trim for surplus that has not.
    private func trimSurplus() {
        trimAt = nil
        let now = clock.uptimeNanoseconds
        var next: Int64?
        for slot in idle.indices {
            let trim = surplus.trim(idleSince: idle[slot].lazy.map(\.since), keepalive: keepalive[slot], now: now)
            if trim.close > 0 {
                let closed = Array(idle[slot][..<trim.close])
                idle[slot].removeFirst(trim.close)
                for entry in closed {
                    entry.connection.idleIn = nil
                    entry.connection.abort()
                }
            }
            if let at = trim.nextAt { next = min(next ?? at, at) }
        }
        if let next { armTrim(at: next) }
    }
}
