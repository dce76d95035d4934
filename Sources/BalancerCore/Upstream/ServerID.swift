/// Which server an `UpstreamServer` is: the address as written in the config and, for a server a DNS lookup of
/// that name found, the address it found. Two servers with the same id are the same server, whatever object holds
/// it: a reload or a re-resolution carries state over by id, and metrics, the journal and health checks are kept
/// by id.
///
/// `description` is the display form (`backend:8000`, `backend:8000 (10.0.0.5)`) that logs, the status page,
/// `/status.json` and `/metrics` show; identity never goes through that string.
package struct ServerID: Sendable, Hashable, CustomStringConvertible {
    /// `host:port` as written in the config (a DNS name stays the name).
    package let address: HostPort
    /// The address a lookup of `address`'s name found, for a server DNS expanded; nil for a server as written.
    package let resolvedAddress: String?

    package init(address: HostPort, resolvedAddress: String? = nil) {
        self.address = address
        self.resolvedAddress = resolvedAddress
    }

    package var description: String { resolvedAddress.map { "\(address) (\($0))" } ?? address.description }
}
