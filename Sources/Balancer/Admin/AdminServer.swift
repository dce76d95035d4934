import BalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Shared

/// The admin listener (`admin.listen`): `/status`, `/status.json` and `/metrics` on a small HTTP/1.1 server of its
/// own, on the balancer's event loops. It uses NIO's stock HTTP pipeline — a few requests a second at most,
/// nowhere near the proxy's hot path — and never shares a socket with the public listeners.
final class AdminServer: Sendable {
    let channel: Channel
    let state: AdminState

    private init(channel: Channel, state: AdminState) {
        self.channel = channel
        self.state = state
    }

    /// The address actually bound (port 0 resolved).
    var boundAddress: SocketAddress? { channel.localAddress }

    /// Binds `admin.listen` and starts sampling. Throws a `BalancerStartError` naming the address when it cannot.
    static func start(balancer: BalancerServer, contexts: [LoopContext]) async throws -> AdminServer {
        let config = balancer.snapshot.config.admin
        let sources = contexts.map {
            AdminState.LoopSource(eventLoop: $0.eventLoop, metrics: $0.metrics, journal: $0.events.journal)
        }
        let state = AdminState(balancer: balancer, sources: sources)
        let access = AdminAccess(config: config)
        let logger = balancer.logger
        let bootstrap = ServerBootstrap(group: balancer.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of descriptors, the admin port must idle like the public ones instead of spinning.
                    let pause = AcceptPauseHandler(listener: "admin \(config.listen)", logger: logger)
                    try channel.pipeline.syncOperations.addHandler(pause)
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(state: state, access: access))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: config.listen.host, port: config.listen.port).get()
        } catch {
            let reason = BindFailure.reason(
                for: error,
                host: config.listen.host,
                port: config.listen.port,
                setting: "`admin.listen`"
            )
            throw BalancerStartError(message: "cannot listen on \(config.listen) (admin.listen): \(reason)")
        }
        state.startSampling(on: channel.eventLoop)
        return AdminServer(channel: channel, state: state)
    }

    func shutdown() async {
        state.stopSampling()
        try? await channel.close()
    }
}

/// Answers one admin request at a time on its connection.
final class AdminHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: AdminState
    private let access: AdminAccess
    private var head: HTTPRequestHead?

    init(state: AdminState, access: AdminAccess) {
        self.state = state
        self.access = access
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let decision = access.decide(
            clientIP: context.channel.remoteAddress?.ipAddress,
            authorization: head.headers.first(name: "authorization")
        )
        switch decision {
        case .forbidden:
            return send(AdminResponse.text(.forbidden, "forbidden\n"), head: head, context: context)
        case .unauthorized:
            var response = AdminResponse.text(.unauthorized, "unauthorized\n")
            response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"balancer admin\", charset=\"UTF-8\"")
            return send(response, head: head, context: context)
        case .allowed:
            break
        }
        guard head.method == .GET || head.method == .HEAD else {
            var response = AdminResponse.text(.methodNotAllowed, "only GET and HEAD\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return send(response, head: head, context: context)
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        switch path {
        case "/", "/status":
            send(
                AdminResponse(status: .ok, contentType: "text/html; charset=utf-8", body: StatusPage.html),
                head: head,
                context: context
            )
        case "/status.json":
            state.report(on: context.eventLoop).whenSuccess { report in
                let (handler, context) = loopBound.value
                handler.send(
                    AdminResponse(status: .ok, contentType: "application/json", body: StatusJSON.render(report)),
                    head: head,
                    context: context
                )
            }
        case "/metrics":
            state.report(on: context.eventLoop).whenSuccess { report in
                let (handler, context) = loopBound.value
                let body = PrometheusWriter.render(report)
                handler.send(
                    AdminResponse(status: .ok, contentType: PrometheusWriter.contentType, body: body),
                    head: head,
                    context: context
                )
            }
        default:
            send(
                AdminResponse.text(.notFound, "not found; try /status, /status.json or /metrics\n"),
                head: head,
                context: context
            )
        }
    }

    private func send(_ response: AdminResponse, head request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = response.headers
        let body = context.channel.allocator.buffer(string: response.body)
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// A complete admin answer: status, type, extra headers and a text body.
struct AdminResponse {
    var status: HTTPResponseStatus
    var contentType: String
    var headers = HTTPHeaders()
    var body: String

    init(status: HTTPResponseStatus, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    static func text(_ status: HTTPResponseStatus, _ body: String) -> AdminResponse {
        AdminResponse(status: status, contentType: "text/plain; charset=utf-8", body: body)
    }
}
