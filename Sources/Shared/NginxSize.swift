/// A byte count written the way nginx writes sizes: `512`, `16k`, `50m`, `1g` (case-insensitive, binary multiples).
public struct NginxSize: Sendable, Hashable, CustomStringConvertible {
    /// The size in bytes.
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    /// Parses `text`; returns nil for anything nginx would refuse (negative, fractional, unknown suffix, overflow).
    public init?(parsing text: String) {
        var digits = Substring(text.trimmingASCIIWhitespace())
        guard let last = digits.last else { return nil }
        var multiplier: Int64 = 1
        switch last {
        case "k", "K": multiplier = 1 << 10
        case "m", "M": multiplier = 1 << 20
        case "g", "G": multiplier = 1 << 30
        default: break
        }
        if multiplier != 1 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else {
            return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self.bytes = product
    }

    /// The shortest nginx spelling of this size (`50m` rather than `52428800`).
    public var description: String {
        for (suffix, shift) in [("g", 30), ("m", 20), ("k", 10)] where bytes != 0 && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs; avoids Foundation on paths that run often.
    public func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = self.firstIndex(where: { !isSpace($0) }),
            let last = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
