/// A file name pattern of `static.immutable` / `static.no_cache`: `*` (any run of characters but `/`), `?` (one
/// character but `/`) and `{hash}` (a content hash: 8 to 64 of `A-Z a-z 0-9 _ -` with at least one digit, as
/// webpack's `[contenthash]` and Rollup's `[hash]` write them). A pattern without `/` is matched against the file
/// name, one with `/` against the whole request path (as `.gitignore` does).
package struct StaticNamePattern: Sendable, Hashable {
    private enum Token: Sendable, Hashable {
        case literal(UInt8)
        case any
        case one
        case hash
    }

    private let tokens: [Token]
    private let wholePath: Bool

    /// Why `text` is not a pattern, or nil when it is one.
    package static func problem(in text: String) -> String? {
        var rest = Substring(text)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard rest[brace...].hasPrefix("{hash}") else { return "only {hash} may stand in braces" }
            rest = rest[rest.index(brace, offsetBy: 6)...]
        }
        return text.isEmpty ? "a pattern cannot be empty" : nil
    }

    /// nil when `problem(in:)` finds one.
    package init?(_ text: String) {
        guard Self.problem(in: text) == nil else { return nil }
        var tokens: [Token] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "*"):
                if tokens.last != .any { tokens.append(.any) }
                i += 1
            case UInt8(ascii: "?"):
                tokens.append(.one)
                i += 1
            case UInt8(ascii: "{"):
                tokens.append(.hash)
                i += 6
            default:
                tokens.append(.literal(bytes[i]))
                i += 1
            }
        }
        self.tokens = tokens
        self.wholePath = bytes.contains(UInt8(ascii: "/"))
    }

    /// Whether the request path `path` (starting with `/`) matches.
    package func matches(path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            guard !wholePath, let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return match(0, bytes, 0) }
            return match(0, UnsafeBufferPointer(rebasing: bytes[(slash + 1)...]), 0)
        }
    }

    private func match(_ t: Int, _ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard t < tokens.count else { return i == s.count }
        switch tokens[t] {
        case .literal(let byte):
            return i < s.count && s[i] == byte && match(t + 1, s, i + 1)
        case .one:
            return i < s.count && s[i] != UInt8(ascii: "/") && match(t + 1, s, i + 1)
        case .any:
            var j = i
            while true {
                if match(t + 1, s, j) { return true }
                guard j < s.count, s[j] != UInt8(ascii: "/") else { return false }
                j += 1
            }
        case .hash:
            var j = i
            var digit = false
            while j < s.count, j - i < 64, Self.isHashByte(s[j]) {
                if s[j] >= UInt8(ascii: "0") && s[j] <= UInt8(ascii: "9") { digit = true }
                j += 1
                if j - i >= 8 && digit && match(t + 1, s, j) { return true }
            }
            return false
        }
    }

    private static func isHashByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }
}
