import BalancerCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The open listening sockets of one `listen` address: one accepting for the whole event loop group, or with
/// `reuseport` one per event loop, each accepting only for its own loop.
///
/// Every socket of an address stops accepting together: a reload that removes the address, the flip of
/// `reuseport`, and shutdown close them all.
struct ListeningSockets {
    /// The address as configured (port 0 stays 0 here; `localAddress` has the port bound).
    var address: HostPort
    /// Whether the sockets were opened as `reuseport` ones, one per loop.
    var reuseport: Bool
    /// In loop order; never empty.
    var channels: [Channel]

    /// The address the sockets are bound to (they all share it).
    var localAddress: SocketAddress? { channels.first?.localAddress }

    /// `127.0.0.1:8080`, or `127.0.0.1:8080 (reuseport, 2 sockets)`, for the log.
    var boundDescription: String {
        let bound = localAddress?.hostPortDescription ?? address.description
        return reuseport ? "\(bound) (reuseport, \(channels.count) sockets)" : bound
    }

    /// Stops every socket accepting. Connections they accepted stay and drain on their own.
    func close() async {
        for channel in channels { try? await channel.close() }
    }

    /// Sets or clears `SO_REUSEPORT` on sockets already listening: set, new sockets can bind the port beside
    /// them (nginx does the same to turn `reuseport` on at a reload).
    func setReusePort(_ on: Bool) async throws {
        for channel in channels {
            try await channel.setOption(.socketOption(.reusePort), value: on ? 1 : 0).get()
        }
    }
}

extension [ListeningSockets] {
    /// Takes the reload's new sockets in: `closing` addresses leave the list, sockets of an address already in it
    /// (a `reuseport` flip) take its place, and the others go last. Returns the sockets to close.
    mutating func replace(closing: [HostPort], with opened: [ListeningSockets]) -> [ListeningSockets] {
        var replaced = filter { closing.contains($0.address) }
        removeAll { closing.contains($0.address) }
        for sockets in opened {
            if let index = firstIndex(where: { $0.address == sockets.address }) {
                replaced.append(self[index])
                self[index] = sockets
            } else {
                append(sockets)
            }
        }
        return replaced
    }
}

extension NIOBSDSocket.Option {
    /// `SO_REUSEPORT`, which NIO has no name for.
    static let reusePort = NIOBSDSocket.Option(rawValue: SO_REUSEPORT)
}
