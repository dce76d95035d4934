import Shared

/// Reading of the top-level keys that are not upstreams or routes: listeners, limits, proxy, headers, logs.
extension ConfigReader {
    package static let topLevelKeys = BalancerConfig.topLevelKeys.map(\.name)

    /// The whole document; returns the defaults filled with what could be read.
    package mutating func readConfig(_ root: ConfigNode, sourcePath: String) -> BalancerConfig {
        var config = BalancerConfig.defaults(sourcePath: sourcePath)
        guard let top = mapping(root, allowed: Self.topLevelKeys) else { return config }
        if let node = required(top, "listen", hint: "add e.g. listen: [0.0.0.0:80]") {
            config.listen = readListen(node)
        }
        if let node = top["admin"] { config.admin = readAdmin(node, publicListeners: config.listenAddresses) }
        if let node = top["workers"] { config.workers = readWorkers(node) ?? config.workers }
        if let node = top["worker_rlimit_nofile"] {
            config.workerRlimitNofile = int(node, in: BalancerConfig.workerRlimitNofileRange)
        }
        if let node = top["limits"] { config.limits = readLimits(node) }
        readLimitSettings(top, into: &config)
        if let node = top["proxy"] { config.proxy = readProxy(node) }
        if let node = top["response_headers"] { config.responseHeaders = readHeaders(node) }
        if let node = top["access_log"] { config.accessLog = readAccessLog(node) ?? config.accessLog }
        if let node = top["log_format"] { config.logFormat = choice(node, of: LogFormat.self) ?? config.logFormat }
        if let node = top["pid_file"] { config.pidFile = nonEmptyText(node, expected: "a file path") }
        if let node = top["shutdown_timeout"] {
            config.shutdownTimeout = duration(node, .nonNegative) ?? config.shutdownTimeout
        }
        if let node = top["resolver"] { config.resolver = readResolver(node) }
        if let node = top["gzip"] { config.gzip = readGzip(node) }
        if let node = top["open_file_cache"] { config.openFileCache = readOpenFileCache(node) }
        let upstreamsHint = "add e.g. upstreams: {backend: {servers: [127.0.0.1:8001]}}"
        if let node = required(top, "upstreams", hint: upstreamsHint) { config.upstreams = readUpstreams(node) }
        if let node = required(top, "routes", hint: "add e.g. routes: [{prefix: /, upstream: backend}]") {
            config.routes = readRoutes(node, upstreams: config.upstreams, zones: LimitZoneNames(config))
        }
        if let node = top["unknown_host"] {
            config.unknownHost = readUnknownHost(node, routes: config.routes) ?? config.unknownHost
        }
        return config
    }

    /// `admin:` — a listener off the loopback interface must say who may use it (basic auth or CIDR list):
    /// the status page names every upstream, which is not for the whole network to read.
    package mutating func readAdmin(_ node: ConfigNode, publicListeners: [HostPort]) -> AdminConfig {
        var admin = AdminConfig(listen: BalancerConfig.defaultAdminListen)
        guard let map = mapping(node, allowed: ["listen", "basic_auth", "allow"]) else { return admin }
        if let authNode = map["basic_auth"] { admin.basicAuth = readBasicAuth(authNode) }
        if let allowNode = map["allow"] { admin.allow = readAllow(allowNode) }
        guard let listenNode = map["listen"], let address = address(listenNode) else { return admin }
        if let index = publicListeners.firstIndex(where: { $0.overlaps(address) }) {
            report(listenNode, "\(address) binds the same port as listen[\(index)] (\(publicListeners[index])); "
                + "give the admin listener a port of its own")
        }
        if !address.isLoopback && map["basic_auth"] == nil && map["allow"] == nil {
            report(listenNode, "\(address) is reachable from other hosts; add admin.basic_auth or admin.allow, "
                + "or listen on 127.0.0.1")
        }
        admin.listen = address
        return admin
    }

