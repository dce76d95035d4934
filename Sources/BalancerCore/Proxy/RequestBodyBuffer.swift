import NIOCore

/// The one place a request body is kept: the parts waiting for an upstream connection, and the parts already sent,
/// kept so a failed attempt can be replayed on the next server.
///
/// `ByteBuffer`s are reference-counted, so keeping a part costs no copy. Parts already sent are kept up to `limit`
/// bytes; past it they are let go and the body can no longer be replayed (a retry is then only possible while
/// nothing was sent). Parts not sent yet are always kept: the client's reads are held once `limit` bytes wait.
package struct RequestBodyBuffer: Sendable, Equatable {
    @inlinable package static var defaultLimit: Int { 64 * 1024 }

    /// Sent parts (for a replay) followed by parts not sent yet, in arrival order.
    package private(set) var parts: [ByteBuffer] = []
    /// `parts[unsentFrom...]` have not been written to the current upstream connection.
    package private(set) var unsentFrom = 0
    /// Bytes in `parts[unsentFrom...]`.
    package private(set) var unsentBytes = 0
    /// Bytes in `parts[..<unsentFrom]`.
    private var sentBytes = 0
    /// False once a sent part was let go: the body can no longer be sent again from its start.
    package private(set) var isReplayable = true
    package let limit: Int

    package init(limit: Int = RequestBodyBuffer.defaultLimit) { self.limit = limit }

    /// A part that waits for an upstream connection.
    package mutating func hold(_ part: ByteBuffer) {
        parts.append(part)
        unsentBytes += part.readableBytes
    }

    /// A part written to the upstream as it arrived: kept for a replay while the body stays within `limit`.
    package mutating func sent(_ part: ByteBuffer) {
        guard isReplayable else { return }
        sentBytes += part.readableBytes
        if sentBytes > limit {
            isReplayable = false
            parts.removeFirst(unsentFrom)
            unsentFrom = 0
            sentBytes = 0
        } else {
            parts.insert(part, at: unsentFrom)
            unsentFrom += 1
        }
    }

    /// The parts to write on a freshly attached connection, all of them marked sent from now on.
    package mutating func takeUnsent() -> ArraySlice<ByteBuffer> {
        let taken = parts[unsentFrom...]
        if isReplayable && sentBytes + unsentBytes <= limit {
            sentBytes += unsentBytes
            unsentFrom = parts.count
        } else {
            isReplayable = false
            parts = []
            unsentFrom = 0
            sentBytes = 0
        }
        unsentBytes = 0
        return taken
    }

    /// A retry: everything kept is to be sent again. Only called while `isReplayable`.
    package mutating func rewind() {
        precondition(isReplayable, "RequestBodyBuffer: a body that was let go cannot be sent again")
        unsentFrom = 0
        unsentBytes += sentBytes
        sentBytes = 0
    }
}
