import BalancerCore
import NIOCore
import NIOHTTP1

/// What the handler remembers about the request in progress (for rewriting, retries and the access log).
struct RequestRecord {
    /// The head as received, while its request is in progress: a view of its bytes and its located lines, so
    /// keeping it copies nothing, and the access log reads the lines it writes from it. nil from the moment the
    /// request is logged: a response to bytes that never made a head (a malformed request line, a header timeout)
    /// finds none, and so is not taken for the answer to the previous request's method.
    var head: HTTP1RequestHead?
    /// The head sent upstream, written once and sent again as it is on a retry; nil between requests (an empty
    /// buffer in its place cost a retain and a release of a shared one per request).
    var forwardedHead: ByteBuffer?
    /// Whether the body goes upstream chunked.
    var forwardedChunked = false
    var requestID = RequestID.none
    var start = NIODeadline.uptimeNanoseconds(0)
    var groupIndex = 0
    var cache: StaticCachePolicy?
    var tried = ServerSet.empty
    var status = 0
    var bytesSent: Int64 = 0
    var upstreamStatus: Int?
    /// The server of the last attempt (its display name goes to the access log; the metrics count by it).
    var upstreamServer: UpstreamServer?
    var keepAlive = true
    /// The answer must not carry a body (RFC 9110 §9.3.2): a HEAD request's head, with the length a GET would get.
    /// A request whose head could not be parsed has no method we know of, and gets the body.
    var answerOmitsBody: Bool { isHeadRequest }

    /// The request in progress is a HEAD.
    var isHeadRequest: Bool { head?.method.isHEAD ?? false }

    /// The version answers are written in: the request's, or 1.1 for bytes that made no head.
    var version: HTTPVersion { head?.version ?? .http1_1 }

    /// Lets go of what only the request in progress needed, its head (a view of the bytes it was read from, and its
    /// list of header lines), the head sent upstream and its id, once it is logged: an idle keep-alive connection
    /// then holds none of them, and the connection's receive buffer is free for the next read.
    mutating func release() {
        head = nil
        forwardedHead = nil
        requestID = .none
    }

    /// The head's list of lines, taken out with the head (the request is over): nil when there is no head.
    mutating func takeFields() -> [HTTP1HeaderField]? {
        head.take()?.fields
    }

    /// The head written upstream, taken out of the record (the request is over).
    mutating func takeForwardedHead() -> ByteBuffer? {
        forwardedHead.take()
    }

    /// Starts the record of a new request, field by field: building a fresh record would allocate a placeholder
    /// head per request only to throw it away.
    mutating func begin(_ head: HTTP1RequestHead, at start: NIODeadline) {
        self.head = head
        self.start = start
        requestID = .none
        groupIndex = 0
        cache = nil
        tried = .empty
        status = 0
        bytesSent = 0
        upstreamStatus = nil
        upstreamServer = nil
        keepAlive = true
        forwardedChunked = false
    }
}
