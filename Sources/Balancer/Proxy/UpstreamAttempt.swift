import BalancerCore
import NIOCore

/// The resources of the current upstream attempt of a client connection: the server it counts against (its
/// in-flight slot for `least_conn`) and the connection attached to it.
///
/// Mechanics only: when an attempt starts, ends, is retried or counts against its server is decided by
/// `ProxyStateMachine`. Confined to the client connection's event loop.
struct UpstreamAttempt {
    private(set) var server: UpstreamServer?
    private(set) var connection: UpstreamHandler?

    /// Takes an in-flight slot on `server` for a new attempt.
    mutating func start(on server: UpstreamServer, now: Int64) {
        server.attemptStarted(now: now)
        server.active.wrappingIncrement(ordering: .relaxed)
        server.requests.wrappingIncrement(ordering: .relaxed)
        self.server = server
    }

    mutating func attach(_ connection: UpstreamHandler) {
        self.connection = connection
    }

    /// Records what the attempt meant for its server's passive health, and logs a state change. `group` names the
    /// server's group for the log; asked only when there is something to log (not on a plain success).
    ///
    /// `mutating` though it changes nothing: the attempt is a stored property of the handler, and a non-mutating
    /// call on it copied it (a retain and a release of its server and connection) for every request.
    mutating func record(
        _ outcome: ProxyStateMachine.AttemptOutcome, detail: String?, events: UpstreamEventLog, now: Int64,
        group: () -> String
    ) {
        guard let server else { return }
        switch outcome {
        case .succeeded:
            guard let change = server.attemptSucceeded(now: now) else { return }
            events.record(change, group: group(), server: server, reason: "")
        case .failed(let failure):
            events.record(
                server.attemptFailed(now: now), group: group(), server: server, reason: detail ?? failure.reason)
        case .uncounted:
            break
        }
    }

    /// Ends the attempt: frees the server's in-flight slot, and gives the connection back to `pool` (`reuse`) or
    /// closes it.
    mutating func finish(reuse: Bool, pool: UpstreamConnectionPool, keepalive: Int) {
        if let server {
            server.active.wrappingDecrement(ordering: .relaxed)
            self.server = nil
        }
        guard let connection else { return }
        self.connection = nil
        if reuse {
            connection.endExchange()
            pool.checkin(connection, keepalive: keepalive)
        } else {
            connection.abort()
        }
    }
}
