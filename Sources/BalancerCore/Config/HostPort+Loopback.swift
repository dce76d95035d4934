/// Whether an admin address is reachable only from this host.
extension HostPort {
    /// True for 127.0.0.0/8, ::1 and `localhost`: the addresses that need no admin authentication.
    package var isLoopback: Bool {
        if host == "localhost" { return true }
        if let range = CIDRRange("127.0.0.0/8"), range.contains(host) { return true }
        return CIDRRange.addressBytes(host) == CIDRRange.addressBytes("::1")
    }
}
