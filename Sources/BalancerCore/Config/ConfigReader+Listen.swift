/// Reading of `listen:` — the public listeners, each an address or a mapping of the listener's settings.
extension ConfigReader {
    /// The keys a `listen` entry written as a mapping may have.
    package static let listenerKeys = ["address", "proxy_protocol"]

    /// `listen:` — one entry or a list; two entries that would bind the same socket are refused.
    package mutating func readListen(_ node: ConfigNode) -> [ListenerConfig] {
        let entries: [ConfigNode]
        if case .mapping = node.node {
            entries = [node]
        } else {
            entries = items(
                node, expected: "host:port or a list of them",
                ifEmpty: "list at least one host:port to accept connections on, e.g. [0.0.0.0:80]")
        }
        var listeners: [(listener: ListenerConfig, path: String)] = []
        for entry in entries {
            guard let listener = readListener(entry) else { continue }
            if let earlier = listeners.first(where: { $0.listener.address.overlaps(listener.address) }) {
                report(entry, "\(listener.address) binds the same port as \(earlier.path) (\(earlier.listener.address)); "
                    + "remove one")
            } else {
                listeners.append((listener, entry.path))
            }
        }
        return listeners.map(\.listener)
    }

    /// One `listen` entry: `host:port`, or `{address: host:port, proxy_protocol: true}` (nginx's
    /// `listen 80 proxy_protocol;`).
    package mutating func readListener(_ node: ConfigNode) -> ListenerConfig? {
        guard case .mapping = node.node else { return address(node).map { ListenerConfig(address: $0) } }
        guard let map = mapping(node, allowed: Self.listenerKeys) else { return nil }
        guard let addressNode = required(map, "address", hint: "add e.g. address: 0.0.0.0:80"),
            let address = address(addressNode)
        else { return nil }
        var listener = ListenerConfig(address: address)
        if let node = map["proxy_protocol"] {
            guard let value = bool(node) else { return nil }
            listener.proxyProtocol = value
        }
        return listener
    }
}
