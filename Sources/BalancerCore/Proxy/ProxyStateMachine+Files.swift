import NIOCore
import NIOHTTP1

/// A request on a static route, answered from files: its method is checked, then the runtime resolves and sends
/// the file (`StaticResponsePlan` decides the answer) and reports when the head goes out and when the body is done.
/// Keep-alive, pipelining, `send_timeout` and the lingering close work as for a relayed response.
extension ProxyStateMachine {
    /// Where a file response stands.
    package struct FileResponse: Equatable {
        /// The response says `Connection: close` and the connection ends after it.
        package var closeAfter: Bool
        package var requestEnded: Bool
        /// The head went out: the body is being written, and `send_timeout` applies to a client that stops reading.
        package var streaming = false

        package init(closeAfter: Bool, requestEnded: Bool, streaming: Bool = false) {
            self.closeAfter = closeAfter
            self.requestEnded = requestEnded
            self.streaming = streaming
        }
    }

    /// A request head for a static route, past the checks every request gets.
    mutating func fileRequestReceived(_ method: HTTPMethod, framing: HTTP1Framing, keepAlive: Bool) -> HeadAction {
        guard StaticRequest.allows(method) else {
            // 405 with `Allow: GET, HEAD`; a body the method brought is not read on a connection that stays.
            let close = !keepAlive || framing != .none
            state = .localResponse(closeAfter: close, requestEnded: framing == .none)
            return .respond(.methodNotAllowed, close: close)
        }
        state = .servingFile(FileResponse(closeAfter: !keepAlive, requestEnded: framing == .none))
        return .serveFile(close: !keepAlive, timer: framing == .none ? .disarm : .arm(timeouts.body))
    }

    /// The file response's head is about to be written; returns whether it may leave the connection open (false
    /// once shutdown began, or when the client asked to close).
    package mutating func fileResponseStarted() -> Bool {
        guard case .servingFile(var file) = state else { return false }
        file.streaming = true
        state = .servingFile(file)
        return !file.closeAfter && !draining
    }

    /// The file response (or the error answering it) is completely handed to the connection.
    package mutating func fileResponseFinished() -> LocalResponseAction {
        guard case .servingFile(let file) = state else { return .none }
        if file.closeAfter || !file.requestEnded || draining {
            state = .lingering
            return .closeAfterWrite(lingeringTimeout: timeouts.lingering)
        }
        state = .idle
        return .keepOpen(keepaliveTimeout: timeouts.keepalive)
    }

    /// A file response could not be completed after its head was written (the file shrank under a `sendfile`):
    /// only a cut connection tells the client its copy is incomplete. The machine may already be on a later,
    /// pipelined request, whose upstream attempt (if any) ends too, not the server's failure.
    package mutating func fileResponseFailed() -> FailureAction {
        switch state {
        case .closed:
            return .none
        default:
            state = .closed
            return .closeClient(.uncounted)
        }
    }
}
