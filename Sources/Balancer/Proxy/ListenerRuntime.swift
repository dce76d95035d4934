import BalancerCore
import NIOSSL

/// What one listener does with the connections it accepts under one snapshot: its `ListenerEdge` decisions, the
/// TLS context of its handshakes, and the `Strict-Transport-Security` line its responses carry.
///
/// A connection keeps the one it was accepted with: a reload that changes a listener's certificates or HSTS applies
/// to connections accepted afterwards, and never cuts one that is open.
final class ListenerRuntime: Sendable {
    let edge: ListenerEdge
    let tls: ListenerTLS?
    /// `Strict-Transport-Security`, ready to copy (TLS listeners with `hsts` only).
    let connectionHeader: EncodedHeaderLine?

    /// A plain HTTP listener: what tests and connections outside any configured listener get.
    static let plain = ListenerRuntime(edge: .plain, tls: nil)

    init(edge: ListenerEdge, tls: ListenerTLS?) {
        self.edge = edge
        self.tls = tls
        self.connectionHeader = edge.strictTransportSecurity.map { EncodedHeaderLine(name: $0.name, value: $0.value) }
    }

    convenience init(_ listener: ListenerConfig, httpsPort: Int, tls: ListenerTLS?) {
        self.init(edge: ListenerEdge(listener, httpsPort: httpsPort), tls: tls)
    }
}
