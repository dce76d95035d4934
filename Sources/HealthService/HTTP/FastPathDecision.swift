/// What the fast path does with the bytes received so far on a connection.
enum FastPathDecision: Sendable, Hashable {
    /// A complete request the fast path answers; its head is `headLength` bytes long.
    case answer(FastPathRequest)
    /// The start of a request that may still turn out to be one the fast path answers.
    case needMoreBytes
    /// Anything else: Hummingbird gets these bytes, and every later one on the connection.
    case handOver
}
