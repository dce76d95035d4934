import NIOCore

/// The client connection's one timer, whatever it was armed for: only the client's own slowness is answered, and no
/// expiry ever becomes a server's failure.
extension ProxyStateMachine {
    package enum ClientTimeoutAction: Equatable {
        /// Idle between requests, before a head, a quiet tunnel, or the end of a lingering close: close without an
        /// answer, as nginx does (a tunnel's upstream connection ends with it).
        case close
        /// The request body stalled past `client_body_timeout`: end the upstream attempt — the server did nothing
        /// wrong, so it is not counted against it — and answer 408, then close.
        case requestTimeout
        /// The body stalled after the response began: end the attempt and close the client.
        case abortBoth
        /// Reads are held because the upstream cannot take more: the wait is the upstream's (its `send_timeout`
        /// applies), so the client's clock starts again with this timeout.
        case rearm(TimeAmount)
        /// The client took no response bytes for `limits.send_timeout`: end the attempt and close the client; the
        /// server is not blamed.
        case clientTooSlow
        case none
    }

    /// The client connection's timer expired: `client_header_timeout`/`keepalive_timeout` while idle,
    /// `client_body_timeout` while a request body is awaited, `send_timeout` while the client does not take the
    /// response, the idle timeout of a tunnel, the lingering timeout of a closing connection.
    package mutating func clientTimedOut() -> ClientTimeoutAction {
        switch state {
        case .idle, .tunnel, .lingering:
            state = .closed
            return .close
        case .proxying:
            guard let request = current else { return .none }
            if !clientWritable && request.response == .streaming {
                state = .closed
                return .clientTooSlow
            }
            guard !request.requestEnded else { return .none }
            if readHeld { return .rearm(timeouts.body) }
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
        case .servingFile(let file):
            // A file is answered like a relayed response: a client that takes none of it for send_timeout is
            // closed; one whose dropped body stalls is closed too (the answer is already on its way).
            if !clientWritable && file.streaming {
                state = .closed
                return .clientTooSlow
            }
            guard !file.requestEnded else { return .none }
            state = .closed
            return .close
        case .closed:
            return .none
        }
    }
}
