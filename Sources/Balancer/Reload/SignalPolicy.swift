import BalancerCore
/// What a received signal does, given the ones before it: SIGHUP reloads until shutdown begins and is ignored
/// after; the first termination signal starts the drain, any later one closes everything at once.
struct SignalPolicy: Sendable, Equatable {
    /// What to do for one signal.
    enum Action: Sendable, Equatable {
        case reload
        /// SIGHUP during shutdown: logged, nothing else.
        case ignoreReload
        case beginShutdown(signal: String)
        case closeNow(signal: String)
    }

    private(set) var shuttingDown = false

    mutating func received(_ signal: ProcessSignals.Received) -> Action {
        switch signal {
        case .reload:
            return shuttingDown ? .ignoreReload : .reload
        case .terminate(let name):
            if shuttingDown { return .closeNow(signal: name) }
            shuttingDown = true
            return .beginShutdown(signal: name)
        }
    }
}
