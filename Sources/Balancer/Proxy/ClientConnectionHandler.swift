import NIOCore
import NIOHTTP1

/// The last handler of a client connection: turns decoded request parts and upstream callbacks into
/// `ProxyStateMachine` events and carries out the actions it returns. It decides nothing itself.
///
/// The upstream connection serving a request lives on this handler's event loop, so every call between the two
/// sides is a plain method call: no task, lock or thread hop per request.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let loop: LoopContext
    var context: ChannelHandlerContext!
    var machine = ProxyStateMachine()
    /// The HTTP/1 framing layer: bytes in, request events out (replaceable without touching the decisions).
    var decoder: HTTP1RequestDecoder
    /// How the response body in progress is framed towards the client.
    var responseFraming = HTTP1OutgoingFraming.raw
    /// The response head (and small body parts behind it) not written yet; written at the latest when the
    /// upstream's read completes.
    var pendingOutput: ByteBuffer?
    private var processingInbound = false
    /// The peer address and the forwarding lines made of it, once per connection.
    var clientLines = ClientAddressLines(address: "-")
    var clientIP: String { clientLines.address }
    var timer: DeadlineTimer!
    /// A `read` was held back because the upstream could not take more.
    var readPending = false
    /// Set once the connection has been asked to close; everything after is ignored.
    var closing = false

    // The request in progress.
    var snapshot: ProxySnapshot
    var request = RequestRecord()
    var upstream: UpstreamHandler?
    var server: UpstreamServer?
    /// Body parts received while no upstream connection was attached (first attempt only).
    var pending: [ByteBuffer] = []
    var pendingBytes = 0
    /// Bumped per attempt so a late connect completion for an abandoned attempt is ignored.
    var attemptID = 0

    init(loop: LoopContext) {
        self.loop = loop
        self.snapshot = loop.snapshot
        self.decoder = HTTP1RequestDecoder(maxHeadSize: loop.snapshot.maxHeaderSize)
    }

    // MARK: - Connection lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        timer = DeadlineTimer(eventLoop: context.eventLoop) { [self] in self.clientTimedOut() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Breaks the reference cycles: the context holds this handler, the timer's expiry closure holds it, and an
        // upstream connection still attached holds it as its delegate. Left in place, every closed connection's
        // handler, context and buffers would stay in memory for good.
        closing = true
        timer.invalidate()
        if let upstream {
            self.upstream = nil
            upstream.abort()
        }
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        loop.stats.activeClients.wrappingIncrement(ordering: .relaxed)
        loop.stats.acceptedClients.wrappingIncrement(ordering: .relaxed)
        clientLines = ClientAddressLines(address: context.channel.remoteAddress?.ipAddress ?? "-")
        timer.arm(.now() + snapshot.clientHeaderTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.stats.activeClients.wrappingDecrement(ordering: .relaxed)
        timer.cancel()
        closing = true
        if machine.clientClosed() {
            finishAttempt(reuse: false)
        }
        context.fireChannelInactive()
    }

    private func clientTimedOut() {
        guard !closing else { return }
        switch machine.clientTimedOut(readsHeld: readPending, clientWritable: context.channel.isWritable) {
        case .close:
            // Idle past keepalive_timeout, no complete head within client_header_timeout (slowloris), or a quiet
            // tunnel: close quietly, as nginx does — there is no request to answer.
            finishAttempt(reuse: false)
            close()
        case .requestTimeout:
            finishAttempt(reuse: false)
            sendLocalResponse(.requestTimeout, close: true)
        case .abortBoth, .clientTooSlow:
            finishAttempt(reuse: false)
            close()
        case .rearm:
            timer.arm(.now() + snapshot.clientBodyTimeout)
        case .none:
            break
        }
    }

    func close() {
        guard !closing else { return }
        closing = true
        writePendingOutput()
        context.close(promise: nil)
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if machine.isTunnel {
            timer.arm(.now() + snapshot.websocketIdleTimeout)
            upstream?.sendRaw(unwrapInboundIn(data))
            return
        }
        decoder.feed(unwrapInboundIn(data))
        processInbound()
    }

    /// Hands decoded request events to the state machine until the decoder needs more bytes or pauses after a
    /// request (pipelined requests wait for the response in progress).
    func processInbound() {
        // Re-entered when handling an event completes a response (a local 404, say): the running loop goes on.
        guard !processingInbound else { return }
        processingInbound = true
        defer { processingInbound = false }
        while !closing {
            let event: HTTP1RequestEvent?
            do {
                event = try decoder.next()
            } catch {
                requestParseFailed(error)
                return
            }
            guard let event else { return }
            switch event {
            case .head(let received):
                requestHeadReceived(received)
            case .body(let part):
                requestBodyReceived(part)
            case .end:
                requestEndReceived()
                if machine.isIdle { decoder.resume() }
            }
        }
    }

    /// The response in progress is complete and the connection stays: read the next pipelined request, if any.
    func readNextRequest() {
        decoder.resume()
        processInbound()
        if !closing && machine.isIdle { resumeClientReads() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutdown: a connection between requests closes now; one mid-request closes after its response.
        if event is DrainingStarted {
            if machine.isIdle { close() }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // I/O errors (reset by peer): nothing to answer.
        close()
    }

    private func requestParseFailed(_ error: HTTP1ParseError) {
        let status: HTTPResponseStatus = error == .headTooLarge ? .requestHeaderFieldsTooLarge : .badRequest
        let action = machine.requestMalformed(status: status)
        if upstream != nil || server != nil { finishAttempt(reuse: false) }
        perform(action)
    }

    /// Backpressure: hold the client's reads while the upstream cannot take more, or while a connect is pending and
    /// a replay buffer's worth of body is already waiting.
    func read(context: ChannelHandlerContext) {
        if let upstream, !upstream.isWritable {
            readPending = true
            return
        }
        if upstream == nil && pendingBytes >= ReplayBuffer.defaultLimit {
            readPending = true
            return
        }
        // A client pipelining far ahead of the responses waits until the buffered requests are served.
        if decoder.isPaused && decoder.bufferedBytes >= 2 * decoder.maxHeadSize {
            readPending = true
            return
        }
        context.read()
    }

    func resumeClientReads() {
        guard readPending, !closing else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            upstream?.resumeReading()
            // The client takes bytes again: its send_timeout stops (a body still arriving re-arms its own).
            if machine.isRelayingResponse && !machine.awaitsClientBody { timer.disarm() }
        } else if machine.isRelayingResponse {
            timer.arm(.now() + snapshot.clientSendTimeout)
        }
        context.fireChannelWritabilityChanged()
    }
}
