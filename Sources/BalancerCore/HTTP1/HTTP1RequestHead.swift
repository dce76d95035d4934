import NIOCore
import NIOHTTP1

/// A request head as the client sent it: the parsed head the proxy decides with, plus every header line located in
/// the received bytes, so that forwarding copies lines instead of re-encoding them.
package struct HTTP1RequestHead: HTTP1ReceivedHead {
    /// The parsed head; `uri` is the normalised target (see `HTTP1Target`), which routing and forwarding use.
    package var head: HTTPRequestHead
    /// Method and request target, `METHOD SP target`, at the start of `bytes`, as received.
    package var requestLine: Range<Int>
    package var fields: [HTTP1HeaderField]
    /// The whole head, request line to the empty line; offsets above are from its reader index.
    package var bytes: ByteBuffer
    /// What the `Connection` headers said.
    package var connection = HTTP1ConnectionTokens()
    /// The body framing, or why the head must be refused, as `RequestHygiene` found it while decoding.
    package var checked: Result<HTTP1Framing, RequestHygiene.Violation> = .success(.none)
    /// `head.uri` differs from the target in the request line (normalised, or made origin-form).
    package var targetWasNormalized = false

    package var version: HTTPVersion { head.version }

    /// How the body is delimited; `.none` for a refused head (which is answered locally, never forwarded).
    package var framing: HTTP1Framing {
        if case .success(let framing) = checked { return framing }
        return .none
    }
}
