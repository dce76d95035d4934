/// Where and how to reach Redis, parsed from `REDIS_URL` (`redis://[[user]:password@]host[:port][/db]`).
struct RedisSettings: Sendable, Hashable {
    var host: String
    var port: Int
    /// Redis 6 ACL user; nil means the default user.
    var username: String?
    var password: String?
    /// The logical database selected after connecting.
    var database: Int

    static let defaultPort = 6379
    static let example = "redis://:password@localhost:6379/0"

    /// Parses `url`; throws a `ConfigError` for `REDIS_URL` naming the problem and the expected form.
    init(url: String) throws(ConfigError) {
        let parts = try ConnectionURLParts(url: url, variable: "REDIS_URL", example: Self.example)
        guard parts.scheme == "redis" else {
            if parts.scheme == "rediss" {
                throw parts.error(
                    "TLS (rediss://) is not supported by the readiness check; use redis:// on a private network.")
            }
            throw parts.error("scheme \"\(parts.scheme)://\" is not Redis; write it as \(Self.example).")
        }
        let credentials = try parts.credentials(loneValueIsPassword: true)
        username = credentials.user
        password = credentials.password.flatMap { $0.isEmpty ? nil : $0 }
        (host, port) = try parts.address(defaultPort: Self.defaultPort)
        guard !host.isEmpty else { throw parts.error("names no host; write it as \(Self.example).") }
        var queryDatabase: Substring?
        for pair in parts.query.split(separator: "&") where pair.hasPrefix("db=") {
            queryDatabase = pair.dropFirst(3)
        }
        let dbText = (parts.path.map { $0.isEmpty ? nil : $0 } ?? nil) ?? queryDatabase ?? "0"
        guard let database = Int(dbText), database >= 0 else {
            throw parts.error("database \"\(dbText)\" is not a whole number ≥ 0; write it as \(Self.example).")
        }
        self.database = database
    }

    /// `host:port/db`, for log lines; never contains the password.
    var displayName: String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }
}
