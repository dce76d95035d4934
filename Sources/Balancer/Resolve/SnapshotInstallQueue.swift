import BalancerCore
/// Runs snapshot switches one after another: a reload and a re-resolution each read the running snapshot,
/// build the next one and install it on every loop across suspension points, so two of them interleaving could
/// leave loops on different snapshots or undo one another. An actor alone would not do: it is reentrant at `await`.
actor SnapshotInstallQueue {
    /// The last switch queued; the next one starts after it ends.
    private var tail: Task<Void, Never>?

    /// Runs `body` after every switch queued before it has finished, and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task { () async throws -> T in
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
