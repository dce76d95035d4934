import NIOCore
import NIOHTTP1
import Shared

/// Parses a complete HTTP/1.1 head (start line + header lines + empty line) strictly: CRLF line ends, tokens where
/// the grammar says token, no whitespace before a colon, no obs-fold, no control bytes. What a lenient parser would
/// read one way and an upstream another is refused here, before anything is forwarded.
package enum HTTP1HeadParser {
    /// The offset just past the `CRLF CRLF` that ends a head, searching `bytes` from `from`; nil if not there yet.
    package static func findHeadEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = max(from, 3)
        let count = bytes.count
        while i < count {
            if bytes[i] == HTTP1Bytes.lf {
                if bytes[i - 1] == HTTP1Bytes.cr && bytes[i - 2] == HTTP1Bytes.lf && bytes[i - 3] == HTTP1Bytes.cr {
                    return i + 1
                }
                i += 1
            } else {
                // The earliest a head can end is 3 bytes after a non-LF byte.
                i += bytes[i] == HTTP1Bytes.cr ? 1 : 2
            }
        }
        return nil
    }

    /// The request line and header lines of `bytes`, parsed for decisions and located for forwarding; `bytes` of
    /// the result is left for the caller to set. The list of lines comes from `lists`.
    package static func parseRequest(
        _ bytes: UnsafeRawBufferPointer,
        lists: inout HTTP1FieldListPool
    ) throws(HTTP1ParseError) -> HTTP1RequestHead {
        var i = 0
        let count = bytes.count
        // Method: upper-case letters, `-` and `_`, as nginx accepts. Any token is a method to RFC 9110, but methods
        // are case-sensitive and servers that upper-case them would read `get` as a GET the balancer did not see.
        while i < count && isMethodByte(bytes[i]) { i += 1 }
        guard i > 0, i < count, bytes[i] == HTTP1Bytes.sp else { throw .invalidRequestLine }
        let method = HTTPMethod.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<i]))
        i += 1
        let targetStart = i
        while i < count && HTTP1Bytes.isTarget(bytes[i]) { i += 1 }
        guard i > targetStart, i < count, bytes[i] == HTTP1Bytes.sp else { throw .invalidRequestLine }
        let uri = string(bytes, targetStart, i)
        let requestLine = 0..<i
        i += 1
        let version = try parseVersion(bytes, at: i)
        i += 8
        guard i + 1 < count, bytes[i] == HTTP1Bytes.cr, bytes[i + 1] == HTTP1Bytes.lf else {
            throw .invalidRequestLine
        }
        // No text is made of the header lines: the few values a decision needs are read from `bytes` on demand.
        let (fields, connection) = try locateFields(bytes, from: i + 2, into: lists.take())
        return HTTP1RequestHead(
            method: method,
            uri: uri,
            version: version,
            requestLine: requestLine,
            fields: fields,
            bytes: ByteBuffer(),
            connection: connection
        )
    }

    /// The status line and header lines located in `bytes`; `bytes` of the result is left for the caller to set
    /// (the decoder hands over a view of its buffer). The list of lines comes from `lists`.
    package static func parseResponse(
        _ bytes: UnsafeRawBufferPointer,
        lists: inout HTTP1FieldListPool
    ) throws(HTTP1ParseError) -> HTTP1ResponseHead {
        let count = bytes.count
        let version = try parseVersion(bytes, at: 0)
        var i = 8
        guard i + 4 <= count, bytes[i] == HTTP1Bytes.sp else { throw .invalidStatusLine }
        i += 1
        var code = 0
        for _ in 0..<3 {
            let digit = Int(bytes[i]) - 48
            guard digit >= 0 && digit <= 9 else { throw .invalidStatusLine }
            code = code * 10 + digit
            i += 1
        }
        // RFC 9110 §15: 100–599; a 600 or a 999 means something only its sender knows.
        guard code >= 100 && code <= 599 else { throw .invalidStatusLine }
        // Exactly three digits: `HTTP/1.1 2000` is not status 200 with a reason of "0".
        guard i < count, bytes[i] == HTTP1Bytes.sp || bytes[i] == HTTP1Bytes.cr else { throw .invalidStatusLine }
        var reasonStart = i
        if bytes[i] == HTTP1Bytes.sp {
            i += 1
            reasonStart = i
        }
        while i < count && bytes[i] != HTTP1Bytes.cr {
            guard HTTP1Bytes.isFieldValue(bytes[i]) else { throw .invalidStatusLine }
            i += 1
        }
        guard i + 1 < count, bytes[i + 1] == HTTP1Bytes.lf else { throw .invalidStatusLine }
        let (fields, connection) = try locateFields(bytes, from: i + 2, into: lists.take())
        return HTTP1ResponseHead(
            version: version,
            status: code,
            reason: reasonStart..<i,
            fields: fields,
            bytes: ByteBuffer(),
            connection: connection
        )
    }

    /// The header lines from `start`, located and classified, and what their `Connection` tokens say.
    /// `fields` is an empty list to fill (a refused head's list is dropped: a rare case, not worth recycling).
    private static func locateFields(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        into fields: consuming [HTTP1HeaderField]
    ) throws(HTTP1ParseError) -> ([HTTP1HeaderField], HTTP1ConnectionTokens) {
        var fields = fields
        var connection = HTTP1ConnectionTokens()
        let typed = bytes.bindMemory(to: UInt8.self)
        try scanHeaders(bytes, from: start) { name, value in
            let kind = HeaderName.classify(UnsafeBufferPointer(rebasing: typed[name]))
            if kind == .connection { connection.read(bytes, value) }
            fields.append(HTTP1HeaderField(kind: kind, name: name, value: value))
        }
        return (fields, connection)
    }

    private static func parseVersion(_ bytes: UnsafeRawBufferPointer, at i: Int) throws(HTTP1ParseError) -> HTTPVersion
    {
        guard i + 8 <= bytes.count,
            bytes[i] == UInt8(ascii: "H"), bytes[i + 1] == UInt8(ascii: "T"), bytes[i + 2] == UInt8(ascii: "T"),
            bytes[i + 3] == UInt8(ascii: "P"), bytes[i + 4] == UInt8(ascii: "/"), bytes[i + 5] == UInt8(ascii: "1"),
            bytes[i + 6] == UInt8(ascii: ".")
        else { throw .invalidVersion }
        switch bytes[i + 7] {
        case UInt8(ascii: "1"): return .http1_1
        case UInt8(ascii: "0"): return .http1_0
        default: throw .invalidVersion
        }
    }

    /// Checks the header lines from `start` up to the empty line that ends the head and reports each one's name and
    /// value (without surrounding whitespace) as offsets into `bytes`.
    @inline(__always)
    private static func scanHeaders(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        _ field: (Range<Int>, Range<Int>) -> Void
    ) throws(HTTP1ParseError) {
        var i = start
        let count = bytes.count
        while i + 1 < count {
            if bytes[i] == HTTP1Bytes.cr {
                guard bytes[i + 1] == HTTP1Bytes.lf else { throw .invalidHeader }
                return
            }
            // A line starting with whitespace is obs-fold: refused (RFC 9112 §5.2 allows a proxy to reject it).
            let nameStart = i
            while i < count && HTTPBytes.isToken(bytes[i]) { i += 1 }
            guard i > nameStart, i < count, bytes[i] == HTTP1Bytes.colon else { throw .invalidHeader }
            let nameEnd = i
            i += 1
            while i < count && (bytes[i] == HTTP1Bytes.sp || bytes[i] == HTTP1Bytes.ht) { i += 1 }
            let valueStart = i
            var valueEnd = i
            value: while i < count {
                // Eight bytes at once while none ends the value or needs a look of its own.
                if i + 8 <= count, isPlainValueWord(bytes, at: i) {
                    i += 8
                    valueEnd = i
                    continue
                }
                let stop = min(i + 8, count)
                while i < stop {
                    let b = bytes[i]
                    if b == HTTP1Bytes.cr { break value }
                    guard HTTP1Bytes.isFieldValue(b) else { throw .invalidHeader }
                    i += 1
                    if b != HTTP1Bytes.sp && b != HTTP1Bytes.ht { valueEnd = i }
                }
            }
            guard i + 1 < count, bytes[i + 1] == HTTP1Bytes.lf else { throw .invalidHeader }
            field(nameStart..<nameEnd, valueStart..<valueEnd)
            i += 2
        }
        throw .invalidHeader
    }

    /// Whether the eight bytes at `offset` are all allowed in a field value, none of them a control byte (CR, HT,
    /// anything below 0x20) or DEL, and the last one not a space, so they extend the value as a whole. Bytes from
    /// 0x80 (obs-text) pass, as `HTTP1Bytes.isFieldValue` lets them. Exact: a word is refused if and only if one of
    /// its bytes is below 0x20 or is 0x7F, or its last byte is a space (the borrows of the subtractions below only
    /// spill into higher bytes when a lower one is already a match).
    @inline(__always)
    private static func isPlainValueWord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word & highs
        let delete = word ^ (ones &* 0x7F)
        let hasDelete = (delete &- ones) & ~delete & highs
        return belowSpace | hasDelete == 0 && word >> 56 != UInt64(HTTP1Bytes.sp)
    }

    @inline(__always)
    private static func isMethodByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    @inline(__always)
    private static func string(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}
