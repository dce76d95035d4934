import NIOCore
import NIOHTTP1

/// A request head as the client sent it: the parsed head the proxy decides with, plus every header line located in
/// the received bytes, so that forwarding copies lines instead of re-encoding them.
struct HTTP1RequestHead {
    var head: HTTPRequestHead
    /// Method and request target, `METHOD SP target`, at the start of `bytes`.
    var requestLine: Range<Int>
    var fields: [HTTP1HeaderField]
    /// The whole head, request line to the empty line; offsets above are from its reader index.
    var bytes: ByteBuffer
    /// Whether a `Connection` header names other headers besides `close` and `keep-alive` (they are hop-by-hop).
    var connectionListsNames = false
    /// Whether the client lets the connection stay open after this request (RFC 9112 §9.3), from the `Connection`
    /// tokens read while parsing.
    var isKeepAlive = true
    /// The body framing, or why the head must be refused, as `RequestHygiene` found it while decoding.
    var checked: Result<RequestBodyFraming, RequestHygiene.Violation> = .success(.none)

    /// The first value of a header of `kind`, as text.
    func first(_ kind: HeaderName) -> String? {
        guard let field = fields.first(where: { $0.kind == kind }) else { return nil }
        return bytes.getString(at: bytes.readerIndex + field.value.lowerBound, length: field.value.count)
    }
}
