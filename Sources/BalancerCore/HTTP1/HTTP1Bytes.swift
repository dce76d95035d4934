/// Byte classes of RFC 9110/9112: the parser checks every byte of a head, so each test must be a few instructions.
/// The token class (`tchar`) is `HTTPBytes.isToken`, shared with the replica's fast path.
package enum HTTP1Bytes {
    package static let cr: UInt8 = 13
    package static let lf: UInt8 = 10
    package static let sp: UInt8 = 32
    package static let ht: UInt8 = 9
    package static let colon: UInt8 = 58

    /// Bytes allowed in a field value: VCHAR, SP, HTAB and obs-text; never CR, LF, NUL or other controls.
    @inline(__always)
    package static func isFieldValue(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == ht
    }

    /// Bytes allowed in a request target: visible ASCII and obs-text, no spaces or controls.
    @inline(__always)
    package static func isTarget(_ b: UInt8) -> Bool {
        b > 0x20 && b != 0x7F
    }

    /// Value of a hexadecimal digit, or -1.
    package static func hex(_ b: UInt8) -> Int {
        switch b {
        case 48...57: return Int(b) - 48
        case 65...70: return Int(b) - 55
        case 97...102: return Int(b) - 87
        default: return -1
        }
    }

    /// Calls `body` with each element of the comma-separated list in `bytes[range]` (`Connection`,
    /// `Transfer-Encoding`), without the spaces and tabs around it. Empty elements are passed too (`a,,b`, a trailing
    /// comma, an empty value), for the callers that must refuse them.
    @inline(__always)
    package static func forEachListElement<E: Error>(
        _ bytes: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> Void
    ) throws(E) {
        let typed = bytes.bindMemory(to: UInt8.self)
        var start = range.lowerBound
        while start <= range.upperBound {
            var end = start
            while end < range.upperBound && bytes[end] != UInt8(ascii: ",") { end += 1 }
            var a = start
            var b = end
            while a < b && (bytes[a] == sp || bytes[a] == ht) { a += 1 }
            while b > a && (bytes[b - 1] == sp || bytes[b - 1] == ht) { b -= 1 }
            try body(UnsafeBufferPointer(rebasing: typed[a..<b]))
            start = end + 1
        }
    }
}
