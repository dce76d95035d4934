import BalancerCore
import NIOCore
import NIOHTTP1

/// What an upstream connection reports to the client connection currently using it. Same event loop, direct calls.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponseHead(_ head: HTTP1ResponseHead)
    func upstreamResponseBody(_ part: ByteBuffer)
    func upstreamResponseEnd(keepAlive: Bool)
    /// Bytes from the upstream after a 101: passed to the client untouched.
    func upstreamTunnelData(_ bytes: ByteBuffer)
    func upstreamReadComplete()
    /// The connection failed or closed before the response was complete.
    func upstreamFailed(_ failure: ProxyStateMachine.AttemptFailure)
    func upstreamWritabilityChanged(isWritable: Bool)
    /// Whether the client side can take more response bytes now (backpressure).
    var clientIsWritable: Bool { get }
}

/// The last handler of an upstream connection's pipeline: turns NIO callbacks and the client connection's calls into
/// `UpstreamConnectionStateMachine` events and carries out its actions — relaying response parts to the current
/// delegate, holding reads while the client cannot take more, running `read_timeout` and `send_timeout`.
///
/// An idle connection has no delegate and sits in its event loop's `UpstreamConnectionPool`; if the upstream closes
/// it there, it removes itself from the pool. Confined to its channel's event loop.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: UpstreamServer
    /// The client connection using this one. Strong, and cleared whenever an exchange ends, fails or the channel
    /// goes away: a weak reference would put the client handler's reference counts on the slow path.
    private var delegate: UpstreamConnectionDelegate?
    /// This handler's context, unretained (see `UnretainedContext`): the request path uses it without reference
    /// counts; `context` is the plain reference for the rest.
    private var contextRef = UnretainedContext()
    private var context: ChannelHandlerContext? { contextRef.strong }
    private var machine = UpstreamConnectionStateMachine()
    private var readTimer: DeadlineTimer?
    private var readTimeout: TimeAmount = .seconds(60)
    /// nginx's `proxy_send_timeout`: runs while the upstream takes no more bytes.
    private var sendTimer: DeadlineTimer?
    private var sendTimeout: TimeAmount = .seconds(60)
    private var responseKeepAlive = true
    /// The HTTP/1 framing layer of this connection.
    private var decoder = HTTP1ResponseDecoder()
    /// The list of header lines of the last response head, kept for the next one: the head is done with once it is
    /// delivered (the client handler writes its own head from it), so reading a response allocates no list.
    private var fieldLists = HTTP1FieldListPool()
    /// How the request body in progress is framed towards the upstream.
    private var requestFraming = HTTP1OutgoingFraming.raw
    /// Whether something was written since the last flush.
    private var unflushed = false
    /// The pool holding this connection while it is idle (set on check-in, cleared on checkout), so a close by the
    /// upstream takes it out. Strong: the cycle with the pool's list lasts only while the connection sits there.
    var idleIn: UpstreamConnectionPool?

    /// The timers of the connection's event loop (the client's: the pair never crosses threads).
    private let timers: LoopTimerQueue

    init(server: UpstreamServer, timers: LoopTimerQueue) {
        self.server = server
        self.timers = timers
    }

    /// Whether the channel is connected: kept here, so the pool's checks on every checkout and check-in read a
    /// field instead of asking the channel.
    private(set) var isActive = false
    /// Kept from `channelWritabilityChanged`: asking the channel retains and releases it, on every exchange.
    private var writable = true
    var isWritable: Bool { contextRef.isSet && writable }
    private var isTunnel: Bool {
        if case .tunnel = machine.state { return true }
        return false
    }

    func handlerAdded(context: ChannelHandlerContext) {
        contextRef.set(context)
        isActive = context.channel.isActive
        writable = context.channel.isWritable
        readTimer = DeadlineTimer(queue: timers) { [self] in self.readTimedOut() }
        sendTimer = DeadlineTimer(queue: timers) { [self] in self.sendTimedOut() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        isActive = false
        readTimer?.invalidate()
        sendTimer?.invalidate()
        delegate = nil
        idleIn = nil
        contextRef.set(nil)
    }

    // MARK: - Exchange control (called by the client connection)

    /// Starts an exchange: the response is awaited within `readTimeout` once the request has been sent.
    func beginExchange(
        delegate: UpstreamConnectionDelegate,
        readTimeout: TimeAmount,
        sendTimeout: TimeAmount,
        isHeadRequest: Bool
    ) {
        // `assert`, so release builds do not even ask the context for its loop (a retain and a release).
        assert(context?.eventLoop.inEventLoop ?? true)
        self.delegate = delegate
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        self.idleIn = nil
        self.readTimeout = readTimeout
        self.sendTimeout = sendTimeout
        self.responseKeepAlive = true
        switch machine.exchangeStarted(clientWritable: delegate.clientIsWritable) {
        case .start(let resumeRead):
            readTimer?.disarm()
            if resumeRead { contextRef.with { $0.read() } }
        }
    }

    /// Writes the request head (already encoded); `chunked` says how the body that follows is framed.
    func sendHead(_ head: ByteBuffer, chunked: Bool) {
        guard contextRef.isSet else { return }
        requestFraming = chunked ? .chunked : .raw
        contextRef.with { $0.write(wrapOutboundOut(head), promise: nil) }
        unflushed = true
    }

    func sendBody(_ part: ByteBuffer) {
        contextRef.with { $0.writeBodyPart(part, framing: requestFraming) }
        unflushed = true
    }

    /// Bytes for the tunnel, written as they are.
    func sendRaw(_ bytes: ByteBuffer) {
        contextRef.with { $0.write(wrapOutboundOut(bytes), promise: nil) }
        unflushed = true
    }

    /// Switches to a byte tunnel (after a 101); bytes that arrived right behind the 101 are handed on once the
    /// head is delivered.
    func startTunnel() {
        run(machine.tunnelStarted())
    }

    /// The request is complete: its end goes out, and `read_timeout` starts.
    func sendEnd() {
        if case .chunked = requestFraming {
            contextRef.with { $0.writeBodyEnd(framing: .chunked, promise: nil) }
            unflushed = true
        }
        run(machine.requestSent())
    }

    /// Flushes what was written since the last flush; nothing to do (and no trip down the pipeline) otherwise.
    func flush() {
        guard unflushed else { return }
        unflushed = false
        contextRef.with { $0.flush() }
    }

    /// Drops the delegate after a complete exchange; the connection may go back to the pool.
    func endExchange() {
        delegate = nil
        machine.exchangeEnded()
        readTimer?.disarm()
        sendTimer?.disarm()
    }

    /// Closes the connection, e.g. after an aborted exchange whose response would otherwise be left half-read.
    func abort() {
        delegate = nil
        machine.aborted()
        readTimer?.cancel()
        context?.close(promise: nil)
    }

    /// The client became writable again: resume reading if a read was held back.
    func resumeReading() {
        guard let context else { return }
        switch machine.clientBecameWritable() {
        case .read(let armReadTimer):
            if armReadTimer { readTimer?.arm(after: readTimeout) }
            context.read()
        case .none:
            break
        }
    }

    private func run(_ action: UpstreamConnectionStateMachine.TimerAction) {
        switch action {
        case .armReadTimer: readTimer?.arm(after: readTimeout)
        case .disarmReadTimer: readTimer?.cancel()
        case .none: break
        }
    }

    // MARK: - NIO callbacks

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Everything this read leads to (the response relayed, the request logged, timers moved) shares one reading
        // of the clock.
        timers.clock.during { received(unwrapInboundIn(data), context: context) }
    }

    private func received(_ data: ByteBuffer, context: ChannelHandlerContext) {
        switch machine.bytesReceived() {
        case .close:
            // Bytes on an idle connection (nothing was asked): it cannot be trusted with the next request.
            context.close(promise: nil)
        case .relayTunnel:
            delegate?.upstreamTunnelData(data)
        case .decode(let rearmReadTimer):
            if rearmReadTimer { readTimer?.arm(after: readTimeout) }
            decoder.feed(data)
            processInbound()
        }
    }

    private func processInbound() {
        // Bound once for the whole burst (binding it per event retained it per event); the identity check stops the
        // loop as soon as the exchange ends or fails, as reading `self.delegate` on every turn did.
        guard let delegate else { return }
        while self.delegate === delegate {
            if isTunnel {
                if let rest = decoder.takeBuffered() { delegate.upstreamTunnelData(rest) }
                return
            }
            let event: HTTP1ResponseEvent?
            do {
                event = try decoder.next(lists: &fieldLists)
            } catch {
                fail(machine.responseUnreadable())
                return
            }
            guard let event else { return }
            deliver(event, to: delegate)
        }
    }

    private func deliver(_ event: HTTP1ResponseEvent, to delegate: UpstreamConnectionDelegate) {
        switch event {
        case .head(let head):
            machine.responseHeadReceived()
            responseKeepAlive = head.isKeepAlive
            delegate.upstreamResponseHead(head)
            // A tunnel reads no more heads: its connection keeps no list (open tunnels are counted in memory).
            if !isTunnel { fieldLists.recycle(head.fields) }
        case .body(let part):
            delegate.upstreamResponseBody(part)
        case .end:
            readTimer?.disarm()
            let reusable = machine.responseEnded(
                upstreamKeepAlive: responseKeepAlive, leftoverBytes: decoder.bufferedBytes)
            delegate.upstreamResponseEnd(keepAlive: reusable)
        }
    }

    /// Reports a failure to the delegate (if any is still listening) and closes the connection.
    private func fail(_ action: UpstreamConnectionStateMachine.FailAction) {
        guard case .fail(let failure) = action, let delegate else { return }
        self.delegate = nil
        delegate.upstreamFailed(failure.attemptFailure)
        context?.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        switch machine.readRequested(clientWritable: delegate?.clientIsWritable ?? true) {
        case .read:
            context.read()
        case .hold:
            // The client is slow to take the response: the upstream is not waited on, so its read_timeout stops.
            readTimer?.disarm()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        switch machine.writabilityChanged(isWritable: writable) {
        case .armSendTimer: sendTimer?.arm(after: sendTimeout)
        case .disarmSendTimer: sendTimer?.disarm()
        }
        delegate?.upstreamWritabilityChanged(isWritable: writable)
        context.fireChannelWritabilityChanged()
    }

    func channelActive(context: ChannelHandlerContext) {
        isActive = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        readTimer?.cancel()
        switch machine.channelInactive() {
        case .leavePool:
            if let pool = idleIn {
                idleIn = nil
                pool.remove(self)
            }
        case .finishBodyThenFail(let failure):
            // A body delimited by the close ends here; anything else cut short is a failure.
            if let delegate, let event = try? decoder.connectionClosed() {
                responseKeepAlive = false
                deliver(event, to: delegate)
            }
            fail(.fail(failure))
        case .fail(let failure):
            fail(.fail(failure))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parse errors and resets: the connection is unusable; channelInactive reports the failure.
        context.close(promise: nil)
    }

    private func sendTimedOut() {
        fail(machine.sendTimerExpired(isWritable: !contextRef.isSet || writable))
    }

    private func readTimedOut() {
        fail(machine.readTimerExpired())
    }
}

extension UpstreamConnectionStateMachine.Failure {
    /// The same failure as the client connection's state machine names it.
    var attemptFailure: ProxyStateMachine.AttemptFailure {
        switch self {
        case .readTimeout: return .readTimeout
        case .sendTimeout: return .sendTimeout
        case .error: return .error
        case .staleConnection: return .staleConnection
        }
    }
}
