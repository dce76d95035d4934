import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import X509

/// One keep-alive TLS connection to a balancer listener, trusting only the test authority: requests go one at a
/// time on the same connection, so a test sees whether that connection survives what happens meanwhile (a reload).
final class TLSTestClient: @unchecked Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    private let channel: Channel
    private let collector: ResponseCollector

    private init(channel: Channel, collector: ResponseCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to 127.0.0.1:`port`, sending `serverName` as SNI and checking the certificate against it.
    /// `preface`: bytes sent in plain before the handshake, on the same connection (a PROXY protocol header).
    static func connect(
        port: Int, serverName: String, caPath: String, preface: [UInt8] = [],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TLSTestClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        let context = try NIOSSLContext(configuration: tls)
        let collector = ResponseCollector()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if !preface.isEmpty { try sync.addHandler(PrefaceWriter(bytes: preface)) }
                    try sync.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TLSTestClient(channel: channel, collector: collector)
    }

    /// GET `path` on this connection and wait (bounded) for the whole response.
    func get(_ path: String, host: String) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        collector.expect(promise)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { promise.fail(TestFailure("no response")) }
        defer { timeout.cancel() }
        return try await promise.futureResult.get()
    }

    /// The DNS names of the certificate the server presented.
    func peerNames() async throws -> [String] {
        let channel = self.channel
        let peer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
        }.get()
        guard let peer else { return [] }
        let certificate = try Certificate(derEncoded: try peer.toDERBytes())
        return (try certificate.extensions.subjectAlternativeNames)?.compactMap { name in
            if case .dnsName(let dns) = name { return dns }
            return nil
        } ?? []
    }

    var isActive: Bool { channel.isActive }

    func close() async {
        try? await channel.close()
    }
}

/// Writes `bytes` as the connection opens, nearer the socket than the TLS handler and before it hears of the open
/// connection, so they go out in plain ahead of the ClientHello; then leaves the pipeline.
private final class PrefaceWriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Collects one response at a time into the promise the client waits on.
private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    private let pending = NIOLockedValueBox<EventLoopPromise<TLSTestClient.Response>?>(nil)
    private var response: TLSTestClient.Response?

    func expect(_ promise: EventLoopPromise<TLSTestClient.Response>) {
        pending.withLockedValue { $0 = promise }
    }

    /// The waiting promise, once: a response and a later close do not both complete it.
    private func take() -> EventLoopPromise<TLSTestClient.Response>? {
        pending.withLockedValue { promise in
            defer { promise = nil }
            return promise
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = TLSTestClient.Response(status: Int(head.status.code), headers: head.headers, body: "")
        case .body(let part):
            response?.body += String(buffer: part)
        case .end:
            if let response { take()?.succeed(response) }
            response = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        take()?.fail(TestFailure("the connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        take()?.fail(error)
        context.close(promise: nil)
    }
}
