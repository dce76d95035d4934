/// Reading of `upstreams.<name>.tls:` — TLS from the balancer to the servers of a group.
extension ConfigReader {
    package static let upstreamTLSKeys = ["verify", "ca", "server_name"]

    /// `tls: {verify: true, ca: ca.pem, server_name: api.internal}`; `tls: {}` turns TLS on with the defaults.
    package mutating func readUpstreamTLS(_ node: ConfigNode) -> UpstreamTLSConfig? {
        guard let map = mapping(node, allowed: Self.upstreamTLSKeys) else { return nil }
        var tls = UpstreamTLSConfig()
        if let value = map["verify"].flatMap({ bool($0) }) { tls.verify = value }
        if let node = map["ca"] {
            tls.ca = nonEmptyText(node, expected: "the path of a PEM file of trusted certificates")
            if !tls.verify {
                report(node, "ca is only used to verify servers; remove it or set verify: true")
            }
        }
        if let node = map["server_name"], let name = nonEmptyText(node, expected: "a host name such as api.internal") {
            if case .success = HostPort.parse("\(name):1"), !name.contains(":") {
                tls.serverName = name
            } else {
                report(node, "\"\(name)\" is not a host name; write the name the servers' certificates carry")
            }
        }
        return tls
    }
}
