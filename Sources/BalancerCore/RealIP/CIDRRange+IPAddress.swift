/// Matching an `IPAddress` against a network, for `real_ip.from`: once per connection for the peer and once per
/// trusted hop of a forwarded list, so without any text.
extension CIDRRange {
    /// Whether `address` lies in this range. An IPv4 range matches IPv4 addresses (kept IPv4-mapped); an IPv6
    /// range matches by the 16 bytes, so `::ffff:0:0/96` matches every IPv4 address, as in nginx.
    package func contains(_ address: IPAddress) -> Bool {
        if bytes.count == 4 {
            guard address.isIPv4 else { return false }
            return Self.prefixMatches(UInt64(bytes[0]) << 24 | UInt64(bytes[1]) << 16 | UInt64(bytes[2]) << 8
                | UInt64(bytes[3]), address.low & 0xFFFF_FFFF, bits: prefixLength, width: 32)
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        let highBits = min(prefixLength, 64)
        return Self.prefixMatches(high, address.high, bits: highBits, width: 64)
            && Self.prefixMatches(low, address.low, bits: prefixLength - highBits, width: 64)
    }

    /// Whether the first `bits` of two `width`-bit words are equal.
    private static func prefixMatches(_ a: UInt64, _ b: UInt64, bits: Int, width: Int) -> Bool {
        guard bits > 0 else { return true }
        let shift = UInt64(width - bits)
        return a >> shift == b >> shift
    }
}
