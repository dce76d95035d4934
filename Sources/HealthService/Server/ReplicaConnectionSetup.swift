import HummingbirdCore
import Logging
import NIOCore

/// How an accepted connection of the replica is set up: `FastPathHandler` first, and hummingbird-websocket's
/// HTTP/1.1 channel with WebSocket upgrade once a request needs it, plus `HTTP10ConnectionHandler` between the HTTP
/// decoder and Hummingbird's conversion to swift-http-types, `ResponseDateHandler` stamping its responses, and
/// `CloseCodeEchoInstaller` waiting for an upgrade to WebSocket.
///
/// Hummingbird's handlers are installed only when the fast path hands a connection over: a connection that only
/// asks for `/health` never pays for them, nor for the task that runs them.
struct ReplicaConnectionSetup<Inner: ServerChildChannel>: Sendable {
    let inner: Inner
    /// What the fast path answers health checks with; nil leaves every request to Hummingbird.
    let fastPath: FastPathResponses?
    /// Each event loop's date strings and access log, for the connections served on it.
    let loops: ReplicaLoops

    /// Sets up `channel`; `handOver` receives Hummingbird's connection value, to be run by `inner.handle`, once
    /// Hummingbird's handlers are in place.
    func initialize(
        channel: any Channel,
        logger: Logger,
        handOver: @escaping @Sendable (Inner.Value) -> Void
    ) -> EventLoopFuture<Void> {
        guard let fastPath else {
            return installHummingbird(on: channel, logger: logger).map(handOver)
        }
        return channel.eventLoop.makeCompletedFuture {
            let responder = FastPathResponder(responses: fastPath, loop: loops.loop(on: channel.eventLoop))
            let handler = FastPathHandler(responder: responder) {
                installHummingbird(on: channel, logger: logger).map(handOver)
            }
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    /// Adds Hummingbird's handlers at the end of the pipeline.
    private func installHummingbird(on channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        // The inner setup installs the HTTP decoder and the upgrade handler at once; the conversion handlers are
        // appended only when a request turns out not to be an upgrade. Appending here therefore lands between them.
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let dates = ResponseDateHandler(dates: loops.loop(on: channel.eventLoop).dates)
            try channel.pipeline.syncOperations.addHandlers(HTTP10ConnectionHandler(), dates, CloseCodeEchoInstaller())
            return value
        }
    }
}
