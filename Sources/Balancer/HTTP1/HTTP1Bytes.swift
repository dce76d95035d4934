/// Byte classes of RFC 9110/9112, as lookup tables: the parser checks every byte of a head, so each test must be
/// one load.
enum HTTP1Bytes {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let ht: UInt8 = 9
    static let colon: UInt8 = 58

    /// `tchar`: the characters of a token (method, header name).
    static let token: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
        return table
    }()

    /// Bytes allowed in a field value: VCHAR, SP, HTAB and obs-text; never CR, LF, NUL or other controls.
    static let fieldValue: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in 0x20...0x7E { table[b] = true }
        for b in 0x80...0xFF { table[b] = true }
        table[9] = true
        return table
    }()

    /// Bytes allowed in a request target: visible ASCII and obs-text, no spaces or controls.
    static let target: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { table[b] = true }
        for b in 0x80...0xFF { table[b] = true }
        return table
    }()

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
