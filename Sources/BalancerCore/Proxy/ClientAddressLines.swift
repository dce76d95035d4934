/// The forwarding lines that depend only on the client connection, encoded once per connection rather than once
/// per request: the address that ends `X-Forwarded-For`, then `X-Real-IP`, `X-Forwarded-Proto` and
/// `X-Forwarded-Port` (the scheme and port the client connected to).
package struct ClientAddressLines {
    package let address: String
    /// `<address> CRLF X-Real-IP: <address> CRLF X-Forwarded-Proto: http CRLF X-Forwarded-Port: 80 CRLF`
    package let bytes: [UInt8]

    /// `port`: the local port the client connected to; nil leaves `X-Forwarded-Port` out (not known).
    package init(address: String, scheme: String = "http", port: Int? = nil) {
        self.address = address
        var text = "\(address)\r\nX-Real-IP: \(address)\r\nX-Forwarded-Proto: \(scheme)\r\n"
        if let port { text += "X-Forwarded-Port: \(port)\r\n" }
        self.bytes = Array(text.utf8)
    }
}
