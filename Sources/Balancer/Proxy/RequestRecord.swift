import BalancerCore
import NIOCore
import NIOHTTP1

/// What the handler remembers about the request in progress (for rewriting, retries and the access log).
struct RequestRecord {
    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    /// The head sent upstream, written once and sent again as it is on a retry.
    var forwardedHead = ByteBuffer()
    /// Whether the body goes upstream chunked.
    var forwardedChunked = false
    var requestID = ""
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

    /// Starts the record of a new request, field by field: building a fresh record would allocate a placeholder
    /// head per request only to throw it away.
    mutating func begin(_ head: HTTPRequestHead, at start: NIODeadline) {
        self.head = head
        self.start = start
        requestID = ""
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
