import NIOHTTP1

/// Removes hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, so a proxy never forwards them.
enum HopByHopHeaders {
    /// Names that are always connection-specific. `upgrade` is handled by the caller (kept only when upgrading).
    private static let fixed: [String] = [
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "proxy-connection",
        "proxy-authenticate", "proxy-authorization", "upgrade",
    ]

    /// Strips the fixed hop-by-hop names, every name listed in `Connection`, and any `Proxy-*` header.
    /// Returns whether anything was removed beyond the fixed names (for tests and logs, not behaviour).
    static func strip(_ headers: inout HTTPHeaders) {
        var listed: [String] = []
        for value in headers[canonicalForm: "connection"] {
            let token = value.lowercased()
            if token != "close" && token != "keep-alive" { listed.append(String(token)) }
        }
        var hasProxyPrefixed = false
        for (name, _) in headers where name.utf8.count > 6 {
            if name.lowercased().hasPrefix("proxy-") { hasProxyPrefixed = true }
        }
        // Removal is by name; checking `contains` first avoids a rebuild of the header storage when absent,
        // which is the common case on the hot path.
        for name in fixed where headers.contains(name: name) { headers.remove(name: name) }
        for name in listed where headers.contains(name: name) { headers.remove(name: name) }
        if hasProxyPrefixed {
            let names = headers.map { $0.name }.filter { $0.lowercased().hasPrefix("proxy-") }
            for name in names { headers.remove(name: name) }
        }
    }
}
