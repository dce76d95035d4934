/// One entry of `listen:` — an address, or a mapping that says more about the listener.
package struct ListenerConfig: Sendable, Hashable, CustomStringConvertible {
    package var address: HostPort
    /// Every connection starts with a PROXY protocol header (v1 or v2); one without is closed.
    package var proxyProtocol = false

    package init(address: HostPort, proxyProtocol: Bool = false) {
        self.address = address
        self.proxyProtocol = proxyProtocol
    }

    package var description: String { address.description }
}
