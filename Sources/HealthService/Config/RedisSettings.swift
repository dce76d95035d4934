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
        func fail(_ message: String) -> ConfigError { ConfigError(variable: "REDIS_URL", message: message) }
        let text = url.trimmingASCIIWhitespace()
        guard let parts = ConnectionURLParts(text) else {
            throw fail("\"\(PostgresSettings.redacting(text))\" is not a URL; write it as \(Self.example).")
        }
        let scheme = parts.scheme
        guard scheme == "redis" else {
            if scheme == "rediss" {
                throw fail(
                    "TLS (rediss://) is not supported by the readiness check; use redis:// on a private network.")
            }
            throw fail("scheme \"\(scheme)://\" is not Redis; write it as \(Self.example).")
        }
        var queryDatabase: Substring?
        for pair in parts.query.split(separator: "&") where pair.hasPrefix("db=") {
            queryDatabase = pair.dropFirst(3)
        }
        let hostPort = parts.hostPort
        let databasePart = parts.path
        self.username = nil
        self.password = nil
        if let userInfo = parts.userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                guard let user = PercentDecoding.decode(userInfo[..<colon]),
                    let password = PercentDecoding.decode(userInfo[userInfo.index(after: colon)...])
                else { throw fail("the user or password has a malformed %-escape; percent-encode special characters.") }
                self.username = user.isEmpty ? nil : user
                self.password = password.isEmpty ? nil : password
            } else {
                // `redis://secret@host` is how several clients spell a password without a user.
                guard let password = PercentDecoding.decode(userInfo) else {
                    throw fail("the password has a malformed %-escape; percent-encode special characters.")
                }
                self.password = password.isEmpty ? nil : password
            }
        }
        let address = try ServerAddress.parse(hostPort, variable: "REDIS_URL", example: Self.example)
        guard !address.host.isEmpty else { throw fail("names no host; write it as \(Self.example).") }
        self.host = address.host
        self.port = address.port ?? Self.defaultPort
        let dbText = (databasePart.map { $0.isEmpty ? nil : $0 } ?? nil) ?? queryDatabase ?? "0"
        guard let database = Int(dbText), database >= 0 else {
            throw fail("database \"\(dbText)\" is not a whole number ≥ 0; write it as \(Self.example).")
        }
        self.database = database
    }

    /// `host:port/db`, for log lines; never contains the password.
    var displayName: String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }
}
