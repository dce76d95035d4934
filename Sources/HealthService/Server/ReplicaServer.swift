import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle

/// The replica's listening socket: accepts connections, answers health checks on the event loop and runs a task
/// only for the connections that need Hummingbird.
///
/// Hummingbird's own server turns every accepted connection into an element of an async sequence and a child task,
/// before the first byte is read. For a replica that is mostly asked `GET /health` once per connection (balancers,
/// orchestrators, `ab` without keep-alive), that machinery cost several times the answer itself. Here the connection
/// starts on the event loop with `FastPathHandler`; only when a request needs Hummingbird are its handlers
/// installed and the connection handed to a task of this service's task group.
///
/// Graceful shutdown works as in Hummingbird: the listening socket closes, every open connection gets a
/// `ChannelShouldQuiesceEvent` (the fast path closes between requests, Hummingbird finishes the request in flight),
/// and `run()` returns once every connection has closed.
struct ReplicaServer<Inner: ServerChildChannel>: Service {
    let host: String
    let port: Int
    let connections: ReplicaConnectionSetup<Inner>
    var backlog: Int32 = 256
    var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    let logger: Logger
    /// Called with the listening channel once the port is bound.
    var onServerRunning: @Sendable (any Channel) async -> Void = { _ in }

    func run() async throws {
        let (handedOver, continuation) = AsyncStream.makeStream(of: Inner.Value.self)
        let quiescing = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: backlog)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        quiescing.makeServerChannelHandler(channel: channel)
                    )
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                connections.initialize(channel: channel, logger: logger) { value in
                    // After the service ended nobody would drive the connection: close it instead.
                    if case .terminated = continuation.yield(value) {
                        channel.close(promise: nil)
                    }
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw ListenError(host: host, port: port, underlying: error)
        }

        await withGracefulShutdownHandler {
            await onServerRunning(listener)
            await withDiscardingTaskGroup { tasks in
                for await value in handedOver {
                    tasks.addTask { await connections.inner.handle(value: value, logger: logger) }
                }
            }
        } onGracefulShutdown: {
            let allClosed = listener.eventLoop.makePromise(of: Void.self)
            quiescing.initiateShutdown(promise: allClosed)
            // Every connection has closed, so none can be handed over any more: the loop above may end.
            allClosed.futureResult.whenComplete { _ in continuation.finish() }
        }
        // Cancelled rather than shut down gracefully: stop listening and ask the open connections to end.
        quiescing.initiateShutdown(promise: nil)
        continuation.finish()
    }
}
