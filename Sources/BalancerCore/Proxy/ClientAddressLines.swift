/// The forwarding lines that depend only on who the client is, encoded once per connection (and again only for a
/// request whose `real_ip` address differs): the address that ends `X-Forwarded-For`, then `X-Real-IP` and
/// `X-Forwarded-Proto`.
package struct ClientAddressLines {
    /// The client's address (after `real_ip`): `X-Real-IP`, the access log, the limits.
    package let address: String
    /// `<forwardedFor> CRLF X-Real-IP: <address> CRLF X-Forwarded-Proto: http CRLF`
    package let bytes: [UInt8]

    /// `forwardedFor` is the hop that reached the balancer (the peer, or a trusted PROXY header's source), which
    /// `X-Forwarded-For` gains as every proxy appends its peer; `address` is the client `real_ip` found, for
    /// `X-Real-IP`. Without `real_ip` both are the peer.
    package init(forwardedFor: String, address: String) {
        self.address = address
        self.bytes = Array("\(forwardedFor)\r\nX-Real-IP: \(address)\r\nX-Forwarded-Proto: http\r\n".utf8)
    }

    package init(address: String) {
        self.init(forwardedFor: address, address: address)
    }
}
