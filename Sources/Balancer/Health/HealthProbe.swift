import BalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One active health check: `GET <path>` on a connection of its own, with a deadline for the whole exchange.
///
/// The result carries the status, the latency and, when the body is JSON with an `instance_id`, that id (for the
/// status page: which replica answered).
enum HealthProbe {
    struct Result: Sendable, Equatable {
        var passed: Bool
        var status: Int?
        var latencyNanoseconds: Int64
        var instanceID: String?
        /// Why it failed (`timeout`, `connection refused`, `status 503`), nil when it passed.
        var failure: String?
    }

    static func run(
        server: UpstreamServer,
        path: String,
        timeout: TimeAmount,
        tls: UpstreamTLS? = nil,
        on eventLoop: EventLoop
    ) -> EventLoopFuture<Result> {
        let started = NIODeadline.now()
        let promise = eventLoop.makePromise(of: Result.self)
        let collector = HealthProbeHandler(promise: promise, started: started)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.makeHandler(for: server)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
        let connect: EventLoopFuture<Channel> =
            server.socketAddress.map { bootstrap.connect(to: $0) }
            ?? bootstrap.connect(host: server.id.address.host, port: server.id.address.port)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            collector.fail("timeout after \(timeout.nanoseconds / 1_000_000)ms")
        }
        connect.whenComplete { result in
            switch result {
            case .success(let channel):
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: server.hostHeader)
                headers.add(name: "User-Agent", value: "balancer-health-check")
                headers.add(name: "Connection", value: "close")
                let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                collector.fail(ConnectFailure.describe(error))
            }
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }
}

/// Collects a health-check response (status and up to 64 KiB of body) and completes the probe once.
private final class HealthProbeHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on the probe's event loop.
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HealthProbe.Result>
    private let started: NIODeadline
    private var status: Int?
    private var body = ByteBuffer()
    private var done = false

    init(promise: EventLoopPromise<HealthProbe.Result>, started: NIODeadline) {
        self.promise = promise
        self.started = started
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var part):
            if body.readableBytes < 64 * 1024 { body.writeBuffer(&part) }
        case .end:
            finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("connection closed before a complete response")
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail("\(error)")
        context.close(promise: nil)
    }

    func fail(_ reason: String) {
        guard !done else { return }
        done = true
        promise.succeed(
            HealthProbe.Result(
                passed: false,
                status: status,
                latencyNanoseconds: elapsed,
                instanceID: nil,
                failure: reason
            )
        )
    }

    private func finish() {
        guard !done, let status else { return }
        done = true
        let passed = (200..<300).contains(status)
        promise.succeed(
            HealthProbe.Result(
                passed: passed,
                status: status,
                latencyNanoseconds: elapsed,
                instanceID: HealthProbeInstanceID.parse(String(buffer: body)),
                failure: passed ? nil : "status \(status)"
            )
        )
    }

    private var elapsed: Int64 { (NIODeadline.now() - started).nanoseconds }
}

/// Reads `instance_id` from a health answer.
enum HealthProbeInstanceID {
    /// The `instance_id` string of a small JSON object, found without a JSON parser (the value has no escapes
    /// in practice; anything unexpected yields nil rather than a wrong id).
    static func parse(_ text: String) -> String? {
        guard let key = text.range(of: "\"instance_id\"") else { return nil }
        let rest = text[key.upperBound...].drop { $0 == " " || $0 == ":" }
        guard rest.first == "\"" else { return nil }
        let value = rest.dropFirst().prefix { $0 != "\"" && $0 != "\\" }
        return value.isEmpty || value.count > 200 ? nil : String(value)
    }
}
