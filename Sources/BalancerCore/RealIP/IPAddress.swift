#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as two words: IPv6 as its 16 bytes, IPv4 as its IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so both kinds compare, hash and key a limit zone the same way. The client address of a
/// connection or request, as the peer, a PROXY protocol header or a trusted `X-Forwarded-For` gives it.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–7 and 8–15 of the 16-byte form, big-endian (network order) as read from the wire.
    package let high: UInt64
    package let low: UInt64

    private static let mappedHigh: UInt64 = 0
    private static let mappedLowPrefix: UInt64 = 0x0000_FFFF_0000_0000

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 4 bytes in network order.
    package init(ipv4 b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        self.init(
            high: Self.mappedHigh,
            low: Self.mappedLowPrefix | UInt64(b0) << 24 | UInt64(b1) << 16 | UInt64(b2) << 8 | UInt64(b3))
    }

    /// An address from 4 (IPv4) or 16 (IPv6) bytes in network order; nil for any other count.
    package init?(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        switch array.count {
        case 4:
            self.init(ipv4: array[0], array[1], array[2], array[3])
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(array[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(array[index]) }
            self.init(high: high, low: low)
        default:
            return nil
        }
    }

    /// Parses an address as proxies write it in `X-Forwarded-For`, `X-Real-IP` and PROXY headers: `192.0.2.1`,
    /// `2001:db8::1`, and with a port as nginx accepts it, `192.0.2.1:8080` or `[2001:db8::1]:8080`. Nothing
    /// else: no names, no zone ids, no spaces. Nil when the text is not one address.
    package init?(parsing text: some StringProtocol) {
        var host = Substring(text)
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || Self.isPort(rest.dropFirst()) && rest.first == ":" else { return nil }
            host = host[host.index(after: host.startIndex)..<close]
            guard host.contains(":") else { return nil }
        } else if let colon = host.firstIndex(of: ":"), host.lastIndex(of: ":") == colon {
            // One colon: IPv4 with a port (an IPv6 address has at least two).
            guard Self.isPort(host[host.index(after: colon)...]) else { return nil }
            host = host[..<colon]
        }
        guard !host.isEmpty, host.utf8.count <= 45,
            host.utf8.allSatisfy({ HTTP1Bytes.hex($0) >= 0 || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return nil }
        let literal = String(host)
        if !literal.contains(":") {
            var v4 = in_addr()
            guard inet_pton(AF_INET, literal, &v4) == 1 else { return nil }
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
        } else {
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, literal, &v6) == 1 else { return nil }
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
        }
    }

    /// 1 to 5 digits of a port number from 0 to 65535.
    private static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 5 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            && Int(text).map { $0 <= 65535 } == true
    }

    /// Whether this is an IPv4 address (kept in its IPv4-mapped form).
    package var isIPv4: Bool { high == Self.mappedHigh && low >> 32 == Self.mappedLowPrefix >> 32 }

    /// The 16 bytes, network order.
    package var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// The usual text form: dotted quad for IPv4, RFC 5952's compressed form for IPv6 (what `inet_ntop` writes).
    package var description: String {
        var source = bytes
        if isIPv4 {
            return "\(source[12]).\(source[13]).\(source[14]).\(source[15])"
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &source, &text, socklen_t(text.count)) != nil else { return "::" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
