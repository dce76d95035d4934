import BalancerCore
/// How a drain ended.
enum DrainOutcome: Sendable, Equatable {
    /// Every event loop's last client connection closed.
    case drained
    /// `shutdown_timeout` passed first.
    case deadline
    /// A second termination signal (`BalancerServer.closeNow()`) came first.
    case closeNow
}

/// Which end of a drain counts: the first of the three, once. A close-now asked for before the drain began (a
/// second signal while a reload still finishes) is kept, and ends the drain as soon as it starts.
struct DrainRace: Sendable, Equatable {
    /// Where the drain is.
    enum State: Sendable, Equatable {
        case notStarted(closeNowRequested: Bool)
        case waiting
        case ended(DrainOutcome)
    }

    /// What the drain does when it starts.
    enum Start: Sendable, Equatable {
        /// Wait for the first end.
        case wait
        /// A wait is in progress already (shutdown asked for twice): wait with it.
        case join
        /// No waiting: it ends (or ended earlier) with this.
        case ended(DrainOutcome)
    }

    private(set) var state = State.notStarted(closeNowRequested: false)

    /// The drain starts.
    mutating func start() -> Start {
        switch state {
        case .notStarted(closeNowRequested: true):
            state = .ended(.closeNow)
            return .ended(.closeNow)
        case .notStarted(closeNowRequested: false):
            state = .waiting
            return .wait
        case .waiting:
            return .join
        case .ended(let outcome):
            return .ended(outcome)
        }
    }

    /// One of the ends arrived. Returns it when it ends the drain now; nil when the drain ended already, or has
    /// not started (a close-now is then remembered for it).
    mutating func end(_ outcome: DrainOutcome) -> DrainOutcome? {
        switch state {
        case .notStarted:
            if outcome == .closeNow { state = .notStarted(closeNowRequested: true) }
            return nil
        case .waiting:
            state = .ended(outcome)
            return outcome
        case .ended:
            return nil
        }
    }
}
