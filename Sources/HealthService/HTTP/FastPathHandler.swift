import NIOCore

/// The first handler of every connection: answers `GET /health` and `GET /api/instance` right on the event loop and
/// hands the connection to Hummingbird the moment a request is anything else.
///
/// Health checks usually come one per connection, and Hummingbird's per-connection machinery (the upgrade handler,
/// the async channel, the hops between the event loop and the task running the connection) cost several times what
/// answering from memory does. `ReplicaConnectionSetup` therefore installs Hummingbird's handlers only when this
/// handler asks for them. From then on every byte goes to Hummingbird and this handler leaves the pipeline, so the
/// fast path never answers again on that connection and pipelined responses stay in request order.
final class FastPathHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests answered from one read at most; a longer pipeline is left to Hummingbird, which has backpressure.
    static let maximumAnswersPerRead = 64

    /// Where the connection stands; the fast path answers only in `answering`.
    private enum State {
        /// Answering requests; `pending` holds the start of one not complete yet.
        case answering
        /// Hummingbird's handlers are being installed; received bytes and a half-close wait for them.
        case installing(inputClosed: Bool)
        /// Everything went to Hummingbird; the handler has left, or is leaving, the pipeline.
        case handedOver
        /// A response ended the connection: it closes once that response is written; later input is dropped.
        case closing
    }

    private var state = State.answering
    private var pending: ByteBuffer?
    private let responder: FastPathResponder
    private let installHummingbird: () -> EventLoopFuture<Void>

    /// - Parameter installHummingbird: adds Hummingbird's handlers behind this one; called at most once.
    init(responder: FastPathResponder, installHummingbird: @escaping () -> EventLoopFuture<Void>) {
        self.responder = responder
        self.installHummingbird = installHummingbird
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .answering:
            if var earlier = pending {
                earlier.writeBuffer(&bytes)
                bytes = earlier
                pending = nil
            }
            answer(context: context, bytes: bytes)
        case .installing:
            if pending == nil {
                pending = bytes
            } else {
                pending!.writeBuffer(&bytes)
            }
        case .handedOver:
            context.fireChannelRead(data)
        case .closing:
            break
        }
    }

    /// Answers the complete fast-path requests at the start of `bytes`, keeps an incomplete one for the next read
    /// and hands everything from the first other request on to Hummingbird.
    private func answer(context: ChannelHandlerContext, bytes: ByteBuffer) {
        var bytes = bytes
        var answered = 0
        for _ in 0..<Self.maximumAnswersPerRead {
            guard bytes.readableBytes > 0 else { break }
            let start: ContinuousClock.Instant? = responder.logsRequests ? .now : nil
            switch bytes.withUnsafeReadableBytes({ FastPathRequest.decide($0) }) {
            case .needMoreBytes:
                pending = bytes
                if answered > 0 { context.flush() }
                return
            case .handOver:
                if answered > 0 { context.flush() }
                handOver(context: context, bytes: bytes, inputClosed: false)
                return
            case .answer(let request):
                // A client that does not read its answers gets no more from here; Hummingbird has backpressure.
                guard context.channel.isWritable else {
                    if answered > 0 { context.flush() }
                    handOver(context: context, bytes: bytes, inputClosed: false)
                    return
                }
                var response = context.channel.allocator.buffer(capacity: 512)
                responder.respond(to: request, into: &response)
                bytes.moveReaderIndex(forwardBy: request.headLength)
                answered += 1
                guard request.closesConnection else {
                    context.write(wrapOutboundOut(response), promise: nil)
                    if let start { responder.log(request, elapsed: .now - start) }
                    continue
                }
                state = .closing
                close(context: context, after: response, unreadInput: bytes.readableBytes > 0)
                if let start { responder.log(request, elapsed: .now - start) }
                return
            }
        }
        if answered > 0 { context.flush() }
        if bytes.readableBytes > 0 {
            handOver(context: context, bytes: bytes, inputClosed: false)
        }
    }

    /// Writes the last response of the connection and closes it once the response is out.
    ///
    /// Closing at once, as nginx does, saves the shutdown call and the wait for the client's end of the connection;
    /// a close with unread input would make the kernel reset the connection, though, and could destroy the
    /// response on its way. With input left (a client pipelining past its `close`), only the output is shut down
    /// and the channel closes completely when the client closes its side, as Hummingbird's own path does.
    private func close(context: ChannelHandlerContext, after response: ByteBuffer, unreadInput: Bool) {
        guard !unreadInput else {
            context.writeAndFlush(wrapOutboundOut(response), promise: nil)
            context.close(mode: .output, promise: nil)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(response), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Installs Hummingbird and passes it `bytes` (and a half-close) once it is there.
    private func handOver(context: ChannelHandlerContext, bytes: ByteBuffer?, inputClosed: Bool) {
        pending = bytes
        state = .installing(inputClosed: inputClosed)
        installHummingbird().assumeIsolated().whenComplete { result in
            switch result {
            case .success: self.passOn(context: context)
            case .failure: context.close(promise: nil)
            }
        }
    }

    private func passOn(context: ChannelHandlerContext) {
        guard case .installing(let inputClosed) = state else { return }
        state = .handedOver
        if let bytes = pending {
            pending = nil
            context.fireChannelRead(wrapInboundOut(bytes))
            context.fireChannelReadComplete()
        }
        if inputClosed {
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let isInputClosed = (event as? ChannelEvent) == .inputClosed
        switch state {
        case .answering where isInputClosed:
            // A request cut short goes to Hummingbird, which answers it as it always did; otherwise we are done.
            if let bytes = pending, bytes.readableBytes > 0 {
                handOver(context: context, bytes: bytes, inputClosed: true)
            } else {
                context.close(promise: nil)
            }
        case .answering where event is ChannelShouldQuiesceEvent, .closing where event is ChannelShouldQuiesceEvent:
            // Graceful shutdown: between requests, as the fast path always is, a connection can simply close.
            context.close(promise: nil)
        case .installing where isInputClosed:
            state = .installing(inputClosed: true)
        case .installing where event is ChannelShouldQuiesceEvent:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }
}
