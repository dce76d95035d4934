import BalancerCore
import Crypto

/// The digest `admin.basic_auth.password_sha256` is given in: lower-case hex of the SHA-256 of the password's UTF-8
/// bytes (`printf %s 'pw' | sha256sum`). swift-crypto computes it; it runs once per admin request, never on the
/// proxy path.
enum PasswordDigest {
    static func sha256Hex(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(text.utf8)) {
            out.unicodeScalars.append(Unicode.Scalar(hexDigit(byte >> 4)))
            out.unicodeScalars.append(Unicode.Scalar(hexDigit(byte & 0xF)))
        }
        return out
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 48 + nibble : 87 + nibble
    }
}
