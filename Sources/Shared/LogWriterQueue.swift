import NIOCore

/// A `BatchedLogWriter`'s to-do list: batches waiting, in order, and whether it was told to stop. A plain value, so
/// the rule that stopping comes only after every queued batch is tested without threads.
public struct LogWriterQueue {
    /// What the writer thread does next.
    public enum Next: Equatable, Sendable {
        case write([ByteBuffer])
        /// Told to stop and nothing left to write.
        case finish
    }

    private var pending: [ByteBuffer] = []
    public private(set) var isClosed = false

    public init() {}

    /// True when the writer thread must wake up: batches wait, or it must stop.
    public var hasWork: Bool { !pending.isEmpty || isClosed }

    /// Adds `batch` at the end; false (not queued) once closed.
    @discardableResult
    public mutating func enqueue(_ batch: ByteBuffer) -> Bool {
        guard !isClosed else { return false }
        pending.append(batch)
        return true
    }

    /// No more batches are taken; those queued are still written.
    public mutating func close() { isClosed = true }

    /// Everything queued (oldest first), or `.finish` when closed and empty. Only call while `hasWork`.
    public mutating func next() -> Next {
        if pending.isEmpty {
            precondition(isClosed, "next() without work")
            return .finish
        }
        defer { pending.removeAll(keepingCapacity: true) }
        return .write(pending)
    }
}
