import NIOCore
import NIOHTTP1

/// The decisions of one client connection, as a value type: which request is in progress, how far its request
/// and response have got, whether a failed attempt may go to another server, and whether the connection stays open.
///
/// `ClientConnectionHandler` turns NIO callbacks into the events below and carries out the returned actions; it
/// makes no decision of its own. Impossible transitions end in `invalid(_:)`.
struct ProxyStateMachine {
    /// Per-request limits and retry rules, from the config snapshot the request started with.
    struct Policy: Sendable {
        var maxBodySize: Int64
        var tries: Int
        var nextUpstream: Set<NextUpstreamCondition>
        /// `next_upstream_timeout` in nanoseconds; 0 = no limit on how long retries may go on.
        var nextUpstreamTimeout: Int64 = 0
    }

    /// Where the response stands.
    enum ResponsePhase: Equatable {
        case waiting
        case streaming
        case done
    }

    /// One request in progress.
    struct Request {
        var policy: Policy
        var clientKeepAlive: Bool
        var framing: HTTP1Framing
        var idempotent: Bool
        /// A WebSocket upgrade request: a 101 answer turns the connection into a tunnel.
        var isUpgrade = false
        var bodyBytes: Int64 = 0
        /// When the head arrived (monotonic ns), for `next_upstream_timeout`.
        var startedAt: Int64 = 0
        var requestEnded = false
        /// An upstream connection is attached (false while connecting).
        var attached = false
        /// Some request byte (head included) was written to the current upstream connection.
        var sentToUpstream = false
        var response = ResponsePhase.waiting
        var attempts = 1
        /// The current attempt is a retry: its body comes from the replay buffer.
        var isRetry = false
        var replay = ReplayBuffer()
    }

    enum State {
        case idle
        case proxying(Request)
        /// Writing a response of our own; the rest of the request body is read and dropped.
        case localResponse(closeAfter: Bool, requestEnded: Bool)
        /// The upstream accepted an upgrade: bytes flow both ways untouched until either side closes.
        case tunnel
        case closed
    }

    private(set) var state: State = .idle

    // MARK: - Client events

    enum HeadAction: Equatable {
        /// Pick a server and connect (or take a pooled connection). `continue100` asks for `100 Continue` first.
        case proxy(framing: HTTP1Framing, continue100: Bool)
        /// Answer locally and (per `close`) close the connection afterwards.
        case respond(HTTPResponseStatus, close: Bool)
    }

    /// A request head arrived, as decoded and checked by the framing layer (`request.checked` holds its framing or
    /// why it is refused). `unavailableStatus` is set when no route matched (404) or every server is down (503).
    mutating func requestHeadReceived(
        _ request: HTTP1RequestHead,
        policy: Policy,
        unavailableStatus: HTTPResponseStatus?,
        now: Int64
    ) -> HeadAction {
        guard case .idle = state else { invalid("request head while busy") }
        let head = request.head
        let framing: HTTP1Framing
        switch request.checked {
        case .failure(let violation):
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(violation.status, close: true)
        case .success(let f):
            framing = f
        }
        let keepAlive = request.isKeepAlive
        let expectsContinue = request.first(.expect)?.lowercased() == "100-continue"
        if case .contentLength(let length) = framing, policy.maxBodySize > 0, length > policy.maxBodySize {
            // Refused before a single body byte is read or sent upstream. With `Expect: 100-continue` the client
            // sends no body, so the connection can stay open; otherwise close rather than read megabytes.
            state = .localResponse(closeAfter: !expectsContinue || !keepAlive, requestEnded: expectsContinue)
            return .respond(.payloadTooLarge, close: !expectsContinue || !keepAlive)
        }
        if let status = unavailableStatus {
            let close = !keepAlive || framing != .none
            state = .localResponse(closeAfter: close, requestEnded: framing == .none)
            return .respond(status, close: close)
        }
        var proxied = Request(
            policy: policy,
            clientKeepAlive: keepAlive,
            framing: framing,
            idempotent: ProxyStateMachine.isIdempotent(head.method)
        )
        proxied.isUpgrade = WebSocketUpgrade.isRequest(head)
        proxied.startedAt = now
        state = .proxying(proxied)
        let hasBody: Bool
        switch framing {
        case .none: hasBody = false
        case .contentLength(let n): hasBody = n > 0
        case .chunked: hasBody = true
        }
        return .proxy(framing: framing, continue100: expectsContinue && hasBody)
    }

