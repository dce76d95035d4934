import NIOCore
import Shared

/// Reading of the keys that control DNS re-resolution of upstream names: `resolver:` and `resolve_interval:`.
extension ConfigReader {
    /// The shortest non-zero `resolve_interval`: anything faster only loads the DNS server, as answers do not
    /// change that often, and lookups of several names must fit in one interval.
    package static let shortestResolveInterval = NginxDuration(milliseconds: 100)

    /// `resolver:` — an IP literal with a port; a name here would need a resolver of its own.
    package mutating func readResolver(_ node: ConfigNode) -> HostPort? {
        guard let address = address(node) else { return nil }
        guard (try? SocketAddress(ipAddress: address.host, port: address.port)) != nil else {
            report(node, "\(address) is not an IP address; write the DNS server's address, e.g. 127.0.0.11:53")
            return nil
        }
        return address
    }

    /// `resolve_interval:` — `0` turns re-resolution off; otherwise at least `shortestResolveInterval`.
    package mutating func readResolveInterval(_ node: ConfigNode) -> NginxDuration? {
        guard let value = duration(node, .nonNegative) else { return nil }
        if value.milliseconds != 0 && value < Self.shortestResolveInterval {
            report(node, "must be 0 (off) or at least \(Self.shortestResolveInterval), got \(node.valueDescription)")
            return nil
        }
        return value
    }
}
