import NIOCore
import NIOHTTP1

/// The client side's events: the connection, its reads and writability, the request's head, body and end, and the
/// balancer's own responses.
extension ProxyStateMachine {
    /// The connection was accepted: the first head must arrive within `client_header_timeout`.
    @inlinable package mutating func connectionActive() -> TimerAction {
        .arm(timeouts.header)
    }

    package enum ReadAction: Equatable {
        /// Pass the read on: the client's bytes are welcome.
        case read
        /// Hold it until `.resumeReads` (the upstream cannot take more, a body part is already waiting for a
        /// connection, or the client pipelines far ahead of the responses).
        case hold
    }

    /// NIO asks to read from the client. `pipelineBacklogFull`: the framing layer holds more pipelined bytes than
    /// it will buffer while a response is in progress.
    @inlinable package mutating func readRequested(pipelineBacklogFull: Bool) -> ReadAction {
        let upstreamFull: Bool
        switch state {
        case .proxying:
            // Read in place: this is asked on every read.
            upstreamFull =
                withRequest { request in
                    // As nginx, nothing more is read from a request a rate limit delays.
                    if request.delayed { return true }
                    switch request.attempt {
                    case .attached(_, _, let writable): return !writable
                    case .connecting, .none: return request.body.unsentBytes >= request.body.limit
                    }
                } ?? false
        case .tunnel(let upstreamWritable):
            upstreamFull = !upstreamWritable
        case .lingering, .closed:
            // Reading on is what drains the client's last bytes; nothing is kept.
            return .read
        case .idle, .localResponse, .servingFile:
            upstreamFull = false
        }
        guard upstreamFull || pipelineBacklogFull else { return .read }
        readHeld = true
        return .hold
    }

    package enum InputAction: Equatable {
        /// Hand the bytes to the HTTP/1 framing layer.
        case decode
        /// Tunnel: write the bytes to the upstream as they are, and restart the idle timer with this timeout.
        case relayToUpstream(idleTimeout: TimeAmount)
        /// The connection is closing: drop them.
        case discard
    }

    /// Bytes arrived from the client.
    @inlinable package mutating func clientBytesReceived() -> InputAction {
        switch state {
        case .tunnel: return .relayToUpstream(idleTimeout: timeouts.tunnelIdle)
        case .lingering, .closed: return .discard
        case .idle, .proxying, .localResponse, .servingFile: return .decode
        }
    }

    package enum HeadAction: Equatable {
        /// Forward the request: write its head for the upstream (keeping its `Upgrade` when `upgrade`), send
        /// `100 Continue` first if `continue100`, pick a server (none excluded yet) and report it with
        /// `serverPicked`. Then apply `timer` (`client_body_timeout` while a body is awaited).
        case proxy(framing: HTTP1Framing, continue100: Bool, upgrade: Bool, timer: TimerAction)
        /// Answer locally (per `close`, the response says `Connection: close`), then call `localResponseWritten`.
        case respond(HTTPResponseStatus, close: Bool)
        /// Answer from the route's files: resolve and send them, calling `fileResponseStarted` before the head and
        /// `fileResponseFinished` after the body. Then apply `timer` (`client_body_timeout` while a body is read
        /// and dropped).
        case serveFile(close: Bool, timer: TimerAction)
        /// Answer with a response of the configuration (a `return` route, the HTTPS redirect), as `respond`.
        case answer(LocalAnswer, close: Bool)
        /// A limit refused the request: answer locally with `Retry-After: retryAfter` seconds when set, then call
        /// `localResponseWritten`.
        case refuse(HTTPResponseStatus, retryAfter: Int?, close: Bool)
        /// A rate limit delays the request: apply `timer` to the client's timer, keep the head, and call
        /// `delayElapsed` once `delay` has passed (reads wait meanwhile).
        case delay(TimeAmount, timer: TimerAction)
    }

    /// A request head arrived, with no limits to ask. `unavailableStatus` is set when no route matched (404); see
    /// `requestHeadReceived(_:policy:route:servesFiles:now:limits:)`.
    package mutating func requestHeadReceived(
        _ request: HTTP1RequestHead,
        policy: Policy,
        unavailableStatus: HTTPResponseStatus?,
        servesFiles: Bool = false,
        now: Int64
    ) -> HeadAction {
        let route = unavailableStatus.map(RouteVerdict.refuse) ?? .proxy(route: 0)
        return requestHeadReceived(request, policy: policy, route: route, servesFiles: servesFiles, now: now) {
            .pass
        }
    }

