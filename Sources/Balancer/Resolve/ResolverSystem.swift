import BalancerCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Looks a name up with the C library's getaddrinfo (so /etc/hosts, /etc/resolv.conf and Docker's embedded DNS
/// apply, as when connecting by name) on a thread pool: getaddrinfo blocks, and an event loop must never.
struct ResolverSystem: UpstreamNameResolver {
    let threadPool: NIOThreadPool

    func resolve(_ name: String) async throws -> [String] {
        try await threadPool.runIfActive { try Self.lookUp(name) }
    }

    /// The sorted, distinct IPv4 addresses of `name`.
    static func lookUp(_ name: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else {
            throw ResolverFailure(description: "getaddrinfo: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var found = Set<String>()
        var next = list
        while let entry = next {
            if entry.pointee.ai_family == AF_INET, let address = entry.pointee.ai_addr {
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    var raw = ipv4.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(INET_ADDRSTRLEN))
                }
                found.insert(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            next = entry.pointee.ai_next
        }
        return found.sorted()
    }
}
