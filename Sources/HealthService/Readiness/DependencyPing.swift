/// A blocking check of one dependency over a connection it keeps open between calls.
///
/// Implementations are not thread-safe: `DependencyProbe` calls them from one dedicated thread, one call at a time.
protocol DependencyPing: AnyObject {
    /// Checks the dependency, connecting first if needed, and returns by `deadline` (give or take a millisecond).
    func ping(until deadline: ContinuousClock.Instant) -> CheckOutcome
    /// Closes the connection, if any.
    func disconnect()
}
