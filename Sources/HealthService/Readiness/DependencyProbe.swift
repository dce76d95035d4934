import NIOPosix

/// Checks one dependency from async code without ever blocking an event loop.
///
/// The blocking client library runs on a thread pool of exactly one thread owned by this probe (libpq and hiredis
/// connections are not thread-safe, and one thread per dependency is the most a hung server can pin). `SingleFlight`
/// makes concurrent `/health/ready` requests share the check in flight and gives each its own timeout.
final class DependencyProbe: Sendable {
    /// The check's name in `/health/ready` (`database`, `redis`).
    let name: String
    let timeout: Duration
    private let pool: NIOThreadPool
    private let ping: PingBox
    private let flight: SingleFlight<CheckOutcome>

    /// Hands the non-Sendable client to the pool's single thread; only that thread ever touches it.
    private final class PingBox: @unchecked Sendable {
        let ping: any DependencyPing
        init(_ ping: any DependencyPing) { self.ping = ping }
    }

    init(
        name: String, timeout: Duration, ping: any DependencyPing,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.name = name
        self.timeout = timeout
        self.ping = PingBox(ping)
        self.pool = NIOThreadPool(numberOfThreads: 1)
        self.flight = SingleFlight(sleep: sleep)
        pool.start()
    }

    /// The dependency's state now, within `timeout`.
    func check() async -> CheckOutcome {
        let timeout = self.timeout
        let ping = self.ping
        let pool = self.pool
        return await flight.run(
            timeout: timeout, timedOut: { .failed("no answer within \(Self.describe(timeout))") },
            operation: {
                do {
                    return try await pool.runIfActive {
                        ping.ping.ping(until: ContinuousClock.now.advanced(by: timeout))
                    }
                } catch {
                    return .failed("the replica is shutting down")
                }
            })
    }

    /// Closes the connection and stops the worker thread; waits for a check in flight to end (bounded by timeout).
    func shutdown() async {
        let ping = self.ping
        _ = try? await pool.runIfActive { ping.ping.disconnect() }
        try? await pool.shutdownGracefully()
    }

    /// `2s`, `500ms`: how timeouts read in messages.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
