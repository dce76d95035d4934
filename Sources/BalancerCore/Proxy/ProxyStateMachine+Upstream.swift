import NIOCore
import NIOHTTP1

/// The upstream side's events as the client connection sees them: a server picked, a connection attached or
/// failed, the response's head and end, writability. Retries follow nginx's `proxy_next_upstream` rules, and every
/// attempt's outcome for passive health (`max_fails`) is part of the action that ends it.
extension ProxyStateMachine {
    /// Why an upstream attempt failed.
    package enum AttemptFailure: Equatable {
        /// Connect refused, reset or closed before a complete response head.
        case error
        /// Connect timed out.
        case connectTimeout
        /// No response within `read_timeout`.
        case readTimeout
        /// The upstream took no request bytes for `send_timeout`.
        case sendTimeout
        /// The upstream answered 502/503/504 and `next_upstream` lists it.
        case httpStatus(Int)
        /// A pooled keep-alive connection was closed by the upstream as we reused it: not the server's fault.
        case staleConnection
    }

    /// What an ended attempt means for its server's passive health.
    package enum AttemptOutcome: Equatable {
        /// The server answered: a success (it ends an ejection trial).
        case succeeded
        /// Counts against the server (`max_fails` within `fail_timeout`).
        case failed(AttemptFailure)
        /// Neither: the client went away or misbehaved, or a pooled connection had gone stale.
        case uncounted
    }

    package enum AttemptStartAction: Equatable {
        /// Take a pooled connection to the picked server or open one, and report it with `upstreamConnected` (or
        /// `connectFailed`) under this attempt id.
        case connect(attempt: Int)
        /// No request is waiting for a server any more.
        case none
    }

    /// The balancer picked server `index` of the request's group (outside `tried`).
    package mutating func serverPicked(_ index: Int) -> AttemptStartAction {
        let id = nextAttemptID
        let started = withRequest { request -> Bool in
            guard case .none = request.attempt else { return false }
            request.tried.insert(index)
            request.attempt = .connecting(id: id, server: index)
            return true
        }
        guard started == true else { return .none }
        nextAttemptID &+= 1
        return .connect(attempt: id)
    }

    /// No server is left to pick (every one tried, down or ejected).
    package mutating func noServerAvailable() -> FailureAction {
        guard let request = current else { return .none }
        let close = !request.requestEnded || !request.clientKeepAlive || draining
        state = .localResponse(closeAfter: close, requestEnded: request.requestEnded)
        return .respond(request.attempts > 1 ? .badGateway : .serviceUnavailable, close: close, .uncounted)
    }

    package enum AttachAction: Equatable {
        /// Write the request head, then `body` (held parts, or all of them on a retry), then the end if `end`, and
        /// flush. `resumeReads`: pass on the client read held back meanwhile.
        case sendRequest(body: ArraySlice<ByteBuffer>, end: Bool, resumeReads: Bool)
        /// The attempt is no longer wanted (the client went away, the request was refused, or a newer attempt
        /// began): give the connection back.
        case decline
    }

    /// A connection for attempt `attempt` is ready (fresh or from the pool); `writable` is its channel's state.
    package mutating func upstreamConnected(attempt: Int, writable: Bool) -> AttachAction {
        let action = withRequest { request -> AttachAction in
            guard case .connecting(attempt, let server) = request.attempt else { return .decline }
            request.attempt = .attached(id: attempt, server: server, writable: writable)
            request.sentToUpstream = true
            return .sendRequest(body: request.body.takeUnsent(), end: request.requestEnded, resumeReads: false)
        }
        guard case .sendRequest(let body, let end, _)? = action else { return action ?? .decline }
        let resume = readHeld && writable
        if resume { readHeld = false }
        return .sendRequest(body: body, end: end, resumeReads: resume)
    }

    /// The connection for attempt `attempt` could not be made.
    package mutating func connectFailed(attempt: Int, _ failure: AttemptFailure, now: Int64) -> FailureAction {
        guard case .connecting(attempt, _)? = current?.attempt else { return .none }
        return attemptFailed(failure, now: now)
    }

