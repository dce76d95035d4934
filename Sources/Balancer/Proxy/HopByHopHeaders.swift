import NIOHTTP1

/// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, so a proxy never forwards them: the fixed names,
/// `Proxy-*`, and every name listed in `Connection`.
enum HopByHopHeaders {
    /// The extra names a `Connection` header lists (besides `close`/`keep-alive`), lower-cased; usually empty, in
    /// which case nothing is allocated.
    static func listedNames(in headers: HTTPHeaders) -> [String] {
        listedNames(inValues: headers.lazy.filter { HeaderName.classify($0.name) == .connection }.map(\.value))
    }

    /// The same from the values of the `Connection` headers.
    static func listedNames(inValues values: some Sequence<String>) -> [String] {
        var listed: [String] = []
        for value in values {
            for token in value.split(separator: ",") {
                let lower = token.trimmingASCIIWhitespaceSubstring().lowercased()
                if !lower.isEmpty && lower != "close" && lower != "keep-alive" { listed.append(lower) }
            }
        }
        return listed
    }
}
