import Dispatch
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs the proxy for a loaded configuration until SIGTERM, SIGINT or SIGQUIT, then drains and exits.
enum BalancerRuntime {
    static func serve(config: BalancerConfig, configPath: String) async throws {
        var logger = Logger(label: "balancer")
        logger.logLevel = .info
        let server = try BalancerServer(config: config, logger: logger)
        try await server.start()
        logger.info("balancer started with \(config.workers) workers, config \(configPath)")
        let signal = await waitForTerminationSignal()
        logger.info("received \(signal), draining for up to \(config.shutdownTimeout)")
        await server.shutdown(timeout: .milliseconds(config.shutdownTimeout.milliseconds))
        logger.info("stopped")
    }

    /// Suspends until one of the termination signals arrives; returns its name.
    private static func waitForTerminationSignal() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "balancer.signals")
            let box = SignalSources()
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGQUIT, "SIGQUIT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    guard box.fire() else { return }
                    continuation.resume(returning: name)
                }
                source.resume()
                box.sources.append(source)
            }
        }
    }
}

/// Keeps signal sources alive and resumes the waiter once. Only touched on the signal queue.
private final class SignalSources: @unchecked Sendable {
    var sources: [DispatchSourceSignal] = []
    private var fired = false

    func fire() -> Bool {
        if fired { return false }
        fired = true
        return true
    }
}
