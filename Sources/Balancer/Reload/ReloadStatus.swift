import BalancerCore
import Foundation
import Shared

/// The reload counters the status page shows: which configuration generation runs, since when, and how many
/// reloads were applied or refused (with the last refusal's reason).
struct ReloadStatus: Sendable, Equatable {
    /// 1 at start, + 1 per applied reload.
    var generation = 1
    /// When the running configuration was loaded (start or last applied reload).
    var loadedAt = Date()
    var reloadsApplied = 0
    var reloadsRefused = 0
    var lastRefusedAt: Date?
    /// The first error of the last refused reload, as `FILE:LINE: key.path: message`.
    var lastRefusedReason: String?

    /// `loadedAt` as the status report's other times are kept.
    var loadedAtWallClock: WallClockInstant {
        let loaded = loadedAt.timeIntervalSince1970
        return WallClockInstant(
            seconds: Int64(loaded.rounded(.down)), nanoseconds: Int32((loaded - loaded.rounded(.down)) * 1e9))
    }

    /// Attempts so far, applied or refused; the next reload's number in the log is this plus one.
    var attempts: Int { reloadsApplied + reloadsRefused }

    mutating func recordApplied(generation: Int, at date: Date = Date()) {
        self.generation = generation
        loadedAt = date
        reloadsApplied += 1
    }

    mutating func recordRefused(reason: String, at date: Date = Date()) {
        reloadsRefused += 1
        lastRefusedAt = date
        lastRefusedReason = reason
    }
}
