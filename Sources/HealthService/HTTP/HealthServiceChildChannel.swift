import HummingbirdCore
import Logging
import NIOCore

/// The replica's connection setup: `FastPathHandler` first, and hummingbird-websocket's HTTP/1.1 channel with
/// WebSocket upgrade, plus `HTTP10ConnectionHandler` between the HTTP decoder and Hummingbird's conversion to
/// swift-http-types, and `CloseCodeEchoInstaller` waiting for an upgrade to WebSocket.
///
/// Hummingbird's handlers are installed only when the fast path hands a connection over: a connection that only
/// asks for `/health` never pays for them.
struct HealthServiceChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = HealthServiceConnection<Inner.Value>

    let inner: Inner
    /// Answers health checks on the event loop; nil leaves every request to Hummingbird.
    let fastPath: FastPathResponder?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let fastPath else {
            return installHummingbird(on: channel, logger: logger).map { value in
                Value(channel: channel, hummingbird: channel.eventLoop.makeSucceededFuture(value))
            }
        }
        return channel.eventLoop.makeCompletedFuture {
            let hummingbird = channel.eventLoop.makePromise(of: Inner.Value?.self)
            let handler = FastPathHandler(
                responder: fastPath,
                installHummingbird: {
                    let installed = installHummingbird(on: channel, logger: logger)
                    installed.map { Optional($0) }.cascade(to: hummingbird)
                    return installed.map { _ in () }
                },
                connectionEnded: { hummingbird.succeed(nil) }
            )
            try channel.pipeline.syncOperations.addHandler(handler)
            return Value(channel: channel, hummingbird: hummingbird.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard let innerValue = try? await value.hummingbird.get() else { return }
        await inner.handle(value: innerValue, logger: logger)
    }

    /// Adds Hummingbird's handlers at the end of the pipeline.
    private func installHummingbird(on channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        // The inner setup installs the HTTP decoder and the upgrade handler at once; the conversion handlers are
        // appended only when a request turns out not to be an upgrade. Appending here therefore lands between them.
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandlers(HTTP10ConnectionHandler(), CloseCodeEchoInstaller())
            return value
        }
    }
}
