import Hummingbird
import Logging
import NIOCore
import Shared

/// What a `FastPathHandler` answers with: the prepared responses, the clocks that stamp them and the access log that
/// records them, shared by every connection of a replica.
struct FastPathResponder: Sendable {
    let responses: FastPathResponses
    let timestamps: TimestampCache
    let dates: HTTPDateCache
    let accessLogger: Logger
    /// Whether the access log writes `info` lines; read once, so a replica logging at `warning` neither builds
    /// lines nor reads the clock for them.
    let logsRequests: Bool

    init(
        responses: FastPathResponses,
        timestamps: TimestampCache,
        dates: HTTPDateCache,
        accessLogger: Logger,
        instanceID: String
    ) {
        self.responses = responses
        self.timestamps = timestamps
        self.dates = dates
        // Attached once here rather than passed with every line: the handler then has nothing to merge per request.
        var accessLogger = accessLogger
        accessLogger[metadataKey: "instance"] = "\(instanceID)"
        self.accessLogger = accessLogger
        self.logsRequests = accessLogger.logLevel <= .info
    }

    /// Appends the response to `request` to `buffer`.
    func respond(to request: FastPathRequest, into buffer: inout ByteBuffer) {
        let timestamp = request.route == .health ? timestamps.now() : ""
        responses.render(request, date: dates.now(), timestamp: timestamp, into: &buffer)
    }

    /// The access-log line `AccessLogMiddleware` writes for the same request.
    func log(_ request: FastPathRequest, elapsed: Duration) {
        let text = AccessLogMiddleware<BasicRequestContext>.line(
            method: "GET",
            path: request.route.path,
            status: 200,
            elapsed: elapsed
        )
        accessLogger.info("\(text)")
    }
}
