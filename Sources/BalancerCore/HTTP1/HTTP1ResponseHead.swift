import NIOCore
import NIOHTTP1

/// A response head as the upstream sent it: version, status and every header line located in the received bytes and
/// classified once. The proxy forwards most lines byte for byte, so nothing becomes a `String` unless asked for.
package struct HTTP1ResponseHead: HTTP1ReceivedHead {
    package var version: HTTPVersion
    package var status: Int
    /// The reason phrase's position in `bytes` (may be empty).
    package var reason: Range<Int>
    package var fields: [HTTP1HeaderField]
    /// The whole head, status line to the empty line; offsets above are from its reader index. A view of the
    /// received buffer, not a copy.
    package var bytes: ByteBuffer
    /// Bytes already received behind the head (the start of the body, usually all of a small one).
    package var bufferedBodyBytes = 0
    /// How the body is delimited, as the decoder decided (RFC 9112 §6.3); the client's framing is written from this.
    package var framing = HTTP1BodyDecoder.Framing.none
    /// The upstream's `Content-Length`, checked; relayed for HEAD and 304, where it describes a body not sent.
    package var declaredLength: Int64?
    /// What the `Connection` headers said.
    package var connection = HTTP1ConnectionTokens()
}
