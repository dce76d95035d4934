import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The replica could not open its port; the message says why in words and what to do about it.
struct ListenError: Error, CustomStringConvertible {
    let description: String

    /// The error for a failed bind of `host:port`.
    init(host: String, port: Int, underlying: any Error) {
        let reason: String
        switch (underlying as? IOError)?.errnoCode {
        case EADDRINUSE:
            reason =
                "the port is already in use; stop the process holding it (see: ss -ltnp 'sport = :\(port)') "
                + "or choose another PORT"
        case EADDRNOTAVAIL:
            reason = "the address is not one of this machine's; set HOST to one of its addresses or 0.0.0.0"
        case EACCES:
            reason = "permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE, or choose another PORT"
        default:
            reason = "\(underlying)"
        }
        description = "cannot listen on \(host):\(port): \(reason)"
    }
}
