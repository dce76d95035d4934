import NIOCore

/// How a body is delimited on the wire, decided once by the framing layer (RFC 9112 §6.3) from what was received.
///
/// This is the only source of the framing lines the balancer writes: a peer's `Content-Length` and
/// `Transfer-Encoding` lines are never copied to the next hop (`HTTP1ReceivedHead.forEachForwardedField` leaves them
/// out), so the next hop reads exactly the message boundaries the balancer read, whatever the peer sent.
package enum HTTP1Framing: Sendable, Equatable {
    /// No body, and no framing line.
    case none
    case contentLength(Int64)
    case chunked

    /// Whether the body is chunked. A pattern match, inlined where it is asked: `== .chunked` from another module
    /// calls the synthesized `==` through its protocol witness, on every request.
    @inlinable package var isChunked: Bool {
        if case .chunked = self { return true }
        return false
    }

    /// Writes the framing line for this framing (`Content-Length: N` or `Transfer-Encoding: chunked`), if any.
    package func writeLine(into out: inout ByteBuffer) {
        switch self {
        case .none:
            break
        case .contentLength(let length):
            out.writeStaticString("Content-Length: ")
            out.writeDecimal(length)
            out.writeStaticString("\r\n")
        case .chunked:
            out.writeStaticString("Transfer-Encoding: chunked\r\n")
        }
    }
}

extension ByteBuffer {
    /// A non-negative integer in decimal digits, without going through `String`.
    package mutating func writeDecimal(_ value: Int64) {
        precondition(value >= 0, "a length is never negative")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 ASCII digits, written most significant first
        var count = 0
        var rest = UInt64(value)
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(48 + rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            _ = writeBytes(UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }
}
