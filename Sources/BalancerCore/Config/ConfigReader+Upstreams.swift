import Shared

/// Reading of `upstreams:` — the groups of servers requests are balanced over.
extension ConfigReader {
    package static let upstreamKeys = [
        "balance", "keepalive", "max_fails", "fail_timeout", "slow_start", "health_check", "resolve_interval",
        "tls", "servers",
    ]
    package static let serverKeys = ["address", "weight", "max_fails", "fail_timeout", "backup"]
    package static let healthCheckKeys = ["path", "interval", "timeout", "rise", "fall"]

    /// `upstreams:` — a mapping of group names to groups, in file order.
    package mutating func readUpstreams(_ node: ConfigNode) -> [UpstreamConfig] {
        guard let pairs = pairs(of: node, expected: "a mapping of upstream names to groups") else { return [] }
        if pairs.isEmpty {
            report(node, "define at least one upstream group, e.g. backend: {servers: [127.0.0.1:8001]}")
        }
        return pairs.compactMap { name, group in
            guard Self.isValidUpstreamName(name) else {
                report(group, "\"\(name)\" is not a usable upstream name; use letters, digits, - and _ only")
                return nil
            }
            return readUpstream(name: name, group)
        }
    }

    package static func isValidUpstreamName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    package mutating func readUpstream(name: String, _ node: ConfigNode) -> UpstreamConfig {
        var upstream = UpstreamConfig(name: name, servers: [])
        guard let map = mapping(node, allowed: Self.upstreamKeys) else { return upstream }
        if let value = map["balance"].flatMap({ choice($0, of: BalanceMethod.self) }) { upstream.balance = value }
        if let value = map["keepalive"].flatMap({ int($0, in: 0...10_000) }) { upstream.keepalive = value }
        if let value = map["max_fails"].flatMap({ int($0, in: 0...Int.max) }) { upstream.maxFails = value }
        if let value = map["fail_timeout"].flatMap({ duration($0, .positive) }) { upstream.failTimeout = value }
        if let value = map["slow_start"].flatMap({ duration($0, .nonNegative) }) { upstream.slowStart = value }
        if let node = map["health_check"] { upstream.healthCheck = readHealthCheck(node) }
        if let value = map["resolve_interval"].flatMap({ readResolveInterval($0) }) { upstream.resolveInterval = value }
        if let node = map["tls"] { upstream.tls = readUpstreamTLS(node) }
        let hint = "list the servers of \(name), e.g. servers: [127.0.0.1:8001]"
        if let node = required(map, "servers", hint: hint) { upstream.servers = readServers(node, upstream: name) }
        return upstream
    }

    /// `servers:` — addresses or `{address:, weight:, …}` mappings; no address twice, not all backups.
    package mutating func readServers(_ node: ConfigNode, upstream: String) -> [ServerConfig] {
        guard case .sequence(let sequence) = node.node else {
            report(node, "expected a list of host:port, got \(node.valueDescription)")
            return []
        }
        if sequence.isEmpty {
            report(node, "upstream \(upstream) has no servers; list at least one host:port")
            return []
        }
        var servers: [(server: ServerConfig, path: String)] = []
        for (index, element) in sequence.enumerated() {
            let item = node.element(index, element)
            guard let server = readServer(item) else { continue }
            let key = server.address.description.lowercased()
            if let earlier = servers.first(where: { $0.server.address.description.lowercased() == key }) {
                report(item, "\(server.address) is already listed as \(earlier.path); "
                    + "remove one (use weight to send it more traffic)")
                continue
            }
            servers.append((server, item.path))
        }
        if !servers.isEmpty && servers.allSatisfy(\.server.backup) {
            report(node, "every server of \(upstream) is a backup, so none would get traffic; "
                + "set backup: false on at least one")
        }
        return servers.map(\.server)
    }

    package mutating func readServer(_ node: ConfigNode) -> ServerConfig? {
        if case .mapping = node.node {
            guard let map = mapping(node, allowed: Self.serverKeys),
                let addressNode = required(map, "address", hint: "add e.g. address: 127.0.0.1:8001"),
                let address = address(addressNode)
            else { return nil }
            var server = ServerConfig(address: address)
            if let value = map["weight"].flatMap({ int($0, in: 1...1000) }) { server.weight = value }
            server.maxFails = map["max_fails"].flatMap { int($0, in: 0...Int.max) }
            server.failTimeout = map["fail_timeout"].flatMap { duration($0, .positive) }
            if let value = map["backup"].flatMap({ bool($0) }) { server.backup = value }
            return server
        }
        return address(node).map { ServerConfig(address: $0) }
    }

    /// `health_check:` — the check must finish (`timeout`) before the next one starts (`interval`).
    package mutating func readHealthCheck(_ node: ConfigNode) -> HealthCheckConfig {
        var check = HealthCheckConfig()
        guard let map = mapping(node, allowed: Self.healthCheckKeys) else { return check }
        if let pathNode = map["path"], let path = text(pathNode, expected: "a path such as /health") {
            if path.hasPrefix("/") {
                check.path = path
            } else {
                report(pathNode, "must start with \"/\", got \"\(path)\"; write e.g. /health")
            }
        }
        let interval = map["interval"].flatMap { duration($0, .positive) }
        let timeout = map["timeout"].flatMap { duration($0, .positive) }
        if let value = map["rise"].flatMap({ int($0, in: 1...100) }) { check.rise = value }
        if let value = map["fall"].flatMap({ int($0, in: 1...100) }) { check.fall = value }
        // Only compare values that parsed (or were left at their defaults); a bad one is already reported.
        let intervalOK = interval != nil || map["interval"] == nil
        let timeoutOK = timeout != nil || map["timeout"] == nil
        check.interval = interval ?? check.interval
        check.timeout = timeout ?? check.timeout
        if intervalOK && timeoutOK && check.timeout >= check.interval {
            let at = map["timeout"] ?? map["interval"] ?? node
            report(line: at.line, path: node.childPath("timeout"),
                "must be shorter than interval (\(check.timeout) ≥ \(check.interval)), or checks would overlap; "
                    + "lower timeout or raise interval")
        }
        return check
    }
}
