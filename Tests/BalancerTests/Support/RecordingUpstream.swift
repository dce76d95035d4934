import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback upstream that reads requests with NIO's own HTTP/1 parser — an independent reading of what the
/// balancer forwards — records each one, and answers with what it read (`method target body-bytes`), keep-alive.
/// If the balancer framed a message differently from how it parsed it, the records show requests nobody sent.
final class RecordingUpstream: @unchecked Sendable {
    /// One request as the upstream parsed it.
    struct Request: Sendable, Equatable {
        var method: String
        var target: String
        var headers: [String: [String]]
        var body: String
    }

    private let recorded = NIOLockedValueBox<[Request]>([])
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup

    init() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorded = self.recorded
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(RecordingHandler(recorded: recorded))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var address: String { "127.0.0.1:\(channel.localAddress!.port!)" }
    var requests: [Request] { recorded.withLockedValue { $0 } }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Records a request once its end arrives and answers it.
private final class RecordingHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let recorded: NIOLockedValueBox<[RecordingUpstream.Request]>
    private var head: HTTPRequestHead?
    private var body = ""

    init(recorded: NIOLockedValueBox<[RecordingUpstream.Request]>) {
        self.recorded = recorded
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ""
        case .body(let part):
            body += String(buffer: part)
        case .end:
            guard let head else { return }
            var headers: [String: [String]] = [:]
            for (name, value) in head.headers { headers[name.lowercased(), default: []].append(value) }
            let request = RecordingUpstream.Request(
                method: head.method.rawValue, target: head.uri, headers: headers, body: body)
            recorded.withLockedValue { $0.append(request) }
            let text = "\(request.method) \(request.target) \(body.utf8.count)"
            var responseHead = HTTPResponseHead(version: .http1_1, status: .ok)
            responseHead.headers.add(name: "Content-Length", value: "\(text.utf8.count)")
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
