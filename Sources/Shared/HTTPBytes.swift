/// Byte tests of RFC 9110 that both HTTP parsers (the balancer's and the replica's fast path) run on every byte of a
/// head: plain arithmetic with no tables, inlinable so each call compiles down to a few instructions in the caller.
public enum HTTPBytes {
    /// `tchar`: the characters of a token (method, header name). A 128-bit set in two words: no global table to
    /// initialise and no bounds to check per byte.
    @inlinable @inline(__always)
    public static func isToken(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(byte) & 1 == 1 }
        if byte < 128 { return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(byte &- 64) & 1 == 1 }
        return false
    }

    /// `byte` with an ASCII capital letter made lower-case; any other byte unchanged.
    @inlinable @inline(__always)
    public static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Whether `bytes` (as received, any case) spell `lowercased`: header names and `Connection` options compare
    /// case-insensitively, without making a `String` of either side.
    @inlinable
    public static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ lowercased: some Collection<UInt8>) -> Bool
    {
        bytes.count == lowercased.count && zip(bytes, lowercased).allSatisfy { Self.lowercased($0) == $1 }
    }
}
