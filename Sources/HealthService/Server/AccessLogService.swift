import ServiceLifecycle

/// Keeps the access log open while the replica runs and writes it out when the replica stops.
///
/// First in the replica's service group, so it stops last: once the server has answered its last request, every
/// loop's batch goes to the writer and `run()` returns when the writer has written them. A request answered before
/// SIGTERM is therefore in the log.
struct AccessLogService: Service {
    let loops: ReplicaLoops

    func run() async {
        // Cancelled instead of shut down gracefully: the lines written so far still go out.
        try? await gracefulShutdown()
        await loops.shutdown()
    }
}
