/// The addresses found for the servers written as DNS names, by group and server as written, that a snapshot
/// expands into one server per address.
///
/// Kept in the snapshot so a reload carries the last lookups over to the new configuration instead of falling
/// back to connect-time resolution until the next lookup.
package struct ResolvedAddresses: Sendable, Equatable {
    /// Group → name (host lower-cased: DNS names compare without case) → sorted addresses, never empty.
    private var table: [String: [HostPort: [String]]] = [:]

    /// No name resolved yet.
    package init() {}

    /// The sorted addresses of `server` in `group`, or nil when the name has not been resolved.
    package func addresses(group: String, server: HostPort) -> [String]? {
        table[group]?[Self.lookupKey(server)]
    }

    /// Replaces the addresses of every server of `group`; a server missing from `servers` is forgotten.
    package func replacing(group: String, with servers: [HostPort: [String]]) -> ResolvedAddresses {
        var entries: [HostPort: [String]] = [:]
        for (server, addresses) in servers where !addresses.isEmpty {
            entries[Self.lookupKey(server)] = addresses.sorted()
        }
        var copy = self
        copy.table[group] = entries.isEmpty ? nil : entries
        return copy
    }

    /// The servers that `server` of `upstream` stands for: one per address its name resolved to, or the server as
    /// written when nothing was found yet or the group does not re-resolve (`resolve_interval: 0`; then it is
    /// resolved when connecting).
    package func ids(of server: HostPort, in upstream: UpstreamConfig) -> [ServerID] {
        guard upstream.resolveInterval.milliseconds > 0, let found = addresses(group: upstream.name, server: server)
        else { return [ServerID(address: server)] }
        return found.map { ServerID(address: server, resolvedAddress: $0) }
    }

    private static func lookupKey(_ server: HostPort) -> HostPort {
        HostPort(host: server.host.lowercased(), port: server.port)
    }
}
