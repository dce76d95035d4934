import NIOCore
import NIOPosix
import Shared

/// Every event loop's `ReplicaLoop`, made at start, and the access log's writer: how code running on a loop reaches
/// that loop's state, and how the access log is written out at shutdown.
struct ReplicaLoops: Sendable {
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<ReplicaLoop>]
    /// Takes the lines logged off the event loops.
    private let fallback: NIOLoopBoundBox<ReplicaLoop>
    private let writer: BatchedLogWriter?

    /// - Parameters:
    ///   - eventLoops: the loops connections are served on; at least one.
    ///   - writer: where access-log lines go; nil when requests are not logged. `shutdown()` closes it.
    init(
        eventLoops: some Sequence<any EventLoop>,
        writer: BatchedLogWriter?,
        instanceID: String,
        clock: @escaping @Sendable () -> WallClockInstant = { .now() }
    ) {
        let lineFormat = AccessLineFormat(instanceID: instanceID)
        let boxes = eventLoops.map { eventLoop in
            NIOLoopBoundBox.makeBoxSendingValue(
                ReplicaLoop(eventLoop: eventLoop, writer: writer, lineFormat: lineFormat, clock: clock),
                eventLoop: eventLoop
            )
        }
        precondition(!boxes.isEmpty, "a replica needs an event loop")
        loops = Dictionary(uniqueKeysWithValues: boxes.map { (ObjectIdentifier($0.eventLoop), $0) })
        fallback = boxes[0]
        self.writer = writer
    }

    /// Whether requests are logged.
    var logsRequests: Bool { writer != nil }

    /// `eventLoop`'s state; only call on that loop.
    func loop(on eventLoop: any EventLoop) -> ReplicaLoop {
        guard let box = loops[ObjectIdentifier(eventLoop)] else {
            preconditionFailure("\(eventLoop) is not an event loop of this replica")
        }
        return box.value
    }

    /// Logs a request Hummingbird answered, from wherever its handler runs.
    ///
    /// The replica makes the event loops Swift Concurrency's executor, so handlers run on one of them and the line
    /// goes straight into that loop's batch. Elsewhere (in tests) the line goes to the first loop's batch through
    /// its task queue: in order, and still without a lock of ours.
    func logRequest(_ message: String) {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let box = loops[ObjectIdentifier(current)] {
            box.value.logRequest(message)
        } else {
            let box = fallback
            box.eventLoop.execute { box.value.logRequest(message) }
        }
    }

    /// Hands every loop's buffered lines to the writer, then waits until it has written them all and closed.
    /// Lines logged later are dropped.
    func shutdown() async {
        for box in loops.values {
            try? await box.eventLoop.submit { box.value.stopLogging() }.get()
        }
        guard let writer else { return }
        // Joining the writer thread blocks: not on an event loop, which runs this task's code in the replica.
        try? await NIOThreadPool.singleton.runIfActive { writer.shutdown() }
    }
}
