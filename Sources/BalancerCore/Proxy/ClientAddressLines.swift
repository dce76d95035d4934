/// The forwarding lines that depend only on who the client is and how it connected, encoded once per connection
/// (and again only for a request whose `real_ip` address differs): the address that ends `X-Forwarded-For`, then
/// `X-Real-IP`, `X-Forwarded-Proto` and `X-Forwarded-Port` (the scheme and port the client connected to).
package struct ClientAddressLines {
    /// The client's address (after `real_ip`): `X-Real-IP`, the access log, the limits.
    package let address: String
    /// `<forwardedFor> CRLF X-Real-IP: <address> CRLF X-Forwarded-Proto: http CRLF X-Forwarded-Port: 80 CRLF`
    package let bytes: [UInt8]

    /// `forwardedFor` is the hop that reached the balancer (the peer, or a trusted PROXY header's source), which
    /// `X-Forwarded-For` gains as every proxy appends its peer; `address` is the client `real_ip` found, for
    /// `X-Real-IP`. Without `real_ip` both are the peer. `port`: the local port the client connected to; nil
    /// leaves `X-Forwarded-Port` out (not known).
    package init(forwardedFor: String, address: String, scheme: String = "http", port: Int? = nil) {
        self.address = address
        var text = "\(forwardedFor)\r\nX-Real-IP: \(address)\r\nX-Forwarded-Proto: \(scheme)\r\n"
        if let port { text += "X-Forwarded-Port: \(port)\r\n" }
        self.bytes = Array(text.utf8)
    }

    package init(address: String, scheme: String = "http", port: Int? = nil) {
        self.init(forwardedFor: address, address: address, scheme: scheme, port: port)
    }
}
