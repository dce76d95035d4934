import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

/// One loop's drain on embedded channels: its future completes when the last client connection closes, idle
/// connections close at once, and busy ones are left to finish their request.
final class LoopContextDrainTests: XCTestCase {
    private let loop = EmbeddedEventLoop()

    override func tearDown() {
        try? loop.syncShutdownGracefully()
    }

    private func makeContext() throws -> LoopContext {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\naccess_log: off"))
        return LoopContext(
            eventLoop: loop,
            snapshot: ProxySnapshot(config: config, generation: 1),
            accessLog: nil,
            stats: ConnectionStats(),
            events: UpstreamEventLog(logger: Logger(label: "test"))
        )
    }

    /// A connected client channel on the test's loop; `handler` ends its pipeline. The balancer's own handler
    /// registers its channel with `context` while it is in the pipeline; a stand-in is registered here, as that
    /// handler would, until its channel closes.
    private func connect(_ context: LoopContext, _ handler: ChannelHandler) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        if !(handler is ClientConnectionHandler) {
            context.register(channel)
            channel.closeFuture.assumeIsolatedUnsafeUnchecked().whenComplete { _ in context.unregister(channel) }
        }
        return channel
    }

    private func isComplete(_ future: EventLoopFuture<Void>) -> Bool {
        loop.run()
        let done = NIOLockedValueBox(false)
        future.whenComplete { _ in done.withLockedValue { $0 = true } }
        return done.withLockedValue { $0 }
    }

    func testDrainCompletesWhenTheLastBusyConnectionCloses() throws {
        let context = try makeContext()
        let first = try connect(context, DrainEventRecorder())
        let second = try connect(context, DrainEventRecorder())
        let drained = context.beginDraining()
        XCTAssertTrue(context.draining)
        XCTAssertFalse(isComplete(drained), "two connections are still open")
        try first.close().wait()
        XCTAssertFalse(isComplete(drained), "one connection is still open")
        try second.close().wait()
        XCTAssertTrue(isComplete(drained))
        XCTAssertTrue(context.beginDraining() === drained, "asked again, the same drain")
    }

    func testIdleConnectionsCloseAtOnceAndTheDrainCompletes() throws {
        let context = try makeContext()
        let idle = try connect(context, ClientConnectionHandler(loop: context))
        let drained = context.beginDraining()
        XCTAssertFalse(idle.isActive, "a connection between requests closes when draining begins")
        XCTAssertTrue(isComplete(drained))
    }

    func testTheHandlerKeepsItsChannelRegisteredUntilItIsRemoved() throws {
        let context = try makeContext()
        let channel = try connect(context, ClientConnectionHandler(loop: context))
        XCTAssertEqual(context.clientCount, 1, "registered by the handler itself")
        try channel.close().wait()
        loop.run()
        XCTAssertEqual(context.clientCount, 0, "the handler's removal on close takes it out")
        XCTAssertTrue(isComplete(context.beginDraining()))
    }

    func testNoConnectionsMeansDrainedAtOnce() throws {
        XCTAssertTrue(isComplete(try makeContext().beginDraining()))
    }

    func testClosingAllClientsEndsTheDrain() throws {
        let context = try makeContext()
        let busy = try connect(context, DrainEventRecorder())
        let drained = context.beginDraining()
        context.closeAllClients()
        XCTAssertFalse(busy.isActive)
        XCTAssertTrue(isComplete(drained))
    }
}

/// Counts `DrainingStarted` events and never closes: a connection with a request in progress.
private final class DrainEventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private(set) var drainEvents = 0

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainingStarted { drainEvents += 1 }
    }
}
