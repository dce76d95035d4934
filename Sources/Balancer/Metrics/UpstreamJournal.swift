import BalancerCore
import NIOConcurrencyHelpers
import Shared

/// What the passive health of each server went through: ejections, recoveries and the last failed attempt with
/// its reason. Fed by `UpstreamEventLog` on failures and changes only (rare), so a lock is fine here.
///
/// Kept by server id, as every other per-server figure.
final class UpstreamJournal: Sendable {
    private let entries = NIOLockedValueBox<[ServerKey: UpstreamJournalEntry]>([:])

    init() {}

    func note(_ change: PassiveHealthStateMachine.Change?, at key: ServerKey, reason: String) {
        let now = WallClockInstant.now()
        entries.withLockedValue { entries in
            entries[key, default: UpstreamJournalEntry()].note(change, reason: reason, at: now)
        }
    }

    var all: [ServerKey: UpstreamJournalEntry] { entries.withLockedValue { $0 } }
}

/// One server's passive-health history, mergeable across event loops.
struct UpstreamJournalEntry: Sendable, Equatable {
    var ejections = 0
    var recoveries = 0
    var lastFailure: FailureNote?
    /// Why the server was last ejected (the failure that tipped it over).
    var ejectionReason: String?

    mutating func note(_ change: PassiveHealthStateMachine.Change?, reason: String, at time: WallClockInstant) {
        if !reason.isEmpty { lastFailure = FailureNote(reason: reason, time: time) }
        switch change {
        case .ejected?, .reEjected?:
            ejections += 1
            ejectionReason = reason
        case .recovered?:
            recoveries += 1
        case nil:
            break
        }
    }

    static func + (a: UpstreamJournalEntry, b: UpstreamJournalEntry) -> UpstreamJournalEntry {
        let latest = (a.lastFailure?.time.seconds ?? -1, a.lastFailure?.time.nanoseconds ?? 0)
            >= (b.lastFailure?.time.seconds ?? -1, b.lastFailure?.time.nanoseconds ?? 0) ? a : b
        return UpstreamJournalEntry(
            ejections: a.ejections + b.ejections,
            recoveries: a.recoveries + b.recoveries,
            lastFailure: latest.lastFailure,
            ejectionReason: latest.ejectionReason ?? a.ejectionReason ?? b.ejectionReason
        )
    }
}

/// A failed attempt: why and when (wall clock).
struct FailureNote: Sendable, Equatable {
    var reason: String
    var time: WallClockInstant
}
