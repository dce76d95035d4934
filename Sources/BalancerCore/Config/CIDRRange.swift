#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address), for `admin.allow`.
///
/// Addresses are kept as raw bytes (4 or 16) so matching is a byte comparison; an IPv4 client seen as an
/// IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is matched against IPv4 ranges as well.
package struct CIDRRange: Sendable, Hashable, CustomStringConvertible {
    package let bytes: [UInt8]
    package let prefixLength: Int

    /// Parses `address[/prefix]`; nil when either part is not valid.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = CIDRRange.addressBytes(String(parts[0])) else { return nil }
        let maxPrefix = bytes.count * 8
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maxPrefix).contains(value) else { return nil }
            prefix = value
        }
        self.bytes = bytes
        self.prefixLength = prefix
    }

    package var description: String {
        let address = bytes.count == 4
            ? bytes.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        return "\(address)/\(prefixLength)"
    }

    /// Whether the textual address `client` lies in this range.
    package func contains(_ client: String) -> Bool {
        guard var candidate = CIDRRange.addressBytes(client) else { return false }
        if candidate.count == 16 && bytes.count == 4 && candidate.prefix(12) == CIDRRange.mappedPrefix[...] {
            candidate = Array(candidate.suffix(4))
        }
        guard candidate.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if candidate[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal, nil for anything else.
    package static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
