/// The addresses found for the servers written as DNS names, by group and server as written, that a snapshot
/// expands into one server per address.
///
/// Kept in the snapshot so a reload carries the last lookups over to the new configuration instead of falling
/// back to connect-time resolution until the next lookup.
struct ResolvedAddresses: Sendable, Equatable {
    private var table: [String: [String]] = [:]

    /// The sorted addresses of `server` in `group`, or nil when the name has not been resolved.
    func addresses(group: String, server: HostPort) -> [String]? {
        table[Self.key(group: group, server: server)]
    }

    /// Replaces the addresses of every server of `group`; a server missing from `servers` is forgotten.
    func replacing(group: String, with servers: [HostPort: [String]]) -> ResolvedAddresses {
        var copy = self
        copy.table = copy.table.filter { !$0.key.hasPrefix("\(group)/") }
        for (server, addresses) in servers where !addresses.isEmpty {
            copy.table[Self.key(group: group, server: server)] = addresses.sorted()
        }
        return copy
    }

    private static func key(group: String, server: HostPort) -> String { "\(group)/\(server)".lowercased() }
}
