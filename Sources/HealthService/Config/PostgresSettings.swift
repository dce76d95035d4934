/// Where and how to reach PostgreSQL, parsed from `DATABASE_URL`.
///
/// Accepts the libpq spellings `postgresql://` and `postgres://` and SQLAlchemy's `postgresql+asyncpg://`, so the
/// replica can share its environment file with the Python services of the stack.
struct PostgresSettings: Sendable, Hashable {
    /// Empty means libpq's default (the local Unix socket).
    var host: String
    var port: Int
    var user: String?
    var password: String?
    var database: String?
    /// libpq connection keywords from the query string (`sslmode`, `application_name`, …), in URL order.
    var parameters: [KeyValue]
    /// Query parameters libpq does not know (driver options of other clients); ignored, reported at start-up.
    var ignoredParameters: [String]

    /// One `keyword=value` pair handed to libpq.
    struct KeyValue: Sendable, Hashable {
        var key: String
        var value: String
    }

    static let defaultPort = 5432
    static let example = "postgresql://user:password@localhost:5432/dbname"

    /// Keywords libpq accepts that make sense for a health check; anything else in the query string is ignored.
    static let libpqKeywords: Set<String> = [
        "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslpassword", "sslcompression", "sslsni",
        "application_name", "options", "target_session_attrs", "gssencmode", "channel_binding", "passfile",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "hostaddr", "host", "port", "dbname", "user", "password", "require_auth", "krbsrvname",
    ]

    /// Parses `url`; throws a `ConfigError` for `DATABASE_URL` naming the problem and the expected form.
    init(url: String) throws(ConfigError) {
        let parts = try ConnectionURLParts(url: url, variable: "DATABASE_URL", example: Self.example)
        guard ["postgresql", "postgres", "postgresql+asyncpg"].contains(parts.scheme) else {
            throw parts.error(
                "scheme \"\(parts.scheme)://\" is not PostgreSQL; "
                    + "use postgresql://, postgres:// or postgresql+asyncpg://.")
        }
        (user, password) = try parts.credentials(loneValueIsPassword: false)
        (host, port) = try parts.address(defaultPort: Self.defaultPort)
        if let databasePart = parts.path, !databasePart.isEmpty {
            guard let name = PercentDecoding.decode(databasePart) else {
                throw parts.error("the database name has a malformed %-escape; percent-encode special characters.")
            }
            self.database = name
        } else {
            self.database = nil
        }
        (self.parameters, self.ignoredParameters) = try Self.parseQuery(parts.query)
    }

    /// Splits `a=1&b=2`, maps asyncpg's `ssl=` onto libpq's `sslmode=`, and sets aside unknown keys.
    private static func parseQuery(_ query: Substring) throws(ConfigError) -> ([KeyValue], [String]) {
        var known: [KeyValue] = []
        var ignored: [String] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = PercentDecoding.decode(parts[0]),
                let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "")
            else {
                throw ConfigError(
                    variable: "DATABASE_URL", message: "query parameter \"\(pair)\" has a malformed %-escape.")
            }
            if key == "ssl" {
                let mode = ["true": "require", "false": "disable"][value.lowercased()] ?? value
                known.append(KeyValue(key: "sslmode", value: mode))
            } else if libpqKeywords.contains(key) {
                known.append(KeyValue(key: key, value: value))
            } else {
                ignored.append(key)
            }
        }
        return (known, ignored)
    }

    /// The libpq keyword/value pairs for this server, query parameters last so they can refine the URL's parts.
    func libpqParameters(applicationName: String) -> [KeyValue] {
        var pairs: [KeyValue] = []
        if !host.isEmpty { pairs.append(KeyValue(key: "host", value: host)) }
        pairs.append(KeyValue(key: "port", value: String(port)))
        if let user { pairs.append(KeyValue(key: "user", value: user)) }
        if let password { pairs.append(KeyValue(key: "password", value: password)) }
        if let database { pairs.append(KeyValue(key: "dbname", value: database)) }
        pairs.append(KeyValue(key: "application_name", value: applicationName))
        pairs.append(contentsOf: parameters)
        return pairs
    }

    /// `host:port/dbname` as people write it, for log lines; never contains the password.
    var displayName: String {
        let shownHost = host.isEmpty ? "localhost" : (host.contains(":") ? "[\(host)]" : host)
        return "\(shownHost):\(port)/\(database ?? user ?? "")"
    }
}
