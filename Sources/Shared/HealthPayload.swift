/// The body of `GET /health`: the replica is up and says who it is. Field names are the wire contract.
public struct HealthPayload: Codable, Sendable, Hashable {
    public var status: String
    public var service: String
    public var timestamp: String
    public var environment: String
    public var instanceID: String

    public init(status: String = "ok", service: String, timestamp: String, environment: String, instanceID: String) {
        self.status = status
        self.service = service
        self.timestamp = timestamp
        self.environment = environment
        self.instanceID = instanceID
    }

    /// Wire names: snake_case, as the Python services of the stack write them.
    enum CodingKeys: String, CodingKey {
        case status, service, timestamp, environment
        case instanceID = "instance_id"
    }
}

/// The body of `GET /health/ready`: whether the replica's dependencies answer.
///
/// `status` is `healthy` when every check is `ok`, otherwise `unhealthy`; a failing check reads `error: <reason>`.
public struct ReadinessPayload: Codable, Sendable, Hashable {
    public var status: String
    public var service: String
    /// Check name (`service`, `database`, `redis`) to `ok` or `error: <reason>`.
    public var checks: [String: String]
    public var timestamp: String

    public init(status: String, service: String, checks: [String: String], timestamp: String) {
        self.status = status
        self.service = service
        self.checks = checks
        self.timestamp = timestamp
    }

    /// True when the payload reports every dependency answering.
    public var isHealthy: Bool { status == "healthy" }
}