    /// A request head arrived, as decoded and checked by the framing layer (`request.checked` holds its framing or
    /// why it is refused), with what the routing decided for it; `servesFiles` when the route matched is a static
    /// one. `now`: monotonic nanoseconds. `limits` asks the rate and connection limits, and charges them: it is
    /// called only for a request the framing checks, `client_max_body_size` and a `return` answer let through, as
    /// nginx applies `limit_req` only after those (its rewrite phase, where `return` runs, comes first).
    package mutating func requestHeadReceived(
        _ request: HTTP1RequestHead,
        policy: Policy,
        route: RouteVerdict,
        servesFiles: Bool = false,
        now: Int64,
        limits: () -> LimitVerdict
    ) -> HeadAction {
        guard case .idle = state else { invalid("request head while busy") }
        timeouts = policy.timeouts
        let framing: HTTP1Framing
        switch request.checked {
        case .failure(let violation):
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(violation.status, close: true)
        case .success(let f):
            framing = f
        }
        let keepAlive = request.isKeepAlive && !draining
        let expectsContinue = request.first(.expect)?.lowercased() == "100-continue"
        if case .contentLength(let length) = framing, policy.maxBodySize > 0, length > policy.maxBodySize {
            // Refused before a single body byte is read or sent upstream. With `Expect: 100-continue` the client
            // sends no body, so the connection can stay open; otherwise close rather than read megabytes.
            let close = !expectsContinue || !keepAlive
            state = .localResponse(closeAfter: close, requestEnded: expectsContinue)
            return .respond(.payloadTooLarge, close: close)
        }
        if case .answer(let answer) = route {
            // As a refusal: a body the client sends with it is not read on, so the connection closes after it.
            let close = !keepAlive || framing != .none
            state = .localResponse(closeAfter: close, requestEnded: framing == .none)
            return .answer(answer, close: close)
        }
        let verdict = limits()
        if case .refuse(let status, let retryAfter) = verdict {
            // As a 404: the connection stays for the client's next try unless a body would have to be read first.
            let close = !keepAlive || framing != .none
            state = .localResponse(closeAfter: close, requestEnded: framing == .none)
            return .refuse(status, retryAfter: retryAfter, close: close)
        }
        if case .refuse(let status) = route {
            let close = !keepAlive || framing != .none
            state = .localResponse(closeAfter: close, requestEnded: framing == .none)
            return .respond(status, close: close)
        }
        var wait: TimeAmount?
        if case .delay(let delay) = verdict { wait = delay }
        if servesFiles && wait == nil {
            return fileRequestReceived(request.method, framing: framing, keepAlive: keepAlive)
        }
        var proxied = Request(
            policy: policy,
            clientKeepAlive: request.isKeepAlive,
            framing: framing,
            idempotent: ProxyStateMachine.isIdempotent(request.method)
        )
        proxied.isUpgrade = WebSocketUpgrade.isRequest(request)
        proxied.startedAt = now
        proxied.attempts = 1
        switch framing {
        case .none: proxied.continue100 = false
        case .contentLength(let n): proxied.continue100 = expectsContinue && n > 0
        case .chunked: proxied.continue100 = expectsContinue
        }
        if let wait {
            // The body is not read meanwhile, so no body timeout runs until the request goes on; a request for
            // files waits the same way, and is served when the delay is over.
            proxied.delayed = true
            proxied.fileMethod = servesFiles ? request.method : nil
            current = proxied
            state = .proxying
            return .delay(wait, timer: .disarm)
        }
        // Read before the request moves into the state: stored while still used, it would be copied (its body
        // buffer retained and released) on every request.
        let (continue100, upgrade) = (proxied.continue100, proxied.isUpgrade)
        current = proxied
        state = .proxying
        return .proxy(
            framing: framing,
            continue100: continue100,
            upgrade: upgrade,
            timer: framing == .none ? .disarm : .arm(timeouts.body)
        )
    }

    package enum BodyAction: Equatable {
        /// Write the part to the attached upstream now, and restart the client's timer with `bodyTimeout`.
        case forward(bodyTimeout: TimeAmount)
        /// The part is kept (no connection attached yet); restart the client's timer with `bodyTimeout`.
        case hold(bodyTimeout: TimeAmount)
        /// Drop it (a local response is in progress).
        case discard
        /// The body crossed `client_max_body_size`: end the upstream attempt (not the server's failure), answer
        /// 413 and close.
        case rejectTooLarge
        /// The body crossed the cap after the response started: end the attempt and close the client.
        case abortBoth
    }

    /// A part of the request body arrived.
    package mutating func requestBodyReceived(_ part: ByteBuffer) -> BodyAction {
        switch state {
        case .proxying:
            let body = timeouts.body
            let action = withRequest { request -> BodyAction in
                request.bodyBytes += Int64(part.readableBytes)
                if request.policy.maxBodySize > 0 && request.bodyBytes > request.policy.maxBodySize {
                    return request.response == .waiting ? .rejectTooLarge : .abortBoth
                }
                if case .attached = request.attempt {
                    request.body.sent(part)
                    request.sentToUpstream = true
                    return .forward(bodyTimeout: body)
                }
                request.body.hold(part)
                return .hold(bodyTimeout: body)
            }
            switch action {
            case .rejectTooLarge?: state = .localResponse(closeAfter: true, requestEnded: false)
            case .abortBoth?: state = .closed
            default: break
            }
            return action ?? .discard
        case .idle, .localResponse, .servingFile, .lingering, .tunnel, .closed:
            return .discard
        }
    }

