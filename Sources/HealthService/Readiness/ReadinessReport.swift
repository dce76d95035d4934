import Shared

/// What `/health/ready` answers, decided from the outcomes of the dependency checks.
struct ReadinessReport: Sendable, Hashable {
    /// Check name to outcome; `service` (this process answering) is always `ok`.
    var checks: [String: CheckOutcome]

    /// Healthy only when every check is `ok`.
    var isHealthy: Bool { checks.values.allSatisfy(\.isOK) }

    /// 200 when healthy; 503 tells load balancers to send traffic elsewhere until the dependencies are back.
    var statusCode: Int { isHealthy ? 200 : 503 }

    func payload(service: String, timestamp: String) -> ReadinessPayload {
        ReadinessPayload(
            status: isHealthy ? "healthy" : "unhealthy", service: service,
            checks: checks.mapValues(\.wireValue), timestamp: timestamp)
    }
}
