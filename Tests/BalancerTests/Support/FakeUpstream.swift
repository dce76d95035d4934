import Atomics
import NIOCore
import NIOPosix

/// A loopback TCP server that plays a misbehaving upstream: it counts the bytes it receives and either never
/// answers (read timeouts, "zero bytes reached the upstream" checks) or answers every request with a fixed status.
final class FakeUpstream: @unchecked Sendable {
    enum Behaviour: Sendable {
        case silent
        case status(Int)
        /// Answers every request head with these exact bytes (a broken or hostile upstream).
        case raw(String)
    }

    let receivedBytes = ManagedAtomic<Int>(0)
    let connections = ManagedAtomic<Int>(0)
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup

    init(_ behaviour: Behaviour) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = receivedBytes
        let connections = self.connections
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.wrappingIncrement(ordering: .relaxed)
                return channel.pipeline.addHandler(FakeUpstreamHandler(behaviour: behaviour, received: received))
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: Int { channel.localAddress!.port! }
    var address: String { "127.0.0.1:\(port)" }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Counts bytes and, per behaviour, answers once per `\r\n\r\n` seen (requests without bodies only).
private final class FakeUpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let behaviour: FakeUpstream.Behaviour
    let received: ManagedAtomic<Int>
    private var tail = ""

    init(behaviour: FakeUpstream.Behaviour, received: ManagedAtomic<Int>) {
        self.behaviour = behaviour
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.wrappingIncrement(by: buffer.readableBytes, ordering: .relaxed)
        let answer: String
        switch behaviour {
        case .silent:
            return
        case .status(let code):
            let body = "{\"fake\":\(code)}"
            answer = "HTTP/1.1 \(code) Fake\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        case .raw(let bytes):
            answer = bytes
        }
        tail += String(buffer: buffer)
        while let range = tail.range(of: "\r\n\r\n") {
            tail = String(tail[range.upperBound...])
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: answer)), promise: nil)
        }
    }
}
