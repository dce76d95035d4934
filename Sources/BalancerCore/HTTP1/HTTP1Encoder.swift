import NIOCore
import NIOHTTP1

/// Writes the balancer's own response heads and chunked framing straight into `ByteBuffer`s: one buffer per head,
/// body parts passed through untouched (a chunk adds a few framing bytes around the payload, never a copy of it).
package enum HTTP1Encoder {
    package static func writeResponseHead(_ head: HTTPResponseHead, into buffer: inout ByteBuffer) {
        if head.version.major == 1 && head.version.minor == 0 {
            buffer.writeStaticString("HTTP/1.0 ")
        } else {
            buffer.writeStaticString("HTTP/1.1 ")
        }
        let code = Int(head.status.code)
        buffer.writeInteger(UInt8(48 + code / 100))
        buffer.writeInteger(UInt8(48 + code / 10 % 10))
        buffer.writeInteger(UInt8(48 + code % 10))
        buffer.writeStaticString(" ")
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        writeHeaders(head.headers, into: &buffer)
    }

    private static func writeHeaders(_ headers: HTTPHeaders, into buffer: inout ByteBuffer) {
        for (name, value) in headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// `size CRLF` before a chunk's payload.
    package static func writeChunkHeader(size: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(size, radix: 16))
        buffer.writeStaticString("\r\n")
    }

    @inlinable package static var chunkTrailer: StaticString { "\r\n" }
    @inlinable package static var lastChunk: StaticString { "0\r\n\r\n" }
}
