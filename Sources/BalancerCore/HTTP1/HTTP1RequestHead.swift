import NIOCore
import NIOHTTP1

/// A request head as the client sent it: the request line, parsed for the decisions, and every header line located
/// in the received bytes and classified by name. A header's value becomes text only when something reads it
/// (`first(_:)`): forwarding copies lines, so a request carries no `String` per header.
package struct HTTP1RequestHead: HTTP1ReceivedHead {
    package var method: HTTPMethod
    /// The normalised target (see `HTTP1Target`), which routing and forwarding use; `requestURI` is the client's.
    package var uri: String
    package var version: HTTPVersion
    /// Method and request target, `METHOD SP target`, at the start of `bytes`, as received.
    package var requestLine: Range<Int>
    package var fields: [HTTP1HeaderField]
    /// The whole head, request line to the empty line; offsets above are from its reader index.
    package var bytes: ByteBuffer
    /// What the `Connection` headers said.
    package var connection = HTTP1ConnectionTokens()
    /// The body framing, or why the head must be refused, as `RequestHygiene` found it while decoding.
    package var checked: Result<HTTP1Framing, RequestHygiene.Violation> = .success(.none)
    /// `uri` differs from the target in the request line (normalised, or made origin-form).
    package var targetWasNormalized = false

    /// Without header lines unless given: what a connection's record holds between requests, and what tests build.
    package init(
        method: HTTPMethod,
        uri: String,
        version: HTTPVersion,
        requestLine: Range<Int> = 0..<0,
        fields: [HTTP1HeaderField] = [],
        bytes: ByteBuffer = ByteBuffer(),
        connection: HTTP1ConnectionTokens = HTTP1ConnectionTokens()
    ) {
        self.method = method
        self.uri = uri
        self.version = version
        self.requestLine = requestLine
        self.fields = fields
        self.bytes = bytes
        self.connection = connection
    }

    /// How the body is delimited; `.none` for a refused head (which is answered locally, never forwarded).
    package var framing: HTTP1Framing {
        if case .success(let framing) = checked { return framing }
        return .none
    }
}
