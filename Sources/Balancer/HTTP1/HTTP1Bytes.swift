/// Byte classes of RFC 9110/9112: the parser checks every byte of a head, so each test must be a few instructions.
/// The token class (`tchar`) is `HTTPBytes.isToken`, shared with the replica's fast path.
enum HTTP1Bytes {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let ht: UInt8 = 9
    static let colon: UInt8 = 58

    /// Bytes allowed in a field value: VCHAR, SP, HTAB and obs-text; never CR, LF, NUL or other controls.
    @inline(__always)
    static func isFieldValue(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == ht
    }

    /// Bytes allowed in a request target: visible ASCII and obs-text, no spaces or controls.
    @inline(__always)
    static func isTarget(_ b: UInt8) -> Bool {
        b > 0x20 && b != 0x7F
    }

    /// Value of a hexadecimal digit, or -1.
    static func hex(_ b: UInt8) -> Int {
        switch b {
        case 48...57: return Int(b) - 48
        case 65...70: return Int(b) - 55
        case 97...102: return Int(b) - 87
        default: return -1
        }
    }
}
