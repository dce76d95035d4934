/// One problem found in a config file, located by file, line and key path, with a message that says what to do.
///
/// Rendered as `config/balancer.yaml:14: upstreams.backend.max_fails: expected a whole number ≥ 0, got "three"`,
/// the format `balancer check` prints and reload logs.
package struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    package var file: String
    /// 1-based; 0 when the problem is the file itself (missing, unreadable).
    package var line: Int
    /// Dotted path of the key (`upstreams.backend.servers[1]`); empty for file-level problems.
    package var keyPath: String
    package var message: String

    package init(file: String, line: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    package var description: String {
        var text = line > 0 ? "\(file):\(line): " : "\(file): "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}

/// Every problem found in one file, in line order; thrown by `ConfigLoader` when the file is not usable.
package struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    package var errors: [ConfigError]

    package init(errors: [ConfigError]) {
        self.errors = errors
    }

    package var description: String { errors.map(\.description).joined(separator: "\n") }
}
