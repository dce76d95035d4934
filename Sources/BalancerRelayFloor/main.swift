import Atomics
import Glibc
import NIOCore
import NIOPosix

// `nio-relay`: the floor the balancer's cost per request is measured against. A bare SwiftNIO TCP relay — one
// upstream connection per client, opened on the client's event loop, bytes forwarded as they arrive with one flush
// per read burst, no HTTP parsing, no balancing beyond taking the upstreams in turn per connection. Whatever the
// balancer spends per request above this program is the balancer's own work; what this program spends is what
// NIO's event loop, pipeline and system calls cost. It is a measuring instrument, not a proxy: it has no timeouts,
// no limits and no health checks. `python3 scripts/cpu_per_request.py floor=.build/release/nio-relay:relay …`
// runs it next to balancer builds and nginx.
//
//     nio-relay --listen PORT --upstreams PORT,PORT,... [--threads N]   (all on 127.0.0.1)

/// Forwards what one side of a relayed connection reads to the other side, and stops reading while the other side
/// cannot take more (so a fast sender cannot make it buffer without bound).
final class RelayGlue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The other side's handler; both live on the same event loop.
    var partner: RelayGlue?
    private var context: ChannelHandlerContext?
    private var readHeld = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable ?? true {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeRead() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        partner?.partner = nil
        partner = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func resumeRead() {
        guard readHeld else { return }
        readHeld = false
        context?.read()
    }
}

/// The command line, checked once.
struct RelayOptions {
    var listen = 0
    var upstreams: [Int] = []
    var threads = 1

    init(_ arguments: ArraySlice<String>) throws(RelayUsageError) {
        var arguments = arguments
        while let flag = arguments.popFirst() {
            guard let value = arguments.popFirst() else { throw RelayUsageError("\(flag) needs a value") }
            switch flag {
            case "--listen": listen = try Self.port(value, flag)
            case "--upstreams":
                upstreams = []
                for part in value.split(separator: ",") { upstreams.append(try Self.port(String(part), flag)) }
            case "--threads":
                guard let n = Int(value), n >= 1 else {
                    throw RelayUsageError("--threads: expected a whole number ≥ 1, got \"\(value)\"")
                }
                threads = n
            default: throw RelayUsageError("unknown option \(flag)")
            }
        }
        if listen == 0 || upstreams.isEmpty { throw RelayUsageError("--listen and --upstreams are required") }
    }

    private static func port(_ text: String, _ flag: String) throws(RelayUsageError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw RelayUsageError("\(flag): expected a port from 1 to 65535, got \"\(text)\"")
        }
        return port
    }
}

/// A command-line mistake, said as a sentence with the usage.
struct RelayUsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

let options: RelayOptions
do {
    options = try RelayOptions(CommandLine.arguments.dropFirst())
} catch {
    let text = "nio-relay: \(error.message)\nusage: nio-relay --listen PORT --upstreams PORT,PORT,... [--threads N]\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let turn = ManagedAtomic(0)
let upstreams = options.upstreams
let server = try await ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        // The client is registered (and read) only once its upstream is connected: nothing needs buffering.
        let port = upstreams[turn.loadThenWrappingIncrement(ordering: .relaxed) % upstreams.count]
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port)
            .flatMapThrowing { upstream in
                let clientSide = RelayGlue()
                let upstreamSide = RelayGlue()
                clientSide.partner = upstreamSide
                upstreamSide.partner = clientSide
                try upstream.pipeline.syncOperations.addHandler(upstreamSide)
                try client.pipeline.syncOperations.addHandler(clientSide)
            }
    }
    .bind(host: "127.0.0.1", port: options.listen).get()
try await server.closeFuture.get()
