/// A `DependencyPing` through a client library's connection handle: opened on demand, kept between calls, dropped
/// when a check fails. The PostgreSQL and Redis pings differ only in how they open, check and close a handle.
protocol KeptConnectionPing: DependencyPing {
    /// The client library's handle (libpq's `PGconn *`, hiredis' `redisContext *`).
    associatedtype Connection
    /// The handle kept between calls; nil before the first call and after a failure. Only `ping` and `disconnect`
    /// set it.
    var connection: Connection? { get set }
    /// Opens a connection within `deadline`, or says why it could not (a handle it gave up on is already closed).
    func connect(until deadline: ContinuousClock.Instant) -> Result<Connection, PingFailure>
    /// Checks the dependency over an open connection.
    func check(_ connection: Connection, until deadline: ContinuousClock.Instant) -> CheckOutcome
    /// Frees the handle, closing its socket.
    func close(_ connection: Connection)
}

/// A step of a ping that failed, carried as the outcome to report.
struct PingFailure: Error {
    var outcome: CheckOutcome

    init(_ outcome: CheckOutcome) { self.outcome = outcome }
}

extension KeptConnectionPing {
    func ping(until deadline: ContinuousClock.Instant) -> CheckOutcome {
        pingReconnectingOnce(until: deadline, hadConnection: connection != nil) {
            if connection == nil {
                switch connect(until: deadline) {
                case .success(let opened): connection = opened
                case .failure(let failure): return failure.outcome
                }
            }
            return check(connection!, until: deadline)
        }
    }

    func disconnect() {
        if let connection { close(connection) }
        connection = nil
    }

    /// Runs `attempt` over the kept connection; when that fails, drops the connection and tries once more over a fresh
    /// one while time is left. After a server restart the kept connection is dead but the server is back: the retry
    /// is what makes the replica recover on its own.
    private func pingReconnectingOnce(
        until deadline: ContinuousClock.Instant, hadConnection: Bool, attempt: () -> CheckOutcome
    ) -> CheckOutcome {
        let first = attempt()
        guard !first.isOK else { return first }
        disconnect()
        guard hadConnection, ContinuousClock.now < deadline else { return first }
        let second = attempt()
        if !second.isOK { disconnect() }
        return second
    }
}
