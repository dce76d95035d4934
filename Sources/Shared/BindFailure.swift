import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a listening socket could not be opened, in words an operator can act on, instead of the socket call's
/// own message (`bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`).
public enum BindFailure {
    /// The reason `bind` of `host:port` failed with `error`, ending in what to do.
    ///
    /// - Parameter setting: where the address comes from, named in the advice (`PORT`, `` `listen` ``).
    public static func reason(for error: any Error, host: String, port: Int, setting: String) -> String {
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE:
            return "the port is already in use; stop the process holding it (see: ss -ltnp 'sport = :\(port)') "
                + "or change \(setting)"
        case EADDRNOTAVAIL:
            return "\(host) is not an address of this machine; change \(setting) to one of its addresses or 0.0.0.0"
        case EACCES:
            return "ports below 1024 need root or CAP_NET_BIND_SERVICE; grant it or change \(setting)"
        default:
            return "\(error)"
        }
    }
}
