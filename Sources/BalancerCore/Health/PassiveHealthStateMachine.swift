/// nginx's `max_fails`/`fail_timeout`, made explicit: failures are counted within a `fail_timeout` window; at
/// `max_fails` the server is ejected for `fail_timeout`; then one trial request is let through — success puts the
/// server back, failure ejects it again. `max_fails: 0` disables counting.
///
/// A plain value driven by timestamps passed in (monotonic nanoseconds), so every window and transition is tested
/// without sleeping. Each mutating method returns the change worth logging, if any — logged once per change.
package struct PassiveHealthStateMachine: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        case up
        /// Out of rotation until `until`.
        case ejected(until: Int64)
        /// Past its ejection; the next request is a trial (`inFlight` once it has been handed out).
        case trial(inFlight: Bool)
    }

    /// A transition worth one log line.
    package enum Change: Sendable, Equatable {
        case ejected(failures: Int, forNanoseconds: Int64)
        case reEjected(forNanoseconds: Int64)
        case recovered
    }

    package private(set) var maxFails: Int
    package private(set) var failTimeout: Int64
    package private(set) var state: State = .up
    package private(set) var failures = 0
    private var windowStart: Int64 = 0

    package init(maxFails: Int, failTimeoutNanoseconds: Int64) {
        self.maxFails = maxFails
        self.failTimeout = failTimeoutNanoseconds
    }

    /// New limits from a reload for a server that stays: failures counted so far and an ejection in progress carry
    /// over; `max_fails: 0` (which includes a group's only server) ends counting and any ejection.
    package mutating func relimit(maxFails: Int, failTimeoutNanoseconds: Int64) {
        self.maxFails = maxFails
        self.failTimeout = failTimeoutNanoseconds
        if maxFails == 0 {
            state = .up
            failures = 0
        }
    }

    /// Whether a request may be sent now. An ejection that has run out becomes a pending trial here.
    package mutating func isAvailable(now: Int64) -> Bool {
        switch state {
        case .up:
            return true
        case .ejected(let until):
            guard now >= until else { return false }
            state = .trial(inFlight: false)
            return true
        case .trial(let inFlight):
            return !inFlight
        }
    }

    /// A request was sent to the server (after `isAvailable`); claims the trial if one is pending.
    package mutating func attemptStarted(now: Int64) {
        if case .trial(inFlight: false) = state { state = .trial(inFlight: true) }
    }

    package mutating func attemptFailed(now: Int64) -> Change? {
        guard maxFails > 0 else { return nil }
        switch state {
        case .trial:
            state = .ejected(until: now + failTimeout)
            failures = maxFails
            return .reEjected(forNanoseconds: failTimeout)
        case .ejected:
            return nil  // a request that started before the ejection: already counted out
        case .up:
            if failures == 0 || now - windowStart > failTimeout {
                failures = 0
                windowStart = now
            }
            failures += 1
            guard failures >= maxFails else { return nil }
            state = .ejected(until: now + failTimeout)
            return .ejected(failures: failures, forNanoseconds: failTimeout)
        }
    }

    package mutating func attemptSucceeded(now: Int64) -> Change? {
        switch state {
        case .trial:
            state = .up
            failures = 0
            return .recovered
        case .up:
            // nginx forgets failures once the window has passed; a success inside it does not reset the count.
            if failures > 0 && now - windowStart > failTimeout { failures = 0 }
            return nil
        case .ejected:
            return nil
        }
    }

    /// Whether the fast path may skip this machine: up with no failures to forget.
    package var isQuiet: Bool { state == .up && failures == 0 }

    /// Puts the server back at once (an active health check saw it healthy, or an operator asked).
    package mutating func reset() -> Change? {
        defer {
            state = .up
            failures = 0
        }
        return state == .up ? nil : .recovered
    }
}
