import NIOHTTP1

/// What the `Connection` headers of a head say, read once while parsing: `close`, `keep-alive`, and whether they
/// name other headers (which are then hop-by-hop too).
struct HTTP1ConnectionTokens {
    var close = false
    var keepAlive = false
    var listsNames = false

    /// Adds the comma-separated tokens of one `Connection` value, `bytes[value]`.
    mutating func read(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) {
        let typed = bytes.bindMemory(to: UInt8.self)
        var start = value.lowerBound
        while start < value.upperBound {
            var end = start
            while end < value.upperBound && bytes[end] != UInt8(ascii: ",") { end += 1 }
            var a = start
            var b = end
            while a < b && (bytes[a] == HTTP1Bytes.sp || bytes[a] == HTTP1Bytes.ht) { a += 1 }
            while b > a && (bytes[b - 1] == HTTP1Bytes.sp || bytes[b - 1] == HTTP1Bytes.ht) { b -= 1 }
            let token = UnsafeBufferPointer(rebasing: typed[a..<b])
            if HeaderName.equal(token, "close") {
                close = true
            } else if HeaderName.equal(token, "keep-alive") {
                keepAlive = true
            } else if !token.isEmpty {
                listsNames = true
            }
            start = end + 1
        }
    }

    /// Whether a message of `version` with these tokens lets its connection stay open (RFC 9112 §9.3): HTTP/1.1
    /// unless `close`, HTTP/1.0 only with `keep-alive`.
    func keepsAlive(_ version: HTTPVersion) -> Bool {
        !close && (version.minor >= 1 || keepAlive)
    }
}
