import NIOHTTP1

/// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, so a proxy never forwards them: the fixed names,
/// `Proxy-*`, and every name listed in `Connection`.
enum HopByHopHeaders {
    /// The extra names a `Connection` header lists (besides `close`/`keep-alive`), lower-cased; usually empty, in
    /// which case nothing is allocated.
    static func listedNames(in headers: HTTPHeaders) -> [String] {
        var listed: [String] = []
        for (name, value) in headers where HeaderName.classify(name) == .connection {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingASCIIWhitespaceSubstring()
                let lower = trimmed.lowercased()
                if !lower.isEmpty && lower != "close" && lower != "keep-alive" { listed.append(lower) }
            }
        }
        return listed
    }

    /// Whether `name` (already classified as `kind`) must not cross the proxy.
    @inline(__always)
    static func isHopByHop(_ name: String, kind: HeaderName, listed: [String]) -> Bool {
        if kind.isHopByHop { return true }
        if listed.isEmpty { return false }
        return listed.contains { HeaderName.same($0, name) }
    }
}
