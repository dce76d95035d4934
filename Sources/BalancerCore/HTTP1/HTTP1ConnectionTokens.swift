import NIOHTTP1

/// What the `Connection` headers of a head say, read once while parsing: `close`, `keep-alive`, and whether they
/// name other headers (which are then hop-by-hop too).
package struct HTTP1ConnectionTokens {
    package var close = false
    package var keepAlive = false
    package var listsNames = false

    /// Adds the comma-separated tokens of one `Connection` value, `bytes[value]`.
    package mutating func read(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) {
        HTTP1Bytes.forEachListElement(bytes, value) { token in
            if HeaderName.equal(token, "close") {
                close = true
            } else if HeaderName.equal(token, "keep-alive") {
                keepAlive = true
            } else if !token.isEmpty {
                listsNames = true
            }
        }
    }

    /// Whether a message of `version` with these tokens lets its connection stay open (RFC 9112 §9.3): HTTP/1.1
    /// unless `close`, HTTP/1.0 only with `keep-alive`.
    package func keepsAlive(_ version: HTTPVersion) -> Bool {
        !close && (version.minor >= 1 || keepAlive)
    }
}
