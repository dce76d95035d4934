import Shared

/// Reading of `routes:` — which path goes to which upstream.
extension ConfigReader {
    package static let routeKeys = [
        "hosts", "prefix", "exact", "upstream", "static", "return", "request_headers", "cache_static", "gzip",
        "rate_limit", "connection_limit",
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
        var hosts: [String] = []
        var hostsRead = true
        if let hostsNode = map["hosts"] {
            hosts = readRouteHosts(hostsNode)
            hostsRead = !hosts.isEmpty
        }
        claimed.hosts = hosts.isEmpty ? [""] : hosts
        let match = readMatch(map, claimed: &claimed)
        guard let target = readRouteTarget(map, upstreams: upstreams) else { return nil }
        var cacheStatic: CacheStaticConfig?
        var cacheStaticRead = true
        if let node = map["cache_static"] {
            cacheStatic = readCacheStatic(node)
            cacheStaticRead = cacheStatic != nil
        }
        var gzip = true
        if let node = map["gzip"] { gzip = bool(node) ?? true }
        var requestHeaders: RequestHeaderEdits?
        var headersRead = true
        if let node = map["request_headers"] {
            requestHeaders = readRequestHeaderEdits(node)
            headersRead = requestHeaders != nil
        }
        if target.answer != nil, let extra = map["cache_static"] {
            report(extra, "a return route answers itself and sends nothing upstream; remove cache_static")
            headersRead = false
        }
        if target.upstream == nil, let extra = map["request_headers"] {
            report(extra, "request_headers edit what goes upstream, and this route sends nothing there; remove it")
            headersRead = false
        }
        var route = RouteConfig(
            match: .prefix("/"), upstream: target.upstream, cacheStatic: cacheStatic, staticFiles: target.staticFiles,
            gzip: gzip, hosts: hosts, answer: target.answer,
            requestHeaders: requestHeaders?.isEmpty == true ? nil : requestHeaders)
        var limitsRead = true
        if let node = map["rate_limit"] {
            route.rateLimit = readRateLimitRules(node, zones: zones)
            limitsRead = route.rateLimit != nil
        }
        if let node = map["connection_limit"] {
            route.connectionLimit = readConnectionLimitRules(node, zones: zones)
            limitsRead = limitsRead && route.connectionLimit != nil
        }
        guard let match, cacheStaticRead, headersRead, hostsRead, limitsRead else { return nil }
        route.match = match
        return route
    }

    /// Exactly one of `upstream:` (proxied), `static:` (files) and `return:` (an answer of its own) says where the
    /// route's requests go; nil when none is there or the one there is broken.
    private mutating func readRouteTarget(_ map: ConfigMapping, upstreams: [UpstreamConfig])
        -> (upstream: String?, staticFiles: StaticRouteConfig?, answer: ReturnConfig?)?
    {
        let given = ["upstream", "static", "return"].filter { map[$0] != nil }
        guard given.count == 1 else {
            if given.isEmpty {
                report(line: map.node.line, path: map.node.childPath("upstream"),
                    "is required; name the upstream that serves this route, serve files with static: {root: DIR}, "
                        + "or answer with return: {status: ...}")
            } else {
                report(map[given[1]]!, "a route goes to an upstream, serves files or answers itself (return), "
                    + "not both; split it into routes or remove \(given[1])")
            }
            return nil
        }
        if let node = map["upstream"] {
            return readRouteUpstream(node, upstreams: upstreams).map { ($0, nil, nil) }
        }
        if let node = map["static"] {
            return readStatic(node).map { (nil, $0, nil) }
        }
        return map["return"].flatMap { readReturn($0) }.map { (nil, nil, $0) }
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
