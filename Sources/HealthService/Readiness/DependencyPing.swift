/// A blocking check of one dependency over a connection it keeps open between calls.
///
/// Implementations are not thread-safe: `DependencyProbe` calls them from one dedicated thread, one call at a time.
protocol DependencyPing: AnyObject {
    /// Checks the dependency, connecting first if needed, and returns by `deadline` (give or take a millisecond).
    func ping(until deadline: ContinuousClock.Instant) -> CheckOutcome
    /// Closes the connection, if any.
    func disconnect()
}

extension DependencyPing {
    /// Runs `attempt` over the kept connection; when that fails, drops the connection and tries once more over a fresh
    /// one while time is left. After a server restart the kept connection is dead but the server is back: the retry
    /// is what makes the replica recover on its own.
    func pingReconnectingOnce(
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
