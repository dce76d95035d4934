/// Who a client connection's requests come from, kept by its handler: the peer, the address a trusted PROXY
/// header gave, and per request the address `real_ip` finds in a trusted header — with the forwarding lines made
/// of them, encoded again only when the address changes.
package struct ClientIdentity {
    /// The TCP peer; nil for a peer without an IP address.
    package private(set) var peer: IPAddress?
    /// The hop that reached the balancer: the peer, or a trusted PROXY header's source.
    package private(set) var connection: IPAddress?
    /// The client of the request in progress (after `real_ip`).
    package private(set) var client: IPAddress?
    /// The lines for the request in progress.
    package private(set) var lines: ClientAddressLines
    /// The lines of the connection's own address, kept for its requests `real_ip` does not change.
    private var connectionLines: ClientAddressLines
    /// `X-Forwarded-Proto` and `X-Forwarded-Port`: how the client reached the balancer.
    private let scheme: String
    private let port: Int?

    /// `peerText` is the peer as NIO prints it, used when the peer has no IP address (`-` when unknown); `scheme`
    /// and `port` say how the client connected (`https`, the listener's port; nil port = not known).
    package init(peer: IPAddress?, peerText: String = "-", scheme: String = "http", port: Int? = nil) {
        self.peer = peer
        self.connection = peer
        self.client = peer
        self.scheme = scheme
        self.port = port
        connectionLines = ClientAddressLines(address: peer?.description ?? peerText, scheme: scheme, port: port)
        lines = connectionLines
    }

    /// The connection's PROXY protocol header arrived; its source counts only when `resolver` takes the address
    /// from the PROXY header and trusts the peer that sent it.
    package mutating func proxyProtocolReceived(_ header: ProxyProtocolHeader, resolver: RealIPResolver?) {
        guard let peer, let resolver, let source = header.source, header.command == .proxy else { return }
        let address = resolver.connectionAddress(peer: peer, proxyProtocolSource: source)
        guard address != connection else { return }
        connection = address
        client = address
        connectionLines = ClientAddressLines(address: address.description, scheme: scheme, port: port)
        lines = connectionLines
    }

    /// A request head arrived: finds its client (`resolver` nil: the connection's address) and makes the lines
    /// for it. Returns the client's address.
    @discardableResult
    package mutating func requestReceived(_ head: HTTP1RequestHead, resolver: RealIPResolver?) -> IPAddress? {
        guard let connection else { return nil }
        let address = resolver?.clientAddress(connection: connection, request: head) ?? connection
        if address != client {
            // Back to the connection's own lines, or new ones (a reload may also have switched `real_ip` off).
            lines = address == connection
                ? connectionLines
                : ClientAddressLines(
                    forwardedFor: connection.description, address: address.description, scheme: scheme, port: port)
            client = address
        }
        return address
    }
}
