/// The paths earlier routes already match, per virtual host, to refuse a later route that could never be chosen.
/// Routes without `hosts` belong to the default server, whose key is the empty name.
package struct ClaimedPaths {
    private var prefixes: [String: String] = [:]
    private var exacts: [String: String] = [:]
    /// The host names of the route being read (`[""]` for the default server).
    package var hosts: [String] = [""]

    package init() {}

    /// Records `prefix` for the route at `path` under every host of `hosts`; returns the earlier route's path when
    /// one of them already had it.
    package mutating func claim(prefix: String, by path: String) -> String? {
        Self.claim(prefix, hosts: hosts, by: path, in: &prefixes)
    }

    package mutating func claim(exact: String, by path: String) -> String? {
        Self.claim(exact, hosts: hosts, by: path, in: &exacts)
    }

    private static func claim(_ value: String, hosts: [String], by path: String, in table: inout [String: String])
        -> String?
    {
        let keys = hosts.map { "\($0)\u{0}\(value)" }
        for key in keys {
            if let taken = table[key] { return taken }
        }
        for key in keys { table[key] = path }
        return nil
    }
}
