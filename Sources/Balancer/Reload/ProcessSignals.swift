import BalancerCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The signals `serve` acts on, delivered as an async stream: SIGHUP reloads, SIGTERM/SIGINT/SIGQUIT stop.
/// `SignalService` reads it for the whole life of the service group.
///
/// The default dispositions are replaced by dispatch sources, so a signal never kills the process mid-drain and
/// a second termination signal can be told apart from the first. (The service group's own signal handling ends
/// at the first signal, and names none.)
final class ProcessSignals: @unchecked Sendable {
    // @unchecked: `sources` is written once in init and only kept alive afterwards.
    /// One received signal.
    enum Received: Sendable, Equatable {
        case reload
        case terminate(name: String)
    }

    let stream: AsyncStream<Received>
    private let continuation: AsyncStream<Received>.Continuation
    private var sources: [DispatchSourceSignal] = []

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Received.self)
        let queue = DispatchQueue(label: "balancer.signals")
        let handled: [(Int32, Received)] = [
            (SIGHUP, .reload),
            (SIGTERM, .terminate(name: "SIGTERM")),
            (SIGINT, .terminate(name: "SIGINT")),
            (SIGQUIT, .terminate(name: "SIGQUIT")),
        ]
        for (number, meaning) in handled {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [continuation] in continuation.yield(meaning) }
            source.resume()
            sources.append(source)
        }
    }

    /// Ends the stream: the last step of shutdown. Later signals are still caught, and ignored.
    func finish() {
        continuation.finish()
    }
}
