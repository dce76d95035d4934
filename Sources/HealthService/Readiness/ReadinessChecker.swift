/// Checks every dependency of the replica concurrently, each within its own timeout.
final class ReadinessChecker: Sendable {
    let probes: [DependencyProbe]

    init(probes: [DependencyProbe]) {
        self.probes = probes
    }

    /// The probes for PostgreSQL (`database`) and Redis (`redis`) described by `config`.
    convenience init(config: HealthServiceConfig) {
        self.init(probes: [
            DependencyProbe(
                name: "database", timeout: config.readyTimeout,
                ping: PostgresPing(settings: config.database, applicationName: "health-service-\(config.instanceID)")),
            DependencyProbe(name: "redis", timeout: config.readyTimeout, ping: RedisPing(settings: config.redis)),
        ])
    }

    /// Runs all checks at once; the report is ready when the slowest check answers or times out.
    func report() async -> ReadinessReport {
        var checks: [String: CheckOutcome] = ["service": .ok]
        await withTaskGroup(of: (String, CheckOutcome).self) { group in
            for probe in probes {
                group.addTask { (probe.name, await probe.check()) }
            }
            for await (name, outcome) in group {
                checks[name] = outcome
            }
        }
        return ReadinessReport(checks: checks)
    }

    func shutdown() async {
        for probe in probes { await probe.shutdown() }
    }
}
