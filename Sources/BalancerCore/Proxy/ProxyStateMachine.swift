import NIOCore
import NIOHTTP1

/// The decisions of one client connection, as a value type: which request is in progress, how far its request and
/// response have got, which servers it has tried, which upstream attempt is current, where its body is kept, when
/// the client's reads are held, which timer runs, whether a failed attempt goes to another server and counts against
/// its server, and whether the connection stays open.
///
/// `ClientConnectionHandler` turns NIO callbacks into the events (`+Client`, `+Upstream`, `+Timers` files) and carries
/// out the returned actions; it makes no decision of its own. Every event takes what it depends on as an argument
/// (`now` as monotonic nanoseconds), so tests drive it without sockets or clocks. Impossible transitions end in
/// `invalid(_:)`.
package struct ProxyStateMachine {
    /// The client-side timeouts, nginx's names: `client_header_timeout`, `keepalive_timeout`,
    /// `client_body_timeout`, `send_timeout`, the WebSocket idle timeout, and how long a closing connection keeps
    /// reading and dropping what the client still sends (nginx's `lingering_timeout`).
    package struct Timeouts: Sendable, Equatable {
        package var header: TimeAmount = .seconds(60)
        package var keepalive: TimeAmount = .seconds(75)
        package var body: TimeAmount = .seconds(60)
        package var send: TimeAmount = .seconds(60)
        package var tunnelIdle: TimeAmount = .seconds(3600)
        package var lingering: TimeAmount = .seconds(2)

        /// nginx's defaults; the runtime sets each from the config.
        package init() {}
    }

    /// Per-request limits and retry rules, from the config snapshot the request started with.
    package struct Policy: Sendable {
        package var maxBodySize: Int64
        package var tries: Int
        /// `next_upstream` as bits: a `Set` would put a reference into every request's state, and a retain and a
        /// release into every copy of it.
        private var nextUpstreamBits: UInt8 = 0
        /// `next_upstream`, as configured.
        package var nextUpstream: Set<NextUpstreamCondition> {
            get { Set(NextUpstreamCondition.allCases.filter { allowsRetry(on: $0) }) }
            set { nextUpstreamBits = newValue.reduce(0) { $0 | Self.bit($1) } }
        }
        /// `next_upstream_timeout` in nanoseconds; 0 = no limit on how long retries may go on.
        package var nextUpstreamTimeout: Int64 = 0
        package var timeouts = Timeouts()

        package init(
            maxBodySize: Int64,
            tries: Int,
            nextUpstream: Set<NextUpstreamCondition>,
            nextUpstreamTimeout: Int64 = 0,
            timeouts: Timeouts = Timeouts()
        ) {
            self.maxBodySize = maxBodySize
            self.tries = tries
            self.nextUpstreamTimeout = nextUpstreamTimeout
            self.timeouts = timeouts
            self.nextUpstream = nextUpstream
        }

        /// Whether `next_upstream` names `condition`.
        package func allowsRetry(on condition: NextUpstreamCondition) -> Bool {
            nextUpstreamBits & Self.bit(condition) != 0
        }

        private static func bit(_ condition: NextUpstreamCondition) -> UInt8 {
            switch condition {
            case .error: 1
            case .timeout: 2
            case .http502: 4
            case .http503: 8
            case .http504: 16
            case .nonIdempotent: 32
            case .off: 64
            }
        }
    }

    /// Where the response stands.
    package enum ResponsePhase: Equatable {
        case waiting
        case streaming
        case done
    }

    /// The upstream side of the request in progress.
    package enum Attempt: Equatable {
        /// No server chosen yet, or the last attempt ended and the next has not begun.
        case none
        /// A connection to server `server` (an index of the request's group) is being made for attempt `id`.
        case connecting(id: Int, server: Int)
        /// The connection of attempt `id` is attached; `writable` mirrors its channel's writability.
        case attached(id: Int, server: Int, writable: Bool)
    }

    /// One request in progress.
    package struct Request {
        package var policy: Policy
        package var clientKeepAlive: Bool
        package var framing: HTTP1Framing
        package var idempotent: Bool
        /// A WebSocket upgrade request: a 101 answer turns the connection into a tunnel.
        package var isUpgrade = false
        package var bodyBytes: Int64 = 0
        /// When the head arrived (monotonic ns), for `next_upstream_timeout`.
        package var startedAt: Int64 = 0
        package var requestEnded = false
        package var attempt = Attempt.none
        /// Some request byte (head included) was written to the current upstream connection.
        package var sentToUpstream = false
        package var response = ResponsePhase.waiting
        /// Attempts that counted towards `tries` (a stale pooled connection does not).
        package var attempts = 0
        /// Servers of the group already tried for this request; a retry excludes them.
        package var tried = ServerSet.empty
        package var body = RequestBodyBuffer()
        /// A rate limit holds the request (`.delay`): no server is picked and the client's reads wait until
        /// `delayElapsed`.
        package var delayed = false
        /// `100 Continue` is owed once the request goes on (`Expect: 100-continue` on a request with a body).
        package var continue100 = false
        /// The method of a delayed request for a static route's files, which are served when the delay is over;
        /// nil for a request that goes upstream.
        package var fileMethod: HTTPMethod?
    }

    package enum State {
        /// Between requests: waiting for a head (`client_header_timeout`, then `keepalive_timeout`).
        case idle
        /// A request is in progress: `current`.
        case proxying
        /// Writing a response of our own; the rest of the request body is read and dropped.
        case localResponse(closeAfter: Bool, requestEnded: Bool)
        /// Answering from a static route's files (`+Files`); the request body, if any, is read and dropped.
        case servingFile(FileResponse)
        /// The last response is out and the write side is shut: what the client still sends is read and dropped
        /// until the lingering timer ends the connection (nginx's lingering close).
        case lingering
        /// The upstream accepted an upgrade: bytes flow both ways untouched until either side closes.
        case tunnel(upstreamWritable: Bool)
        case closed
    }

    // Set only by the events in this type's files (split by side, hence not `private`); read by tests.
    package var state: State = .idle {
        // The request leaves with its state: an idle keep-alive connection keeps nothing of its last request.
        didSet { if current != nil, !isProxying { current = nil } }
    }
    /// The request in progress while `state` is `.proxying`, nil otherwise. Beside the state rather than its
    /// payload: an event changes it in place, where moving it out of the enum and back copied all of it (about
    /// 250 bytes, several times) on every event.
    package var current: Request?
    /// The timeouts of the connection: those of the snapshot it started on, then of its latest request.
    package var timeouts: Timeouts
    /// A `read` was held back (backpressure); the next `.resumeReads` passes it on.
    package var readHeld = false
    /// Whether the client's connection takes more bytes now.
    package var clientWritable = true
    /// Shutdown began: every response from now on closes its connection.
    package var draining = false
    /// The id the next upstream attempt gets. Ids are never reused on a connection, so a late connect completion
    /// for an abandoned attempt is recognised.
    package var nextAttemptID = 1

    package init(timeouts: Timeouts) {
        self.timeouts = timeouts
    }

    /// What the client's timer does after an event.
    package enum TimerAction: Equatable {
        case keep
        /// Expire this long from now.
        case arm(TimeAmount)
        /// Nothing to time until the next event arms it again.
        case disarm
    }

    // MARK: - Helpers for events

    /// Runs `body` on the request in progress, in place; nil when no request is in progress.
    @inline(__always)
    package mutating func withRequest<T>(_ body: (inout Request) -> T) -> T? {
        guard current != nil else { return nil }
        return body(&current!)
    }

    package mutating func invalid(_ what: String) -> Never {
        preconditionFailure("ProxyStateMachine: invalid transition: \(what) in state \(state)")
    }

    // MARK: - Queries (status and tests; the handler decides nothing from them)

    @inlinable package var isProxying: Bool {
        if case .proxying = state { return true }
        return false
    }

    @inlinable package var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    @inlinable package var isTunnel: Bool {
        if case .tunnel = state { return true }
        return false
    }

    /// Whether the client allows its connection to stay open after the request in progress.
    @inlinable package var clientKeepAlive: Bool {
        (current?.clientKeepAlive ?? false) && !draining
    }

    /// Whether the request in progress asks for a WebSocket upgrade.
    @inlinable package var isUpgradeRequest: Bool {
        current?.isUpgrade ?? false
    }

    /// A response is being relayed or a file sent: while the client does not take it, `limits.send_timeout` runs.
    @inlinable package var isRelayingResponse: Bool {
        switch state {
        case .proxying: return current?.response == .streaming
        case .servingFile(let file): return file.streaming
        default: return false
        }
    }

    /// A request body is still being read from the client: `client_body_timeout` runs between two of its reads.
    @inlinable package var awaitsClientBody: Bool {
        switch state {
        case .proxying: return current?.requestEnded == false
        case .localResponse(_, let requestEnded): return !requestEnded
        case .servingFile(let file): return !file.requestEnded
        default: return false
        }
    }

    @inlinable package var responseStarted: Bool {
        if let response = current?.response { return response != .waiting }
        return false
    }

    package static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE: return true
        default: return false
        }
    }
}
