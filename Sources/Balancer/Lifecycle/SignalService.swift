import BalancerCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The process's signals as a service: SIGHUP asks the reloader for a reload, the first SIGTERM, SIGINT or
/// SIGQUIT fixes the drain's length and starts the group's graceful shutdown, a later one closes every connection
/// at once; `SignalPolicy` decides which. The group is built without signals of its own: one owner per signal.
///
/// It is the group's first service, so it stops last and still hears a second signal, or a SIGHUP to refuse,
/// while everything else drains and stops.
struct SignalService: Service, CustomStringConvertible {
    let signals: ProcessSignals
    let server: BalancerServer
    let reloader: ConfigReloader
    let logger: Logger
    /// The group whose graceful shutdown a termination signal starts; attached once the group exists, as it is
    /// built from this service.
    private let group = NIOLockedValueBox<ServiceGroup?>(nil)

    init(signals: ProcessSignals, server: BalancerServer, reloader: ConfigReloader, logger: Logger) {
        self.signals = signals
        self.server = server
        self.reloader = reloader
        self.logger = logger
    }

    func attach(to group: ServiceGroup) {
        self.group.withLockedValue { $0 = group }
    }

    func run() async {
        // The group holds this service: let go of it at the end.
        defer { group.withLockedValue { $0 = nil } }
        await withGracefulShutdownHandler {
            var policy = SignalPolicy()
            for await received in signals.stream {
                await perform(policy.received(received))
            }
        } onGracefulShutdown: { [signals] in
            signals.finish()
        }
    }

    private func perform(_ action: SignalPolicy.Action) async {
        switch action {
        case .reload:
            reloader.requestReload()
        case .ignoreReload:
            logger.notice("SIGHUP ignored: shutting down")
        case .beginShutdown(let name):
            // The running config's timeout: a reload may have changed it.
            let timeout = server.snapshot.config.shutdownTimeout
            logger.notice("received \(name), draining for up to \(timeout)")
            server.requestDrain(timeout: .milliseconds(timeout.milliseconds))
            await group.withLockedValue { $0 }?.triggerGracefulShutdown()
        case .closeNow(let name):
            logger.notice("received \(name) again: closing all connections now")
            server.closeNow()
        }
    }

    var description: String { "SignalService" }
}
