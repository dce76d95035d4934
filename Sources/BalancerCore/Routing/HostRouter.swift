/// Chooses the route for a request the way nginx chooses a `server` and then a `location` in it: the virtual host
/// first, by the request's host (an exact name, else the longest matching `*.` wildcard, else the default server
/// made of the routes without `hosts`), then the route among that host's routes by path (`Router`).
///
/// The host is the request's `Host` (which `RequestHygiene` made sure agrees with an absolute-form target); never
/// the TLS server name, as nginx: the certificate is chosen by SNI, the server block by `Host`.
///
/// With no route naming hosts the host is never looked at, so a config without virtual hosts pays nothing.
package struct HostRouter: Sendable {
    package enum Match: Equatable {
        /// An index into the config's routes.
        case route(Int)
        /// The host is served here but no route of it matches the path.
        case noRoute
        /// No route names the host and there is no default server: `unknown_host`.
        case unknownHost(status: Int)
    }

    /// The routes without `hosts`; nil when every route names hosts.
    private let defaultServer: Router?
    private let exact: [String: Router]
    /// `.example.com` for `*.example.com`, longest first (nginx: the longest wildcard wins).
    private let wildcards: [(suffix: String, router: Router)]
    private let unknownHostStatus: Int
    /// Whether any route names hosts: only then is a request's host read.
    package let hasVirtualHosts: Bool

    package init(routes: [RouteConfig], unknownHost: UnknownHostStatus = .misdirected) {
        let names = Set(routes.flatMap(\.hosts))
        hasVirtualHosts = !names.isEmpty
        defaultServer = routes.contains { $0.hosts.isEmpty } ? Router(routes: routes) { $0.hosts.isEmpty } : nil
        var exact: [String: Router] = [:]
        var wildcards: [(suffix: String, router: Router)] = []
        for name in names {
            let router = Router(routes: routes) { $0.hosts.contains(name) }
            if name.hasPrefix("*.") {
                wildcards.append((String(name.dropFirst()), router))
            } else {
                exact[name] = router
            }
        }
        self.exact = exact
        self.wildcards = wildcards.sorted { ($0.suffix.utf8.count, $1.suffix) > ($1.suffix.utf8.count, $0.suffix) }
        self.unknownHostStatus = unknownHost.code
    }

    /// The route for `uri` on `host` (the `Host` value as received, port and case included; nil when the request
    /// had none, as HTTP/1.0 may).
    package func match(host: String?, uri: String) -> Match {
        guard hasVirtualHosts else { return Self.match(defaultServer, uri: uri) }
        guard let router = server(for: host.map(Self.normalizedHost)) else {
            return .unknownHost(status: unknownHostStatus)
        }
        return Self.match(router, uri: uri)
    }

    private func server(for host: Substring?) -> Router? {
        guard let host, !host.isEmpty else { return defaultServer }
        if let router = exact[String(host)] { return router }
        for entry in wildcards where host.utf8.count > entry.suffix.utf8.count && host.hasSuffix(entry.suffix) {
            return entry.router
        }
        return defaultServer
    }

    private static func match(_ router: Router?, uri: String) -> Match {
        guard let router else { return .noRoute }
        return router.match(uri: uri).map(Match.route) ?? .noRoute
    }

    /// `Example.COM:8080` → `example.com`, `[::1]:80` → `[::1]`, `example.com.` → `example.com`: how a name is
    /// compared with `hosts` and written into a redirect.
    package static func normalizedHost(_ host: String) -> Substring {
        var name = Substring(host)
        if let close = name.lastIndex(of: "]") {
            name = name[...close]
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name.last == "." { name = name.dropLast() }
        if name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return Substring(name.lowercased())
        }
        return name
    }
}
