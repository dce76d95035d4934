import BalancerCore
import Logging
import Shared

/// Writes one line per passive-health change of a server, in the words operators read:
/// `upstream backend: server 127.0.0.1:8002 ejected for 30s after 3 failures (connection refused)`.
/// A server that stays down logs nothing more until it changes again.
struct UpstreamEventLog: Sendable {
    let logger: Logger
    /// Ejections, recoveries and last failures for the status page and metrics (touched on failures only).
    let journal = UpstreamJournal()

    /// Notes an attempt at `server` of `group` (by its id) and logs a change under the server's display name.
    func record(_ change: PassiveHealthStateMachine.Change?, group: String, server: UpstreamServer, reason: String) {
        if change != nil || !reason.isEmpty {
            journal.note(change, at: ServerKey(group: group, server: server.id), reason: reason)
        }
        guard let change else { return }
        logger.notice("\(UpstreamEventLog.message(change, group: group, server: server.name, reason: reason))")
    }

    static func message(
        _ change: PassiveHealthStateMachine.Change,
        group: String,
        server: String,
        reason: String
    ) -> String {
        let prefix = "upstream \(group): server \(server)"
        switch change {
        case .ejected(let failures, let nanoseconds):
            let span = NginxDurationText.of(nanoseconds: nanoseconds)
            let noun = failures == 1 ? "failure" : "failures"
            return "\(prefix) ejected for \(span) after \(failures) \(noun) (\(reason))"
        case .reEjected(let nanoseconds):
            return "\(prefix) failed its trial request, ejected again for "
                + "\(NginxDurationText.of(nanoseconds: nanoseconds)) (\(reason))"
        case .recovered:
            return "\(prefix) back in rotation"
        }
    }
}

/// Nanoseconds as the nginx-style duration users wrote in the config (`30s`, `150ms`).
enum NginxDurationText {
    static func of(nanoseconds: Int64) -> String {
        NginxDuration(milliseconds: nanoseconds / 1_000_000).description
    }
}
