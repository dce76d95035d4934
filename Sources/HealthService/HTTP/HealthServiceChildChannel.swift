import HummingbirdCore
import Logging
import NIOCore

/// The replica's connection setup: hummingbird-websocket's HTTP/1.1 channel with WebSocket upgrade, plus
/// `HTTP10ConnectionHandler` between the HTTP decoder and Hummingbird's conversion to swift-http-types, and
/// `CloseCodeEchoInstaller` waiting for an upgrade to WebSocket.
struct HealthServiceChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // The inner setup installs the HTTP decoder and the upgrade handler at once; the conversion handlers are
        // appended only when a request turns out not to be an upgrade. Appending here therefore lands between them.
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandlers(HTTP10ConnectionHandler(), CloseCodeEchoInstaller())
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
