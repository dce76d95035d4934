import BalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// Everything one event loop keeps for itself, so requests on that loop never lock: the current snapshot, the
/// balancing policies' state, idle upstream connections, the cached date and the access-log batch.
///
/// One per event loop, created at start; touched only on its loop (reloads arrive through `eventLoop.execute`).
final class LoopContext {
    let eventLoop: EventLoop
    let pool: UpstreamConnectionPool
    let dates = HTTPDateCache()
    let accessLog: AccessLogBuffer?
    let stats: ConnectionStats
    let events: UpstreamEventLog
    let metrics = LoopMetrics()
    /// What this loop remembers about the files of static routes (`open_file_cache`).
    let files = StaticFileCache()
    /// The connection timers of this loop (client and upstream connections alike).
    let timers: LoopTimerQueue
    /// One reading of the clock per I/O event, for the requests and timers of this loop.
    let clock = LoopClock()
    /// The allocator of the buffers this loop's connections write: NIO's default, which is every channel's here
    /// (no bootstrap sets another). Kept once per loop, not per connection (it is four words).
    let allocator = ByteBufferAllocator()
    /// Head buffers of finished requests and responses, for the next heads this loop writes.
    var headBuffers: HeadBufferPool
    /// Lists of header lines of finished heads, for the next heads this loop's client connections read.
    var fieldLists = HTTP1FieldListPool()
    private(set) var snapshot: ProxySnapshot
    /// Balancing state per group of `snapshot`, and the scratch list of each pick.
    private var picker: LoopPicker
    private var requestCounter: UInt64 = 0
    private let idPrefix: UInt64
    /// Set when shutdown begins: responses then carry `Connection: close` and idle connections are closed.
    private(set) var draining = false
    /// Completes once draining and the last client connection has closed: what the drain waits on, per loop.
    private var drained: EventLoopFuture<Void>?
    /// The promise behind `drained` while it is still pending.
    private var drainPending: EventLoopPromise<Void>?
    /// Open client connections of this loop, so shutdown can reach idle ones and close what outlives the deadline:
    /// their pipelines by channel (a pipeline is one reference where a `Channel` existential takes five words, and
    /// the table has a slot per connection).
    private var clients: [ObjectIdentifier: ChannelPipeline] = [:]
    /// `limits.max_connections` for this loop (`admit()`).
    var admission = ConnectionAdmission()
    /// Which refusals of the rate and connection limits get a log line on this loop (`checkLimits`).
    var limitLog = LimitLogThrottle()
    /// Connections closed for want of a PROXY header get one log line a second at most on this loop.
    var proxyProtocolLog = LogThrottle(interval: .seconds(1))

    /// Client connections open on this loop now.
    var clientCount: Int { clients.count }

    init(
        eventLoop: EventLoop,
        snapshot: ProxySnapshot,
        accessLog: AccessLogWriter?,
        stats: ConnectionStats,
        events: UpstreamEventLog
    ) {
        self.eventLoop = eventLoop
        self.headBuffers = HeadBufferPool(allocator: allocator)
        self.timers = LoopTimerQueue(eventLoop: eventLoop, clock: clock)
        self.pool = UpstreamConnectionPool(timers: timers)
        self.events = events
        self.snapshot = snapshot
        self.stats = stats
        self.picker = LoopPicker(snapshot)
        files.configure(snapshot.config.openFileCache)
        self.accessLog = accessLog.map {
            AccessLogBuffer(writer: $0, format: snapshot.config.logFormat, eventLoop: eventLoop)
        }
        // Request ids: a random per-loop prefix plus a counter — unique without a random draw per request.
        var rng = SystemRandomNumberGenerator()
        let random = UInt64.random(in: 0...UInt64.max, using: &rng)
        idPrefix = random
    }

    /// Switches this loop to a new snapshot (reload). Requests in flight keep the one they started with.
    func install(_ snapshot: ProxySnapshot) {
        self.snapshot = snapshot
        self.picker = LoopPicker(snapshot)
        files.configure(snapshot.config.openFileCache)
        let keep = Set(snapshot.groups.flatMap { $0.servers.map { ObjectIdentifier($0) } })
        pool.closeIdle(except: keep)
    }

    /// Tracks a client connection from when its handler is added until the handler is removed (which NIO does for
    /// every handler when the channel closes): a pair of calls instead of a callback on each channel's close
    /// future, which every idle connection would keep (about 70 bytes).
    func register(_ channel: Channel) {
        clients[ObjectIdentifier(channel)] = channel.pipeline
    }

    /// The connection closed: while draining, the last one to go completes the drain of this loop.
    func unregister(_ channel: Channel) {
        guard clients.removeValue(forKey: ObjectIdentifier(channel)) != nil else { return }
        if clients.isEmpty { finishDrain() }
    }

    /// Shutdown began: from now on every response closes its connection, and connections between requests are
    /// told to close now (`DrainingStarted`; the handler closes only if no request is in progress). The future
    /// completes when no client connection is left on this loop; calling again returns the same future.
    func beginDraining() -> EventLoopFuture<Void> {
        if let drained { return drained }
        draining = true
        let promise = eventLoop.makePromise(of: Void.self)
        drained = promise.futureResult
        drainPending = promise
        // A connection with a request in progress closes after its response, even one whose head promised
        // keep-alive before draining began: its state machine decides that on the response's end.
        for pipeline in clients.values { pipeline.fireUserInboundEventTriggered(DrainingStarted()) }
        if clients.isEmpty { finishDrain() }
        return promise.futureResult
    }

    /// Completes the drain of this loop, once; nothing to do before draining began.
    private func finishDrain() {
        drainPending?.succeed()
        drainPending = nil
    }

    /// The shutdown deadline passed (or a second signal came): ends every connection, requests in flight
    /// included, and with them the drain.
    func closeAllClients() {
        for pipeline in clients.values { pipeline.close(promise: nil) }
        // Closing completes the drain through `register`'s callbacks; a channel whose close is still pending must
        // not keep the waiters (or an unfulfilled promise) past this point.
        finishDrain()
    }

    /// Picks a server of `group` in `snapshot`, skipping `excluded`; nil when none is eligible (empty or all down).
    func pick(
        group groupIndex: Int,
        in snapshot: ProxySnapshot,
        excluding excluded: ServerSet,
        now: Int64
    ) -> (index: Int, server: UpstreamServer)? {
        // The snapshot holds its groups, and the caller the snapshot: the group is used without a reference count.
        snapshot.unretainedGroups[groupIndex]._withUnsafeGuaranteedRef { group in
            let current = snapshot === self.snapshot
            let picked = picker.pick(group, groupIndex: groupIndex, current: current, excluding: excluded, now: now)
            guard let index = picked else { return nil }
            return (index, group.servers[index])
        }
    }

    /// Brings the date strings up to the current event's time, reading the wall clock at most once a millisecond.
    func refreshDates() {
        dates.refresh(uptimeNanoseconds: clock.now.uptimeNanoseconds)
    }

    /// A fresh request id: the loop prefix and the next count, written as 32 hex digits where it is sent.
    func nextRequestID() -> RequestID {
        requestCounter &+= 1
        return .made(prefix: idPrefix, counter: requestCounter)
    }
}
