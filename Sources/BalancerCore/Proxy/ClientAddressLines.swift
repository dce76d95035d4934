/// The forwarding lines that depend only on the client connection's peer address, encoded once per connection
/// rather than once per request: the address that ends `X-Forwarded-For`, then `X-Real-IP` and
/// `X-Forwarded-Proto`.
package struct ClientAddressLines {
    package let address: String
    /// `<address> CRLF X-Real-IP: <address> CRLF X-Forwarded-Proto: http CRLF`
    package let bytes: [UInt8]

    package init(address: String) {
        self.address = address
        self.bytes = Array("\(address)\r\nX-Real-IP: \(address)\r\nX-Forwarded-Proto: http\r\n".utf8)
    }
}
