import BalancerCore
import NIOHTTP1

/// What writing a file answer takes from its plan once the answer is decided: the status, the `Expires` offset,
/// the length the head states and the bytes that go out. A few values and no strings, so a prepared answer hands
/// them to the responder without copying its plan (a copy retains each of the plan's strings).
struct StaticSending {
    var status: HTTPResponseStatus
    /// Seconds from now for `Expires`, when the cache policy sets one.
    var expiresIn: Int64?
    /// The `Content-Length` the head states: none for a 304.
    var headLength: Int64?
    /// The bytes of the body that go out, from the file or from the compressed body; nil when none do (HEAD, 304).
    var slice: (offset: Int64, count: Int64)?

    init(_ plan: borrowing StaticResponsePlan, body: StaticBody?) {
        status = plan.status
        expiresIn = plan.cache.expiresIn
        headLength = plan.status == .notModified ? nil : plan.contentLength ?? body?.byteCount
        // A body compressed here is sent whole (the plan's byte counts are the file's).
        let compressedWhole = body.map { (offset: Int64(0), count: $0.byteCount) }
        slice = plan.writesBody ? (plan.encoding == .gzipOnTheFly ? compressedWhole : plan.body) : nil
    }
}
