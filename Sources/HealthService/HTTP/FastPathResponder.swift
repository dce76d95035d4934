import Hummingbird
import NIOCore
import Shared

/// What a `FastPathHandler` answers with: the prepared responses, shared by every connection, and its event loop's
/// `ReplicaLoop`, whose clock strings stamp them and whose access-log batch records them.
struct FastPathResponder {
    let responses: FastPathResponses
    let loop: ReplicaLoop

    /// Whether the access log writes lines; when not, the handler neither builds lines nor reads the clock for them.
    var logsRequests: Bool { loop.logsRequests }

    /// Appends the response to `request` to `buffer`.
    func respond(to request: FastPathRequest, into buffer: inout ByteBuffer) {
        let dates = loop.dates
        dates.refresh()
        let timestamp = request.route == .health ? dates.isoTimestamp : ""
        responses.render(request, date: dates.httpDate, timestamp: timestamp, into: &buffer)
    }

    /// The access-log line `AccessLogMiddleware` writes for the same request.
    func log(_ request: FastPathRequest, elapsed: Duration) {
        let text = AccessLogMiddleware<BasicRequestContext>.line(
            method: "GET",
            path: request.route.path,
            status: 200,
            elapsed: elapsed
        )
        loop.logRequest(text)
    }
}
