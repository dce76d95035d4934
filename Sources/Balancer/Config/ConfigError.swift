/// One problem found in a config file, located by file, line and key path, with a message that says what to do.
///
/// Rendered as `config/balancer.yaml:14: upstreams.backend.max_fails: expected a whole number ≥ 0, got "three"`,
/// the format `balancer check` prints and reload logs.
struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    var file: String
    /// 1-based; 0 when the problem is the file itself (missing, unreadable).
    var line: Int
    /// Dotted path of the key (`upstreams.backend.servers[1]`); empty for file-level problems.
    var keyPath: String
    var message: String

    var description: String {
        var text = line > 0 ? "\(file):\(line): " : "\(file): "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}

/// Every problem found in one file, in line order; thrown by `ConfigLoader` when the file is not usable.
struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    var errors: [ConfigError]
    var description: String { errors.map(\.description).joined(separator: "\n") }
}
