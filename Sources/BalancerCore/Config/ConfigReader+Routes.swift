import Shared

/// Reading of `routes:` — which path goes to which upstream.
extension ConfigReader {
    package static let routeKeys = [
        "prefix", "exact", "upstream", "static", "cache_static", "gzip", "rate_limit", "connection_limit",
    ]
    package static let cacheStaticKeys = ["extensions", "max_age"]

    /// `routes:` — a non-empty list; every route names a defined upstream and no route repeats another's match.
    /// `zones`: the limit zones its `rate_limit` and `connection_limit` may name.
    package mutating func readRoutes(
        _ node: ConfigNode,
        upstreams: [UpstreamConfig],
        zones: LimitZoneNames
    ) -> [RouteConfig] {
        guard case .sequence(let sequence) = node.node else {
            report(node, "expected a list of routes such as - {prefix: /, upstream: backend}, "
                + "got \(node.valueDescription)")
            return []
        }
        if sequence.isEmpty {
            report(node, "list at least one route, e.g. - {prefix: /, upstream: backend}")
        }
        var routes: [RouteConfig] = []
        var claimed = ClaimedPaths()
        for (index, element) in sequence.enumerated() {
            let item = node.element(index, element)
            if let route = readRoute(item, upstreams: upstreams, zones: zones, claimed: &claimed) {
                routes.append(route)
            }
        }
        return routes
    }

    package mutating func readRoute(
        _ node: ConfigNode,
        upstreams: [UpstreamConfig],
        zones: LimitZoneNames,
        claimed: inout ClaimedPaths
    ) -> RouteConfig? {
        guard let map = mapping(node, allowed: Self.routeKeys) else { return nil }
        let match = readMatch(map, claimed: &claimed)
        // Exactly one of `upstream:` (proxied) and `static:` (files) says where the route's requests go.
        var upstream: String?
        var staticFiles: StaticRouteConfig?
        var targetRead = true
        switch (map["upstream"], map["static"]) {
        case (nil, nil):
            report(line: map.node.line, path: map.node.childPath("upstream"),
                "is required; name the upstream that serves this route, or serve files with static: {root: DIR}")
            targetRead = false
        case (.some, .some(let staticNode)):
            report(staticNode, "a route goes to an upstream or serves files, not both; split it into two routes")
            targetRead = false
        case (let node?, nil):
            upstream = readRouteUpstream(node, upstreams: upstreams)
            targetRead = upstream != nil
        case (nil, let node?):
            staticFiles = readStatic(node)
            targetRead = staticFiles != nil
        }
        var cacheStatic: CacheStaticConfig?
        var cacheStaticRead = true
        if let node = map["cache_static"] {
            cacheStatic = readCacheStatic(node)
            cacheStaticRead = cacheStatic != nil
        }
        var gzip = true
        if let node = map["gzip"] { gzip = bool(node) ?? true }
        var route = RouteConfig(
            match: .prefix("/"), upstream: upstream, cacheStatic: cacheStatic, staticFiles: staticFiles, gzip: gzip)
        var limitsRead = true
        if let node = map["rate_limit"] {
            route.rateLimit = readRateLimitRules(node, zones: zones)
            limitsRead = route.rateLimit != nil
        }
        if let node = map["connection_limit"] {
            route.connectionLimit = readConnectionLimitRules(node, zones: zones)
            limitsRead = limitsRead && route.connectionLimit != nil
        }
        guard let match, targetRead, cacheStaticRead, limitsRead else { return nil }
        route.match = match
        return route
    }

    /// Exactly one of `prefix:` and `exact:`, each path starting with `/`.
    package mutating func readMatch(_ map: ConfigMapping, claimed: inout ClaimedPaths) -> RouteMatch? {
        switch (map["prefix"], map["exact"]) {
        case (nil, nil):
            report(map.node, "needs prefix: /path/ or exact: /path to say which requests it takes")
            return nil
        case (.some, .some):
            report(map.node, "has both prefix and exact; a route matches one way, so split it into two routes")
            return nil
        case (let prefixNode?, nil):
            guard let prefix = routePath(prefixNode) else { return nil }
            if let earlier = claimed.claim(prefix: prefix, by: map.node.path) {
                report(prefixNode, "prefix \(prefix) is already routed by \(earlier), so this route would never "
                    + "match; remove one")
                return nil
            }
            return .prefix(prefix)
        case (nil, let exactNode?):
            let items = items(
                exactNode, expected: "a path or a list of paths",
                ifEmpty: "list at least one path, e.g. exact: [/docs]")
            var paths: [String] = []
            for item in items {
                guard let path = routePath(item) else { continue }
                if let earlier = claimed.claim(exact: path, by: map.node.path) {
                    report(item, "\(path) is already routed by \(earlier), so this entry would never match; "
                        + "remove one")
                    continue
                }
                paths.append(path)
            }
            return paths.count == items.count && !paths.isEmpty ? .exact(paths) : nil
        }
    }

    /// A request path as written in `prefix:` or `exact:`.
    package mutating func routePath(_ node: ConfigNode) -> String? {
        guard let path = text(node, expected: "a path such as /api/") else { return nil }
        guard path.hasPrefix("/") else {
            report(node, "must start with \"/\", got \"\(path)\"; request paths always do")
            return nil
        }
        return path
    }

    /// `upstream:` of a route, which must be one of the groups under `upstreams:`.
    package mutating func readRouteUpstream(_ node: ConfigNode, upstreams: [UpstreamConfig]) -> String? {
        guard let name = text(node, expected: "the name of an upstream") else { return nil }
        // With no group read successfully the upstreams section already has an error; don't repeat it per route.
        guard !upstreams.isEmpty, !upstreams.contains(where: { $0.name == name }) else { return name }
        let defined = upstreams.map(\.name).joined(separator: ", ")
        report(node, "no upstream named \"\(name)\"; use one of \(defined) or define it under upstreams")
        return nil
    }

    /// `cache_static:` — nginx's `expires` for files with the listed extensions; `max_age: 0` sends max-age=0.
    /// Returns nil when it has errors.
    package mutating func readCacheStatic(_ node: ConfigNode) -> CacheStaticConfig? {
        guard let map = mapping(node, allowed: Self.cacheStaticKeys) else { return nil }
        var extensions: Set<String> = []
        var failed = false
        if let node = required(map, "extensions", hint: "list them, e.g. extensions: [js, css, png]") {
            let items = items(
                node, expected: "a list of file extensions such as [js, css]",
                ifEmpty: "list at least one extension, e.g. [js, css]")
            failed = items.isEmpty
            for item in items {
                guard let text = text(item, expected: "a file extension such as js") else {
                    failed = true
                    continue
                }
                let ext = String(text.drop { $0 == "." }).lowercased()
                guard !ext.isEmpty, !ext.contains("/") else {
                    report(item, "expected a file extension such as js, got \"\(text)\"")
                    failed = true
                    continue
                }
                extensions.insert(ext)
            }
        } else {
            failed = true
        }
        let maxAge = required(map, "max_age", hint: "say how long browsers may cache, e.g. max_age: 1y")
            .flatMap { duration($0, .nonNegative) }
        guard let maxAge, !failed else { return nil }
        return CacheStaticConfig(extensions: extensions, maxAge: maxAge)
    }
}
