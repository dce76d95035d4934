import NIOHTTP1

/// The end of a rate limit's delay: the request held by `.delay` goes on as if it had just passed its limits.
extension ProxyStateMachine {
    /// What to do when a delay ends.
    package struct DelayEnd: Equatable {
        /// What the head event would have answered without the delay: `.proxy`, or `.serveFile` (or a 405) for a
        /// static route.
        package var action: HeadAction
        /// Pass on the read held back during the delay now (a request for files; a proxied request's read goes on
        /// once its upstream connection is attached).
        package var resumeReads: Bool
    }

    /// The delay is over (the handler's delay timer fired) at monotonic time `now`. nil when no request is delayed
    /// any more (the client left, or shutdown closed it).
    package mutating func delayElapsed(now: Int64) -> DelayEnd? {
        guard let held = current, held.delayed else { return nil }
        if let method = held.fileMethod {
            // Answered from files: what the body already brought is dropped with the request.
            var action = fileRequestReceived(method, framing: held.framing, keepAlive: held.clientKeepAlive && !draining)
            if held.requestEnded, case .servingFile(var file) = state {
                file.requestEnded = true
                state = .servingFile(file)
                if case .serveFile(let close, _) = action { action = .serveFile(close: close, timer: .disarm) }
            }
            let resume = readHeld
            readHeld = false
            return DelayEnd(action: action, resumeReads: resume)
        }
        let bodyTimeout = timeouts.body
        let action = withRequest { request -> HeadAction in
            request.delayed = false
            // `next_upstream_timeout` counts from the first attempt, which starts now (as nginx's upstream timer).
            request.startedAt = now
            // A client that sent its body without waiting needs no `100 Continue` any more.
            let continue100 = request.continue100 && request.bodyBytes == 0 && !request.requestEnded
            return .proxy(
                framing: request.framing,
                continue100: continue100,
                upgrade: request.isUpgrade,
                timer: request.requestEnded ? .disarm : .arm(bodyTimeout)
            )
        }
        return action.map { DelayEnd(action: $0, resumeReads: false) }
    }
}

/// The end of a request for the connection limits.
extension ProxyStateMachine {
    /// What happens to the request's connection-limit lease once the request is logged.
    package enum LeaseAction: Equatable {
        /// The request is over: it no longer counts against its zones.
        case release
        /// The connection became a WebSocket tunnel, which counts until it closes (nginx's `limit_conn` counts a
        /// connection, and an upgraded one stays open).
        case keep
    }

    /// The request in progress was logged. An event rather than a look at `isTunnel` from outside: reading a
    /// property of the machine from its handler copies the whole machine, request and buffers included, where a
    /// mutating event works on it in place.
    package mutating func requestLogged() -> LeaseAction {
        isTunnel ? .keep : .release
    }
}
