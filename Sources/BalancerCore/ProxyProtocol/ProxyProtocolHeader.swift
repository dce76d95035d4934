/// What a PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) said about the connection it
/// starts: the original client and the address it connected to, or nothing when the sender relays no addresses.
package struct ProxyProtocolHeader: Sendable, Equatable {
    package enum Command: Sendable, Equatable {
        /// The sender made the connection for itself (a health check): use the connection's own endpoints.
        case local
        /// The connection is relayed on behalf of the client below.
        case proxy
    }

    /// 1 (text) or 2 (binary).
    package var version: Int
    package var command: Command
    /// The original client and the address it connected to; nil when the header carries none that applies (v2
    /// LOCAL, an `UNKNOWN` or `UNSPEC` protocol, a UNIX socket): the connection's own endpoints are used then.
    package var source: IPAddress? = nil
    package var sourcePort = 0
    package var destination: IPAddress? = nil
    package var destinationPort = 0
}

/// Why a connection's first bytes are not a PROXY protocol header the balancer accepts; the connection is closed.
package enum ProxyProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither signature: the peer did not send a PROXY header (a direct client, or a load balancer without the
    /// protocol switched on).
    case missing
    /// A version 1 line that breaks the grammar (`PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, 107 bytes at most).
    case malformedV1(String)
    /// A version 2 header with a wrong version, command, family, length or TLV.
    case malformedV2(String)

    package var description: String {
        switch self {
        case .missing: return "no PROXY protocol header"
        case .malformedV1(let why): return "malformed PROXY protocol v1 header: \(why)"
        case .malformedV2(let why): return "malformed PROXY protocol v2 header: \(why)"
        }
    }
}
