/// A validated `/api/slow?ms=N` request: how long to wait before answering.
struct SlowRequest: Sendable, Hashable {
    static let maximumMilliseconds = 120_000

    var milliseconds: Int

    /// Parses the `ms` query value; nil when missing, not a whole number, or outside 0…120000.
    init?(ms text: String?) {
        guard let text, let value = Int(text), (0...Self.maximumMilliseconds).contains(value) else { return nil }
        self.milliseconds = value
    }

    static let usage = "ms must be a whole number of milliseconds from 0 to 120000, e.g. /api/slow?ms=250"
}

/// The body of `/api/slow`.
struct SlowPayload: Codable, Sendable, Hashable {
    var instanceID: String
    var sleptMilliseconds: Int

    /// Wire names: snake_case, as the Python services of the stack write them.
    enum CodingKeys: String, CodingKey {
        case instanceID = "instance_id"
        case sleptMilliseconds = "slept_ms"
    }
}

/// The body of `/api/instance`.
struct InstancePayload: Codable, Sendable, Hashable {
    var instanceID: String

    /// Wire names: snake_case, as the Python services of the stack write them.
    enum CodingKeys: String, CodingKey {
        case instanceID = "instance_id"
    }
}
