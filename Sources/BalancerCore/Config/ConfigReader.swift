/// Walks a YAML document and collects every problem it finds instead of stopping at the first.
///
/// Each `read…` method returns its best value (falling back to defaults) and records errors; the loader
/// discards the result when any error was recorded. This keeps all checks in one pass so an operator sees
/// every mistake at once, the way `nginx -t` would if it did not stop at the first.
package struct ConfigReader {
    /// The file name used in messages.
    package let file: String
    package private(set) var errors: [ConfigError] = []
    /// Whether paths the config names on this machine (static roots) must exist. Off only to check a config
    /// written for another file system, such as a container's, from outside it.
    package var checksPaths = true

    package init(file: String) {
        self.file = file
    }

    /// The errors in line order; errors on one line keep the order they were found in.
    package var sortedErrors: [ConfigError] {
        errors.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    package mutating func report(_ node: ConfigNode, _ message: String) {
        report(line: node.line, path: node.path, message)
    }

    package mutating func report(line: Int, path: String, _ message: String) {
        errors.append(ConfigError(file: file, line: line, keyPath: path, message: message))
    }

    /// The key/value pairs of a mapping in file order; reports non-mappings and keys that are not plain text.
    package mutating func pairs(of node: ConfigNode, expected: String) -> [(key: String, value: ConfigNode)]? {
        guard case .mapping(let mapping) = node.node else {
            report(node, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
        var result: [(key: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            let key = ConfigNode(node: keyNode, path: node.path, line: keyNode.mark?.line ?? node.line)
            guard let name = key.scalarText else {
                report(key, "keys must be plain names, got \(key.valueDescription)")
                continue
            }
            result.append((name, node.child(name, keyNode: keyNode, value: valueNode)))
        }
        return result
    }

    /// A mapping with a fixed set of keys; every other key is reported with the list of allowed ones.
    package mutating func mapping(_ node: ConfigNode, allowed: [String]) -> ConfigMapping? {
        guard let pairs = pairs(of: node, expected: "a mapping with keys \(allowed.joined(separator: ", "))") else {
            return nil
        }
        var fields: [String: ConfigNode] = [:]
        for (key, value) in pairs {
            if allowed.contains(key) {
                fields[key] = value
            } else {
                report(value, "unknown key; remove it or use one of: \(allowed.joined(separator: ", "))")
            }
        }
        return ConfigMapping(node: node, fields: fields)
    }

    /// The value of a key that must be present; reports its absence at the enclosing mapping's line.
    package mutating func required(_ mapping: ConfigMapping, _ key: String, hint: String) -> ConfigNode? {
        if let value = mapping[key] { return value }
        report(line: mapping.node.line, path: mapping.node.childPath(key), "is required; \(hint)")
        return nil
    }

    /// The elements of a non-empty list, or the value itself where a single value may stand for a list of one.
    /// An empty list is reported with `ifEmpty`, which says what to list.
    package mutating func items(_ node: ConfigNode, expected: String, ifEmpty: String) -> [ConfigNode] {
        switch node.node {
        case .sequence(let sequence):
            if sequence.isEmpty { report(node, ifEmpty) }
            return sequence.enumerated().map { node.element($0.offset, $0.element) }
        case .scalar where !node.isNull:
            return [node]
        default:
            report(node, "expected \(expected), got \(node.valueDescription)")
            return []
        }
    }
}