    enum BodyAction: Equatable {
        /// Write the part upstream now.
        case forward
        /// Keep it aside (`pending`); it goes out when the upstream connection is attached.
        case hold
        /// Drop it (local response in progress).
        case discard
        /// The body crossed `client_max_body_size`: abort the upstream attempt and answer 413, then close.
        case rejectTooLarge
        /// The body crossed the cap after the response started: abort both sides.
        case abortBoth
    }

    mutating func requestBodyReceived(_ part: ByteBuffer) -> BodyAction {
        switch state {
        case .proxying(var request):
            request.bodyBytes += Int64(part.readableBytes)
            if request.policy.maxBodySize > 0 && request.bodyBytes > request.policy.maxBodySize {
                if request.response == .waiting {
                    state = .localResponse(closeAfter: true, requestEnded: false)
                    return .rejectTooLarge
                }
                state = .closed
                return .abortBoth
            }
            request.replay.append(part)
            let attached = request.attached
            if attached { request.sentToUpstream = true }
            state = .proxying(request)
            return attached ? .forward : .hold
        case .localResponse:
            return .discard
        case .idle, .closed, .tunnel:
            return .discard
        }
    }

    enum EndAction: Equatable {
        case forward
        case hold
        /// The local response already went out and the request is now fully read: go idle or close.
        case finishLocal(close: Bool)
        case none
    }

    mutating func requestEndReceived() -> EndAction {
        switch state {
        case .proxying(var request):
            request.requestEnded = true
            let attached = request.attached
            state = .proxying(request)
            return attached ? .forward : .hold
        case .localResponse(let closeAfter, _):
            state = .localResponse(closeAfter: closeAfter, requestEnded: true)
            return .none
        case .idle, .closed, .tunnel:
            return .none
        }
    }

    /// Our own response was fully written.
    mutating func localResponseWritten() -> EndAction {
        guard case .localResponse(let closeAfter, let requestEnded) = state else { return .none }
        if closeAfter || !requestEnded {
            state = .closed
            return .finishLocal(close: true)
        }
        state = .idle
        return .finishLocal(close: false)
    }

    // MARK: - Upstream events

    enum AttachAction: Equatable {
        /// Write the head, then the held body parts — from the replay buffer on a retry, else the pending ones —
        /// and the end if the request already ended.
        case sendRequest(fromReplay: Bool, end: Bool)
        /// The client went away or the request was refused meanwhile: give the connection back.
        case release
    }

    /// An upstream connection is ready for this request (fresh or from the pool).
    mutating func upstreamAttached() -> AttachAction {
        guard case .proxying(var request) = state, !request.attached else { return .release }
        request.attached = true
        request.sentToUpstream = true
        let end = request.requestEnded
        let fromReplay = request.isRetry
        state = .proxying(request)
        return .sendRequest(fromReplay: fromReplay, end: end)
    }

    /// Why an upstream attempt failed.
    enum AttemptFailure: Equatable {
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

    enum FailureAction: Equatable {
        /// Try another server (the handler excludes those already tried).
        case retry
        /// Answer with this status (502/504), then close or keep the connection.
        case respond(HTTPResponseStatus, close: Bool)
        /// The response had started: nothing can be said any more, close the client connection.
        case closeClient
        case none
    }