    package enum FailureAction: Equatable {
        /// End the current attempt (recording `outcome`), pick another server outside `excluding`, and report it
        /// with `serverPicked`.
        case retry(AttemptOutcome, excluding: ServerSet)
        /// End the current attempt (recording `outcome`), answer with this status, then `localResponseWritten`.
        case respond(HTTPResponseStatus, close: Bool, AttemptOutcome)
        /// End the current attempt (recording `outcome`) and close the client: the response had started.
        case closeClient(AttemptOutcome)
        /// The upstream ended a tunnel: deliver what it sent last, then close the client.
        case endTunnel
        case none
    }

    /// The current attempt failed. Retried when no response byte reached the client, tries remain, the body can be
    /// replayed, and the method is idempotent or the request never left (nginx's `proxy_next_upstream` rules).
    package mutating func attemptFailed(_ failure: AttemptFailure, now: Int64) -> FailureAction {
        if case .tunnel = state {
            // An upstream gone mid-tunnel: the client's connection is closed at once, never left hanging.
            state = .closed
            return .endTunnel
        }
        guard let request = current else { return .none }
        let outcome: AttemptOutcome = failure == .staleConnection ? .uncounted : .failed(failure)
        if request.response != .waiting {
            state = .closed
            return .closeClient(outcome)
        }
        if Self.mayRetry(request, after: failure, now: now) {
            return .retry(outcome, excluding: beginRetry(after: failure))
        }
        let status: HTTPResponseStatus
        switch failure {
        case .readTimeout, .connectTimeout, .sendTimeout: status = .gatewayTimeout
        case .httpStatus(let code): status = HTTPResponseStatus(statusCode: code)
        case .error, .staleConnection: status = .badGateway
        }
        let close = !request.requestEnded || !request.clientKeepAlive || draining
        state = .localResponse(closeAfter: close, requestEnded: request.requestEnded)
        return .respond(status, close: close, outcome)
    }

    /// Moves the request on to its next attempt; returns the servers it must not go to.
    private mutating func beginRetry(after failure: AttemptFailure) -> ServerSet {
        withRequest { request -> ServerSet in
            if failure == .staleConnection {
                // Not the server's fault: the same server may be asked again, on a fresh connection.
                switch request.attempt {
                case .connecting(_, let server), .attached(_, let server, _): request.tried.remove(server)
                case .none: break
                }
            } else {
                request.attempts += 1
            }
            request.attempt = .none
            request.sentToUpstream = false
            request.body.rewind()
            return request.tried
        } ?? .empty
    }

    /// nginx's `proxy_next_upstream` rules for `request` after `failure`, at monotonic time `now`.
    private static func mayRetry(_ request: Request, after failure: AttemptFailure, now: Int64) -> Bool {
        let allowedByConfig = condition(of: failure).map { request.policy.allowsRetry(on: $0) } ?? false
            || failure == .staleConnection
        let neverSent = !request.sentToUpstream
        let methodAllows = request.idempotent || neverSent || request.policy.allowsRetry(on: .nonIdempotent)
        let triesLeft = failure == .staleConnection || request.attempts < request.policy.tries
        let timeLeft =
            request.policy.nextUpstreamTimeout == 0 || now - request.startedAt < request.policy.nextUpstreamTimeout
        return allowedByConfig && methodAllows && request.body.isReplayable && triesLeft && timeLeft
    }

    /// The `next_upstream` condition a failure falls under, if any.
    private static func condition(of failure: AttemptFailure) -> NextUpstreamCondition? {
        switch failure {
        case .error, .staleConnection: return .error
        case .connectTimeout, .sendTimeout: return .timeout
        case .readTimeout: return nil  // the request may have been processed: never replayed past read_timeout
        case .httpStatus(502): return .http502
        case .httpStatus(503): return .http503
        case .httpStatus(504): return .http504
        case .httpStatus: return nil
        }
    }

    /// The attached upstream connection's writability changed (backpressure on the request body).
    package mutating func upstreamWritabilityChanged(isWritable: Bool) -> ResumeAction {
        switch state {
        case .tunnel:
            state = .tunnel(upstreamWritable: isWritable)
        case .proxying:
            withRequest { request in
                if case .attached(let id, let server, _) = request.attempt {
                    request.attempt = .attached(id: id, server: server, writable: isWritable)
                }
            }
        default:
            return .none
        }
        guard isWritable, readHeld else { return .none }
        readHeld = false
        return .resumeReads
    }

