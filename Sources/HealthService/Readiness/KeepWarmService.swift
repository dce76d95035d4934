import Logging
import ServiceLifecycle

/// Exercises the dependency connections at start-up and then every `interval`, and closes them on shutdown.
///
/// The first `/health/ready` after start then finds connections already open, and a dependency that restarted while
/// nobody asked is reconnected before the next request needs it. State changes are logged once, not every round.
struct KeepWarmService: Service {
    let checker: ReadinessChecker
    let interval: Duration
    let logger: Logger
    /// How the service waits between rounds; tests inject a controllable clock.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    func run() async {
        await cancelWhenGracefulShutdown { await self.keepWarm() }
        await checker.shutdown()
    }

    /// Checks every `interval` until cancelled, logging each dependency's changes of state.
    private func keepWarm() async {
        var previous: [String: CheckOutcome] = [:]
        while !Task.isCancelled {
            let report = await checker.report()
            for (name, outcome) in report.checks.sorted(by: { $0.key < $1.key }) where previous[name] != outcome {
                if outcome.isOK {
                    logger.info("dependency ready", metadata: ["check": "\(name)"])
                } else {
                    logger.warning(
                        "dependency not ready", metadata: ["check": "\(name)", "reason": "\(outcome.wireValue)"])
                }
            }
            previous = report.checks
            do { try await sleep(interval) } catch { break }
        }
    }
}
