import Shared

/// `Host` and absolute-form authorities as RFC 9110 §7.2 / RFC 3986 §3.2.2 allow them: `uri-host [":" port]`, where
/// the host is a bracketed IP literal or a name of unreserved and sub-delimiter characters. Anything else is
/// refused (400) rather than copied into `X-Forwarded-Host` or used to pick a virtual host.
package enum HostSyntax {
    package static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid(UnsafeRawBufferPointer($0)) }
    }

    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        var i = 0
        if bytes[0] == UInt8(ascii: "[") {
            // IP-literal: hex digits, colons and dots (IPv6, with an embedded IPv4 part) up to `]`.
            i = 1
            while i < bytes.count && bytes[i] != UInt8(ascii: "]") {
                let b = bytes[i]
                guard HTTP1Bytes.hex(b) >= 0 || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") else { return false }
                i += 1
            }
            guard i < bytes.count, i > 1 else { return false }
            i += 1
        } else {
            var previous: UInt8 = 0
            while i < bytes.count && bytes[i] != UInt8(ascii: ":") {
                let b = bytes[i]
                guard isNameByte(b) else { return false }
                // `..` has no place in a name and would be a path step where a host becomes part of a path.
                if b == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return false }
                previous = b
                i += 1
            }
            guard i > 0 else { return false }
        }
        guard i < bytes.count else { return true }
        // `:` port — one to five digits.
        guard bytes[i] == UInt8(ascii: ":") else { return false }
        let digits = bytes.count - i - 1
        guard digits >= 1, digits <= 5 else { return false }
        return bytes[(i + 1)...].allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// unreserved / sub-delims of RFC 3986 (no `%`: no name needs escapes in a `Host`).
    private static func isNameByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): return true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default: return false
        }
    }
}
