import NIOHTTP1
import Shared

/// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, so a proxy never forwards them: the fixed names,
/// `Proxy-*`, and every name listed in `Connection`.
package enum HopByHopHeaders {
    /// The extra names `Connection` headers list (besides `close`/`keep-alive`), lower-cased, from their values.
    package static func listedNames(inValues values: some Sequence<String>) -> [String] {
        var listed: [String] = []
        for value in values {
            for token in value.split(separator: ",") {
                let lower = token.trimmingASCIIWhitespaceSubstring().lowercased()
                if !lower.isEmpty && lower != "close" && lower != "keep-alive" { listed.append(lower) }
            }
        }
        return listed
    }

    /// Whether the header name `name` (as received, any case) is one of `listed` (lower-cased, from
    /// `listedNames`); compared byte by byte, nothing allocated.
    package static func isListed(_ name: UnsafeRawBufferPointer, in listed: [String]) -> Bool {
        listed.contains { HTTPBytes.equalsIgnoringCase(name, $0.utf8) }
    }
}