    package enum ResponseHeadAction: Equatable {
        /// Relay the response, recording `outcome`: a 502/503/504 that `next_upstream` lists, relayed because no
        /// other server may be asked, still counts against the server, as in nginx. `clientKeepAlive`: the head
        /// may offer the client a kept connection (the client allows it and no drain began).
        case relay(AttemptOutcome, clientKeepAlive: Bool)
        /// A 502/503/504 that `next_upstream` lists, and another server may be asked: drop this answer, end the
        /// attempt recording `outcome`, and pick a server outside `excluding`.
        case retry(AttemptOutcome, excluding: ServerSet)
        /// Relay the 101 (a success for the server) and turn both connections into a byte tunnel whose idle timer
        /// runs for `idleTimeout`.
        case openTunnel(idleTimeout: TimeAmount)
        /// A 101 nobody asked for: the upstream is broken; report it with `attemptFailed(.error, …)`.
        case reject
    }

    /// The upstream's response head arrived with `status`, at monotonic time `now`.
    package mutating func responseHeadReceived(status: Int, now: Int64) -> ResponseHeadAction {
        // One pass over the request in place: a response head arrives for every request.
        let draining = self.draining
        let decision = withRequest { request -> ResponseHeadDecision in
            if status == 101 {
                guard request.isUpgrade, request.requestEnded else { return .reject }
                if case .attached(_, _, let writable) = request.attempt { return .tunnel(upstreamWritable: writable) }
                return .tunnel(upstreamWritable: true)
            }
            let failure = AttemptFailure.httpStatus(status)
            let listed = (502...504).contains(status)
                && Self.condition(of: failure).map { request.policy.allowsRetry(on: $0) } == true
            if listed && Self.mayRetry(request, after: failure, now: now) { return .retry(failure) }
            request.response = .streaming
            return .relay(listed ? .failed(failure) : .succeeded, clientKeepAlive: request.clientKeepAlive && !draining)
        }
        switch decision {
        case nil:
            return .relay(.uncounted, clientKeepAlive: false)
        case .reject?:
            return .reject
        case .tunnel(let upstreamWritable)?:
            state = .tunnel(upstreamWritable: upstreamWritable)
            return .openTunnel(idleTimeout: timeouts.tunnelIdle)
        case .retry(let failure)?:
            return .retry(.failed(failure), excluding: beginRetry(after: failure))
        case .relay(let outcome, let keepAlive)?:
            return .relay(outcome, clientKeepAlive: keepAlive)
        }
    }

    /// What `responseHeadReceived` found, before the state changes that follow from it.
    private enum ResponseHeadDecision {
        case reject
        case tunnel(upstreamWritable: Bool)
        case retry(AttemptFailure)
        case relay(AttemptOutcome, clientKeepAlive: Bool)
    }

    /// Bytes went through the tunnel, either way: restart its idle timer.
    @inlinable package mutating func tunnelDataReceived() -> TimerAction {
        guard case .tunnel = state else { return .keep }
        return .arm(timeouts.tunnelIdle)
    }

    package enum ResponseEndAction: Equatable {
        /// Write the end; give the upstream connection back to the pool if `reuseUpstream`, else close it. Then
        /// either close the client once written (`keepaliveTimeout` nil), or arm its timer with `keepaliveTimeout`
        /// and read the next request.
        case finish(reuseUpstream: Bool, keepaliveTimeout: TimeAmount?)
        /// The request body is still arriving after a complete response (the upstream answered early): finish the
        /// response, close the upstream connection, and close the client once written.
        case finishEarly
        case none
    }

    /// The response is complete. `upstreamKeepAlive`: the upstream connection may be reused; `clientCanKeepAlive`:
    /// the response head sent to the client left its connection open.
    package mutating func responseEndReceived(upstreamKeepAlive: Bool, clientCanKeepAlive: Bool) -> ResponseEndAction {
        let draining = self.draining
        // nil: the request body is still arriving; otherwise whether the client's connection closes.
        let ended = withRequest { request -> Bool? in
            request.response = .done
            guard request.requestEnded else { return nil }
            return !(request.clientKeepAlive && clientCanKeepAlive) || draining
        }
        guard let ended else { return .none }
        guard let closeClient = ended else {
            state = .closed
            return .finishEarly
        }
        state = closeClient ? .closed : .idle
        return .finish(reuseUpstream: upstreamKeepAlive, keepaliveTimeout: closeClient ? nil : timeouts.keepalive)
    }
}