    /// The current attempt failed. Retried when no response byte reached the client, tries remain, the body can be
    /// replayed, and the method is idempotent or the request never left (nginx's `proxy_next_upstream` rules).
    mutating func attemptFailed(_ failure: AttemptFailure, now: Int64) -> FailureAction {
        if case .tunnel = state {
            // An upstream gone mid-tunnel: the client's connection is closed at once, never left hanging.
            state = .closed
            return .closeClient
        }
        guard case .proxying(var request) = state else { return .none }
        if request.response != .waiting {
            state = .closed
            return .closeClient
        }
        if Self.mayRetry(request, after: failure, now: now) {
            if failure != .staleConnection { request.attempts += 1 }
            request.attached = false
            request.sentToUpstream = false
            request.isRetry = true
            state = .proxying(request)
            return .retry
        }
        let status: HTTPResponseStatus
        switch failure {
        case .readTimeout, .connectTimeout, .sendTimeout: status = .gatewayTimeout
        case .httpStatus(let code): status = HTTPResponseStatus(statusCode: code)
        case .error, .staleConnection: status = .badGateway
        }
        let close = !request.requestEnded || !request.clientKeepAlive
        state = .localResponse(closeAfter: close, requestEnded: request.requestEnded)
        return .respond(status, close: close)
    }