    package enum EndAction: Equatable {
        /// Write the end of the request to the attached upstream and flush; the client's timer stops.
        case forward
        /// The end goes out with the held parts once a connection is attached; the client's timer stops.
        case hold
        /// The request was answered locally and the connection is idle: decode the next request.
        case readNextRequest
        case none
    }

    /// The request is complete.
    package mutating func requestEndReceived() -> EndAction {
        switch state {
        case .proxying:
            return withRequest { request -> EndAction in
                request.requestEnded = true
                if case .attached = request.attempt { return .forward }
                return .hold
            } ?? .none
        case .localResponse(let closeAfter, _):
            state = .localResponse(closeAfter: closeAfter, requestEnded: true)
            return .none
        case .servingFile(var file):
            file.requestEnded = true
            state = .servingFile(file)
            return .none
        case .idle:
            return .readNextRequest
        case .lingering, .tunnel, .closed:
            return .none
        }
    }

    package enum LocalResponseAction: Equatable {
        /// The connection stays: arm the client's timer with `keepaliveTimeout` and read the next request.
        case keepOpen(keepaliveTimeout: TimeAmount)
        /// Write the response, then shut the write side, keep reading and dropping for `lingeringTimeout`, and
        /// close when the timer expires (`clientTimedOut`) — so the client sees the response, not a reset.
        case closeAfterWrite(lingeringTimeout: TimeAmount)
        case none
    }

    /// A response of the balancer's own is being written.
    package mutating func localResponseWritten() -> LocalResponseAction {
        guard case .localResponse(let closeAfter, let requestEnded) = state else { return .none }
        if closeAfter || !requestEnded || draining {
            state = .lingering
            return .closeAfterWrite(lingeringTimeout: timeouts.lingering)
        }
        state = .idle
        return .keepOpen(keepaliveTimeout: timeouts.keepalive)
    }

    package enum ResumeAction: Equatable {
        /// Pass on the read held back.
        case resumeReads
        case none
    }

    /// The response in progress is done and the framing layer has handed over what was pipelined behind it.
    @inlinable package mutating func readyForNextRequest() -> ResumeAction {
        guard case .idle = state, readHeld else { return .none }
        readHeld = false
        return .resumeReads
    }

    /// The client's request could not be parsed (bad chunk size, header too large, …): 400/431 if nothing was
    /// answered yet, otherwise just close. Any upstream attempt ends, not counted against its server.
    package mutating func requestMalformed(status: HTTPResponseStatus) -> FailureAction {
        switch state {
        case .idle:
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(status, close: true, .uncounted)
        case .proxying where current?.response == .waiting:
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(status, close: true, .uncounted)
        case .proxying, .localResponse, .servingFile, .tunnel:
            state = .closed
            return .closeClient(.uncounted)
        case .lingering, .closed:
            return .none
        }
    }

    /// What the client's writability means for the upstream's reads and for `send_timeout`.
    package struct WritabilityAction: Equatable {
        /// The client takes bytes again: let the upstream connection read on.
        package var resumeUpstreamReads: Bool
        package var timer: TimerAction
    }

    package mutating func clientWritabilityChanged(isWritable: Bool) -> WritabilityAction {
        clientWritable = isWritable
        if isWritable {
            // The client takes bytes again: its send_timeout stops (a body still arriving re-arms its own).
            let stop = isRelayingResponse && !awaitsClientBody
            return WritabilityAction(resumeUpstreamReads: true, timer: stop ? .disarm : .keep)
        }
        return WritabilityAction(resumeUpstreamReads: false, timer: isRelayingResponse ? .arm(timeouts.send) : .keep)
    }

    package enum DrainAction: Equatable {
        /// Between requests: close now.
        case close
        /// Mid-request: the response in progress says `Connection: close` and the connection closes after it.
        case none
    }

    /// Shutdown began.
    package mutating func drainingStarted() -> DrainAction {
        draining = true
        guard case .idle = state else { return .none }
        state = .closed
        return .close
    }

    package enum ClosedAction: Equatable {
        /// An upstream attempt or tunnel was in progress: end it (not the server's failure).
        case abortAttempt
        case none
    }

    /// The client connection closed or failed.
    package mutating func clientClosed() -> ClosedAction {
        defer { state = .closed }
        switch state {
        case .proxying, .tunnel: return .abortAttempt
        default: return .none
        }
    }
}
