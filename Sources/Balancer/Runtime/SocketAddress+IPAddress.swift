import BalancerCore
import NIOCore

extension IPAddress {
    /// The IP address of a socket address (a client connection's peer); nil for a UNIX socket.
    init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let v4):
            let raw = v4.address.sin_addr.s_addr  // network order in memory
            self = withUnsafeBytes(of: raw) { IPAddress(bytes: $0)! }
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            guard let address = withUnsafeBytes(of: &raw, { IPAddress(bytes: $0) }) else { return nil }
            self = address
        case .unixDomainSocket:
            return nil
        }
    }
}
