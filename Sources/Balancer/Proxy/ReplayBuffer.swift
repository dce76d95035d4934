import NIOCore

/// The request body parts kept so a failed attempt can be replayed on the next server.
///
/// `ByteBuffer`s are reference-counted, so keeping them costs no copy; once the body outgrows `limit`, the buffer
/// gives up (the request can then only be retried if nothing was sent yet).
struct ReplayBuffer: Sendable {
    static let defaultLimit = 64 * 1024

    private(set) var parts: [ByteBuffer] = []
    private(set) var bytes = 0
    /// False once the body outgrew the limit: the parts are gone and a replay is impossible.
    private(set) var isComplete = true
    let limit: Int

    init(limit: Int = ReplayBuffer.defaultLimit) { self.limit = limit }

    mutating func append(_ part: ByteBuffer) {
        guard isComplete else { return }
        bytes += part.readableBytes
        if bytes > limit {
            isComplete = false
            parts = []
        } else {
            parts.append(part)
        }
    }
}
