import BalancerCore
import NIOCore

extension SocketAddress {
    /// `127.0.0.1:8080` or `[::1]:8080`, as operators write addresses in the config — not NIO's
    /// `[IPv4]127.0.0.1/127.0.0.1:8080`.
    var hostPortDescription: String {
        guard let ip = ipAddress, let port else { return description }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