    /// `admin.basic_auth:` — the password only as its SHA-256, so the file never holds it in clear.
    package mutating func readBasicAuth(_ node: ConfigNode) -> AdminBasicAuth? {
        guard let map = mapping(node, allowed: ["user", "password_sha256"]) else { return nil }
        let userNode = required(map, "user", hint: "add e.g. user: ops")
        let user = userNode.flatMap { nonEmptyText($0, expected: "a user name") }
        let hint = "add password_sha256: the output of printf %s 'password' | sha256sum"
        guard let digestNode = required(map, "password_sha256", hint: hint) else { return nil }
        guard let digest = text(digestNode, expected: "64 hex digits") else { return nil }
        let lower = digest.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ HTTP1Bytes.hex($0) >= 0 }) else {
            report(digestNode, "expected 64 hex digits (a SHA-256), got \(digestNode.valueDescription); "
                + "compute it with printf %s 'password' | sha256sum")
            return nil
        }
        if let user, user.contains(":") {
            report(map["user"] ?? node, "a user name cannot contain \":\" (basic auth separates it from the password)")
            return nil
        }
        return user.map { AdminBasicAuth(user: $0, passwordSHA256: lower) }
    }

    /// `admin.allow:` — CIDR ranges such as 10.0.0.0/8 or a single address.
    package mutating func readAllow(_ node: ConfigNode) -> [CIDRRange] {
        readNetworks(node, key: "allow")
    }

    /// A list of CIDR ranges under `key` (`admin.allow`, `real_ip.from`).
    package mutating func readNetworks(_ node: ConfigNode, key: String) -> [CIDRRange] {
        let list = items(node, expected: "a list of networks such as [10.0.0.0/8]",
            ifEmpty: "list at least one network such as 10.0.0.0/8, or remove \(key)")
        var ranges: [CIDRRange] = []
        for item in list {
            guard let text = text(item, expected: "a network such as 10.0.0.0/8") else { continue }
            if let range = CIDRRange(text) {
                ranges.append(range)
            } else {
                report(item, "\(item.valueDescription) is not a network; write an address with an optional "
                    + "prefix length, e.g. 10.0.0.0/8 or 192.168.1.20")
            }
        }
        return ranges
    }

    /// `workers:` — `auto` or a count of event loops.
    package mutating func readWorkers(_ node: ConfigNode) -> Int? {
        if node.scalarText == "auto" { return BalancerConfig.autoWorkers }
        if let text = node.scalarText, let count = Int(text), (1...BalancerConfig.maxWorkers).contains(count) {
            return count
        }
        report(node, "expected auto or a whole number from 1 to \(BalancerConfig.maxWorkers), "
            + "got \(node.valueDescription)")
        return nil
    }

    /// `limits:` — `client_max_body_size: 0` means unlimited, as in nginx.
    package mutating func readLimits(_ node: ConfigNode) -> LimitsConfig {
        var limits = LimitsConfig()
        let keys = [
            "client_max_body_size", "client_header_timeout", "client_body_timeout", "send_timeout",
            "keepalive_timeout", "max_header_size", "max_connections", "underscores_in_headers",
        ]
        guard let map = mapping(node, allowed: keys) else { return limits }
        if let value = map["client_max_body_size"].flatMap({ size($0, in: 0...Int64.max) }) {
            limits.clientMaxBodySize = value
        }
        if let value = map["client_header_timeout"].flatMap({ duration($0, .positive) }) {
            limits.clientHeaderTimeout = value
        }
        if let value = map["client_body_timeout"].flatMap({ duration($0, .positive) }) {
            limits.clientBodyTimeout = value
        }
        if let value = map["send_timeout"].flatMap({ duration($0, .positive) }) { limits.sendTimeout = value }
        if let value = map["underscores_in_headers"].flatMap({ bool($0) }) { limits.underscoresInHeaders = value }
        if let value = map["keepalive_timeout"].flatMap({ duration($0, .positive) }) {
            limits.keepaliveTimeout = value
        }
        if let value = map["max_header_size"].flatMap({ size($0, in: (1 << 10)...(1 << 20)) }) {
            limits.maxHeaderSize = value
        }
        if let value = map["max_connections"].flatMap({ int($0, in: BalancerConfig.maxConnectionsRange) }) {
            limits.maxConnections = value
        }
        return limits
    }

    /// `proxy:` — `next_upstream_timeout: 0` means unlimited, as in nginx. `next_upstream_tries` counts the first
    /// attempt and is at least 1; nginx's 0 (no limit) is not offered, as the servers of a group bound it anyway.
    package mutating func readProxy(_ node: ConfigNode) -> ProxyConfig {
        var proxy = ProxyConfig()
        let keys = [
            "connect_timeout", "read_timeout", "send_timeout", "next_upstream_tries", "next_upstream",
            "next_upstream_timeout", "websocket_idle_timeout", "normalize_path",
        ]
        guard let map = mapping(node, allowed: keys) else { return proxy }
        if let value = map["connect_timeout"].flatMap({ duration($0, .positive) }) { proxy.connectTimeout = value }
        if let value = map["read_timeout"].flatMap({ duration($0, .positive) }) { proxy.readTimeout = value }
        if let value = map["send_timeout"].flatMap({ duration($0, .positive) }) { proxy.sendTimeout = value }
        if let value = map["next_upstream_tries"].flatMap({ int($0, in: 1...100) }) {
            proxy.nextUpstreamTries = value
        }
        if let node = map["next_upstream"], let value = readNextUpstream(node) { proxy.nextUpstream = value }
        if let value = map["next_upstream_timeout"].flatMap({ duration($0, .nonNegative) }) {
            proxy.nextUpstreamTimeout = value
        }
        if let value = map["websocket_idle_timeout"].flatMap({ duration($0, .positive) }) {
            proxy.websocketIdleTimeout = value
        }
        if let value = map["normalize_path"].flatMap({ bool($0) }) { proxy.normalizePath = value }
        return proxy
    }

    /// `next_upstream:` — conditions for retrying; `off` only on its own, as nginx requires.
    package mutating func readNextUpstream(_ node: ConfigNode) -> Set<NextUpstreamCondition>? {
        let items = items(
            node, expected: "a list of conditions such as [error, timeout]",
            ifEmpty: "list at least one condition, or write off to never retry on another server")
        var conditions: Set<NextUpstreamCondition> = []
        var failed = items.isEmpty
        for item in items {
            if let condition = choice(item, of: NextUpstreamCondition.self) {
                conditions.insert(condition)
            } else {
                failed = true
            }
        }
        if conditions.contains(.off) && conditions.count > 1 {
            report(node, "off cannot be combined with other conditions; write either off or the conditions")
            failed = true
        }
        return failed ? nil : conditions
    }

    /// `response_headers:` — name/value pairs in file order.
    package mutating func readHeaders(_ node: ConfigNode) -> [HeaderField] {
        guard let pairs = pairs(of: node, expected: "a mapping of header names to values") else { return [] }
        var headers: [HeaderField] = []
        for (name, valueNode) in pairs {
            guard HeaderField.isValidName(name) else {
                report(valueNode, "\"\(name)\" is not a valid header name; use letters, digits and - only")
                continue
            }
            if let earlier = headers.first(where: { $0.name.lowercased() == name.lowercased() }) {
                report(valueNode, "\(name) is already set as \(earlier.name) (header names ignore case); keep one")
                continue
            }
            guard let value = text(valueNode, expected: "a header value (quote it, e.g. \"1; mode=block\")") else {
                continue
            }
            guard HeaderField.isValidValue(value) else {
                report(valueNode, "the value contains a line break or control character; put it on one line")
                continue
            }
            headers.append(HeaderField(name: name, value: value))
        }
        return headers
    }

    /// `access_log:` — `stdout`, `off`, or a file path.
    package mutating func readAccessLog(_ node: ConfigNode) -> AccessLogTarget? {
        switch nonEmptyText(node, expected: "stdout, off or a file path") {
        case nil: return nil
        case "stdout": return .stdout
        case "off": return .off
        case let path?: return .file(path)
        }
    }

    /// A scalar that must not be empty (paths).
    package mutating func nonEmptyText(_ node: ConfigNode, expected: String) -> String? {
        guard let value = text(node, expected: expected) else { return nil }
        if value.trimmingASCIIWhitespace().isEmpty {
            report(node, "expected \(expected), got an empty string")
            return nil
        }
        return value
    }
}