    /// nginx's `proxy_next_upstream` rules for `request` after `failure`, at monotonic time `now`.
    private static func mayRetry(_ request: Request, after failure: AttemptFailure, now: Int64) -> Bool {
        let allowedByConfig = condition(of: failure).map { request.policy.nextUpstream.contains($0) } ?? false
            || failure == .staleConnection
        let neverSent = !request.sentToUpstream
        let methodAllows = request.idempotent || neverSent || request.policy.nextUpstream.contains(.nonIdempotent)
        let bodyReplayable = request.replay.isComplete
        let triesLeft = failure == .staleConnection || request.attempts < request.policy.tries
        let timeLeft =
            request.policy.nextUpstreamTimeout == 0 || now - request.startedAt < request.policy.nextUpstreamTimeout
        return allowedByConfig && methodAllows && bodyReplayable && triesLeft && timeLeft
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

    /// No server is left to try (all tried or all down) after a failure that wanted a retry.
    mutating func noServerLeft() -> FailureAction {
        guard case .proxying(let request) = state else { return .none }
        let close = !request.requestEnded || !request.clientKeepAlive
        state = .localResponse(closeAfter: close, requestEnded: request.requestEnded)
        return .respond(request.attempts > 1 ? .badGateway : .serviceUnavailable, close: close)
    }

    enum ResponseHeadAction: Equatable {
        /// Relay the response. `countAsFailure`: a 502/503/504 that `next_upstream` lists, relayed because no other
        /// server may be asked — it still counts against the server, as in nginx.
        case relay(countAsFailure: Bool)
        /// A 502/503/504 that `next_upstream` lists, and another server may be asked: drop this answer, count it
        /// against the server, and try the next one.
        case retry
        /// Relay the 101 and turn both connections into a byte tunnel.
        case openTunnel
        /// A 101 nobody asked for: the upstream is broken, treat the attempt as failed.
        case reject
    }

    /// The upstream's response head arrived with `status`, at monotonic time `now`.
    mutating func responseHeadReceived(status: Int, now: Int64) -> ResponseHeadAction {
        guard case .proxying(var request) = state else { return .relay(countAsFailure: false) }
        if status == 101 {
            guard request.isUpgrade, request.requestEnded else { return .reject }
            state = .tunnel
            return .openTunnel
        }
        let failure = AttemptFailure.httpStatus(status)
        let listed = (502...504).contains(status)
            && Self.condition(of: failure).map { request.policy.nextUpstream.contains($0) } == true
        if listed, case .retry = attemptFailed(failure, now: now) {
            return .retry
        }
        request.response = .streaming
        state = .proxying(request)
        return .relay(countAsFailure: listed)
    }

    enum ClientTimeoutAction: Equatable {
        /// Idle between requests, before a head, or a quiet tunnel: close without an answer, as nginx does.
        case close
        /// The request body stalled past `client_body_timeout`: abort the upstream attempt — the server did nothing
        /// wrong, so it is not counted against it — and answer 408, then close.
        case requestTimeout
        /// The body stalled after the response began: nothing can be said any more, close both sides.
        case abortBoth
        /// Reads are held because the upstream cannot take more: the wait is the upstream's (its `send_timeout`
        /// applies), so the client's clock starts again.
        case rearm
        /// The client took no response bytes for `limits.send_timeout`: close both sides; the server is not blamed.
        case clientTooSlow
        case none
    }

    /// The client connection's timer expired: `client_header_timeout`/`keepalive_timeout` while idle,
    /// `client_body_timeout` while a request body is awaited, `send_timeout` while the client does not take the
    /// response, the idle timeout of a tunnel. `readsHeld` says the handler is holding reads for backpressure;
    /// `clientWritable` whether the client's connection takes more bytes.
    mutating func clientTimedOut(readsHeld: Bool, clientWritable: Bool) -> ClientTimeoutAction {
        switch state {
        case .idle:
            state = .closed
            return .close
        case .tunnel:
            state = .closed
            return .close
        case .proxying(let request):
            if !clientWritable && request.response == .streaming {
                state = .closed
                return .clientTooSlow
            }
            guard !request.requestEnded else { return .none }
            if readsHeld { return .rearm }
            if request.response == .waiting {
                state = .localResponse(closeAfter: true, requestEnded: false)
                return .requestTimeout
            }
            state = .closed
            return .abortBoth
        case .localResponse(_, let requestEnded):
            guard !requestEnded else { return .none }
            state = .closed
            return .close
        case .closed:
            return .none
        }
    }

    /// A response is being relayed: while the client does not take it, `limits.send_timeout` runs.
    var isRelayingResponse: Bool {
        if case .proxying(let request) = state { return request.response == .streaming }
        return false
    }

    /// A request body is still being read from the client: `client_body_timeout` runs between two of its reads.
    var awaitsClientBody: Bool {
        switch state {
        case .proxying(let request): return !request.requestEnded
        case .localResponse(_, let requestEnded): return !requestEnded
        default: return false
        }
    }

    /// Whether the client allows its connection to stay open after the request in progress.
    var clientKeepAlive: Bool {
        if case .proxying(let request) = state { return request.clientKeepAlive }
        return false
    }

    /// Whether the request in progress asks for a WebSocket upgrade.
    var isUpgradeRequest: Bool {
        if case .proxying(let request) = state { return request.isUpgrade }
        return false
    }

    var isTunnel: Bool {
        if case .tunnel = state { return true }
        return false
    }

    enum ResponseEndAction: Equatable {
        /// Write the end; give the upstream connection back to the pool if `reuseUpstream`; then go idle or close.
        case finish(reuseUpstream: Bool, closeClient: Bool)
        /// The request body is still arriving after a complete response (the upstream answered early): finish the
        /// response, close the upstream connection, and close the client once written.
        case finishEarly
        case none
    }

    mutating func responseEndReceived(upstreamKeepAlive: Bool, clientCanKeepAlive: Bool) -> ResponseEndAction {
        guard case .proxying(var request) = state else { return .none }
        request.response = .done
        if !request.requestEnded {
            state = .closed
            return .finishEarly
        }
        let closeClient = !(request.clientKeepAlive && clientCanKeepAlive)
        state = closeClient ? .closed : .idle
        return .finish(reuseUpstream: upstreamKeepAlive, closeClient: closeClient)
    }

    /// The client's request could not be parsed (bad chunk size, header too large, …) — 400/431 if nothing was
    /// answered yet, otherwise just close. Any upstream attempt is aborted by the caller.
    mutating func requestMalformed(status: HTTPResponseStatus) -> FailureAction {
        switch state {
        case .idle:
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(status, close: true)
        case .proxying(let request) where request.response == .waiting:
            state = .localResponse(closeAfter: true, requestEnded: false)
            return .respond(status, close: true)
        case .proxying, .localResponse, .tunnel:
            state = .closed
            return .closeClient
        case .closed:
            return .none
        }
    }

    /// The client connection closed or failed.
    mutating func clientClosed() -> Bool {
        switch state {
        case .proxying, .tunnel:
            state = .closed
            return true  // an upstream attempt or tunnel must be closed
        default:
            break
        }
        state = .closed
        return false
    }

    // MARK: - Queries

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    var replayParts: [ByteBuffer] {
        if case .proxying(let request) = state { return request.replay.parts }
        return []
    }

    var responseStarted: Bool {
        if case .proxying(let request) = state { return request.response != .waiting }
        return false
    }

    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE: return true
        default: return false
        }
    }

    private mutating func invalid(_ what: String) -> Never {
        preconditionFailure("ProxyStateMachine: invalid transition: \(what) in state \(state)")
    }
}
