/// The decisions of one upstream connection, as a value type: whether an exchange is in progress and how far it has
/// got, when `read_timeout` and `send_timeout` run, when reads are held for a slow client, whether the connection
/// may go back to the pool, and what a close or an expiry means for the request.
///
/// `UpstreamHandler` turns NIO callbacks and the client connection's calls into the events below and carries out the
/// returned actions; it decides nothing itself. Socket-free tests drive every event.
package struct UpstreamConnectionStateMachine {
    package enum State: Equatable {
        /// No exchange: fresh, or idle in the pool.
        case idle
        /// The request is being written. `headReceived`: the upstream already answered (an early response).
        case sending(headReceived: Bool)
        /// The whole request is written; the response head is awaited.
        case awaitingHead
        /// The response head arrived and the request is complete; the body is being relayed.
        case streaming
        /// After a 101: raw bytes both ways until either side closes.
        case tunnel
        case closed
    }

    package private(set) var state = State.idle
    /// A read was held back because the client could not take more.
    package private(set) var readsHeld = false
    /// Exchanges completed on this connection; more than 0 means it came from the pool.
    package private(set) var completedExchanges = 0

    /// Whether an exchange is in progress (a delegate is listening).
    package var inExchange: Bool {
        switch state {
        case .sending, .awaitingHead, .streaming, .tunnel: return true
        case .idle, .closed: return false
        }
    }

    /// `read_timeout` runs between two reads once the whole request is written, and not while reads are held for
    /// the client (then the wait is the client's, not the server's).
    private var readTimerRuns: Bool {
        switch state {
        case .awaitingHead, .streaming: return !readsHeld
        default: return false
        }
    }

    /// A fresh connection, before its first exchange.
    package init() {}

    // MARK: - Exchange events (from the client connection)

    package enum StartAction: Equatable {
        /// Stop any read timer; ask for bytes again if a read was held.
        case start(resumeRead: Bool)
    }

    /// A request is about to be written on this connection.
    package mutating func exchangeStarted(clientWritable: Bool) -> StartAction {
        precondition(state == .idle, "UpstreamConnectionStateMachine: exchange started in state \(state)")
        state = .sending(headReceived: false)
        let resume = readsHeld && clientWritable
        if resume { readsHeld = false }
        return .start(resumeRead: resume)
    }

    package enum TimerAction: Equatable {
        case armReadTimer
        case disarmReadTimer
        case none
    }

    /// The last byte of the request was written: `read_timeout` starts now (nginx arms `proxy_read_timeout` once
    /// the request is sent, so a slow upload is never the server's timeout).
    package mutating func requestSent() -> TimerAction {
        guard case .sending(let headReceived) = state else { return .none }
        state = headReceived ? .streaming : .awaitingHead
        return readTimerRuns ? .armReadTimer : .none
    }

    /// The response ended; `leftoverBytes` were received beyond it. The connection is reusable only if the
    /// upstream allows it and sent nothing more: bytes beyond a response mean the two sides disagree on framing.
    package mutating func responseEnded(upstreamKeepAlive: Bool, leftoverBytes: Int) -> Bool {
        guard inExchange, state != .tunnel else { return false }
        completedExchanges += 1
        let reusable = upstreamKeepAlive && leftoverBytes == 0
        state = reusable ? .idle : .closed
        return reusable
    }

    /// The client connection is done with this exchange after a complete response: the connection goes idle.
    package mutating func exchangeEnded() {
        if state != .closed { state = .idle }
    }

    /// The client connection gave up on this connection (aborted attempt, client gone).
    package mutating func aborted() {
        state = .closed
    }

    /// A 101 was relayed: from now on bytes pass untouched, and no `read_timeout` applies (the tunnel's idle
    /// timeout is the client side's).
    package mutating func tunnelStarted() -> TimerAction {
        state = .tunnel
        return .disarmReadTimer
    }

    // MARK: - Channel events

    package enum ReadAction: Equatable {
        /// Hand the bytes to the response decoder; re-arm `read_timeout` first when it runs.
        case decode(rearmReadTimer: Bool)
        /// Pass the bytes to the client untouched.
        case relayTunnel
        /// Bytes nobody asked for (an idle connection): it cannot be trusted with the next request.
        case close
    }

    package mutating func bytesReceived() -> ReadAction {
        switch state {
        case .idle:
            state = .closed
            return .close
        case .tunnel:
            return .relayTunnel
        case .closed:
            return .decode(rearmReadTimer: false)
        default:
            return .decode(rearmReadTimer: readTimerRuns)
        }
    }

    /// The decoder produced a response head.
    package mutating func responseHeadReceived() {
        switch state {
        case .sending: state = .sending(headReceived: true)
        case .awaitingHead: state = .streaming
        default: break
        }
    }

    /// Whether the response head of the exchange in progress has arrived (a failure after it is not retryable).
    package var responseHeadArrived: Bool {
        switch state {
        case .sending(let headReceived): return headReceived
        case .streaming, .tunnel: return true
        default: return false
        }
    }

    package enum ReadRequestAction: Equatable {
        case read
        /// Hold the read until the client can take more; `read_timeout` stops meanwhile.
        case hold
    }

    /// NIO asks for the next read.
    package mutating func readRequested(clientWritable: Bool) -> ReadRequestAction {
        guard inExchange, !clientWritable else { return .read }
        readsHeld = true
        return .hold
    }

    package enum ResumeAction: Equatable {
        /// Read again, and restart `read_timeout` when it runs.
        case read(armReadTimer: Bool)
        case none
    }

    /// The client can take more again.
    package mutating func clientBecameWritable() -> ResumeAction {
        guard readsHeld, state != .closed else { return .none }
        readsHeld = false
        return .read(armReadTimer: readTimerRuns)
    }

    package enum WritabilityAction: Equatable {
        /// The upstream takes no more bytes for now: `send_timeout` starts.
        case armSendTimer
        case disarmSendTimer
    }

    package mutating func writabilityChanged(isWritable: Bool) -> WritabilityAction {
        isWritable || !inExchange ? .disarmSendTimer : .armSendTimer
    }

    /// Why an exchange ends with a failure, when a timer expires or the connection breaks.
    package enum Failure: Equatable {
        case readTimeout
        case sendTimeout
        /// The response could not be parsed, or the connection closed before it was complete.
        case error
        /// A pooled connection the upstream had closed before this request's response began: not the server's
        /// fault, retried on a fresh connection.
        case staleConnection
    }

    package enum FailAction: Equatable {
        /// Tell the client connection, and close.
        case fail(Failure)
        case none
    }

    package mutating func readTimerExpired() -> FailAction {
        guard readTimerRuns else { return .none }
        state = .closed
        return .fail(.readTimeout)
    }

    /// `send_timeout` ran out; `isWritable` is the channel's writability now.
    package mutating func sendTimerExpired(isWritable: Bool) -> FailAction {
        guard inExchange, state != .tunnel, !isWritable else { return .none }
        state = .closed
        return .fail(.sendTimeout)
    }

    /// The response decoder refused the upstream's bytes.
    package mutating func responseUnreadable() -> FailAction {
        guard inExchange else { return .none }
        state = .closed
        return .fail(.error)
    }

    package enum InactiveAction: Equatable {
        /// Not in an exchange (idle in the pool, or already given up): leave the pool, nothing to report.
        case leavePool
        /// A body delimited by the close ends here: let the decoder finish it, then report what remains.
        case finishBodyThenFail(Failure)
        case fail(Failure)
    }

    /// The connection closed.
    package mutating func channelInactive() -> InactiveAction {
        let was = state
        let headArrived = responseHeadArrived
        state = .closed
        switch was {
        case .idle, .closed:
            return .leavePool
        case .tunnel:
            return .fail(.error)
        default:
            if headArrived { return .finishBodyThenFail(.error) }
            // Closed before any answer on a connection that had served others: the upstream closed it while idle.
            return .fail(completedExchanges > 0 ? .staleConnection : .error)
        }
    }
}
