import Shared

/// Which durations a key accepts: zero is meaningful for some keys (`0` = unlimited, off) and not for others.
package enum DurationRule {
    /// Strictly longer than zero: a timeout of zero would fail every request.
    case positive
    /// Zero allowed, with the meaning documented at the key.
    case nonNegative
}

extension ConfigReader {
    /// The longest duration any key accepts; keeps every span well inside `Int64` nanoseconds.
    package static let longestDuration = NginxDuration(milliseconds: 10 * 31_536_000_000)

    /// A scalar as text; `expected` names what belongs there (`a host:port`) for the message.
    package mutating func text(_ node: ConfigNode, expected: String) -> String? {
        guard let text = node.scalarText else {
            report(node, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
        return text
    }

    /// A whole number inside `range`.
    package mutating func int(_ node: ConfigNode, in range: ClosedRange<Int>) -> Int? {
        let expected = range.upperBound == Int.max
            ? "a whole number ≥ \(range.lowerBound)"
            : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let text = node.scalarText, let value = Int(text), range.contains(value) else {
            report(node, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
        return value
    }

    /// `true` or `false`; YAML 1.1's yes/no/on/off are refused because they surprise people.
    package mutating func bool(_ node: ConfigNode) -> Bool? {
        switch node.scalarText {
        case "true": return true
        case "false": return false
        default:
            report(node, "expected true or false, got \(node.valueDescription)")
            return nil
        }
    }

    /// An nginx time (`100ms`, `30s`, `5m`, `1y`) that obeys `rule` and is at most ten years.
    package mutating func duration(_ node: ConfigNode, _ rule: DurationRule) -> NginxDuration? {
        guard let text = node.scalarText, let value = NginxDuration(parsing: text) else {
            report(node, "expected a duration such as 500ms, 30s, 5m or 1h, got \(node.valueDescription)")
            return nil
        }
        if rule == .positive && value.milliseconds == 0 {
            report(node, "must be longer than 0; give a duration such as 30s")
            return nil
        }
        if value > Self.longestDuration {
            report(node, "must be at most \(Self.longestDuration), got \(node.valueDescription)")
            return nil
        }
        return value
    }

    /// An nginx size (`512`, `16k`, `50m`, `1g`) inside `range` bytes.
    package mutating func size(_ node: ConfigNode, in range: ClosedRange<Int64>) -> NginxSize? {
        guard let text = node.scalarText, let value = NginxSize(parsing: text) else {
            report(node, "expected a size such as 512, 16k, 50m or 1g, got \(node.valueDescription)")
            return nil
        }
        guard range.contains(value.bytes) else {
            let lower = NginxSize(bytes: range.lowerBound)
            let bounds = range.upperBound == Int64.max
                ? "at least \(lower)"
                : "from \(lower) to \(NginxSize(bytes: range.upperBound))"
            report(node, "expected a size \(bounds), got \(node.valueDescription)")
            return nil
        }
        return value
    }

    /// One of the raw values of `T`, listing all of them when the value is something else.
    package mutating func choice<T: RawRepresentable & CaseIterable>(_ node: ConfigNode, of _: T.Type) -> T?
    where T.RawValue == String {
        if let text = node.scalarText, let value = T(rawValue: text) { return value }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        report(node, "expected one of \(allowed), got \(node.valueDescription)")
        return nil
    }

    /// A `host:port`, with the reason spelled out when it does not parse.
    package mutating func address(_ node: ConfigNode) -> HostPort? {
        guard let text = node.scalarText else {
            // `[::1]:80` unquoted is YAML's flow-list syntax, the most likely reason to get a list here.
            report(node, "expected host:port, got \(node.valueDescription); quote IPv6 addresses: \"[::1]:80\"")
            return nil
        }
        switch HostPort.parse(text) {
        case .success(let address): return address
        case .failure(let problem):
            report(node, problem.message)
            return nil
        }
    }
}
