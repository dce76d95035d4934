import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback upstream that answers a request with its head and the first half of its body at once, keep-alive,
/// and sends the rest only when the test calls `release()`: a response whose head is out while it is not done.
final class HeldResponseUpstream: @unchecked Sendable {
    static let firstHalf = "first-half|"
    static let secondHalf = "second-half"

    private let channel: Channel
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let answered = NIOLockedValueBox<[Channel]>([])

    init() async throws {
        let answered = self.answered
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HeldResponseHandler(answered: answered))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var address: String { "127.0.0.1:\(channel.localAddress!.port!)" }

    /// Connections whose response is half sent.
    var heldCount: Int { answered.withLockedValue { $0.count } }

    /// Sends the second half of every held response.
    func release() {
        let held = answered.withLockedValue { list -> [Channel] in
            defer { list = [] }
            return list
        }
        for channel in held {
            channel.writeAndFlush(ByteBuffer(string: Self.secondHalf), promise: nil)
        }
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Answers the first request head seen on its connection with the held response.
private final class HeldResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let answered: NIOLockedValueBox<[Channel]>
    private var received = ""

    init(answered: NIOLockedValueBox<[Channel]>) {
        self.answered = answered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        guard received.contains("\r\n\r\n") else { return }
        received = ""
        let length = HeldResponseUpstream.firstHalf.utf8.count + HeldResponseUpstream.secondHalf.utf8.count
        let head = "HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + HeldResponseUpstream.firstHalf)), promise: nil)
        answered.withLockedValue { $0.append(context.channel) }
    }
}
