/// A `Content-Length` value as RFC 9112 §6.2 writes it: `1*DIGIT`, nothing else (no sign, no list, no spaces
/// inside), at most 18 digits so it cannot overflow. Both decoders read lengths through here.
package enum HTTP1ContentLength {
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            let digit = Int64(byte) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
