import Shared

/// Reading of `rate_limits:` and `connection_limits:` — the named zones limits count in (nginx's
/// `limit_req_zone` and `limit_conn_zone`) — and of `real_ip:`, which decides whose address they count.
extension ConfigReader {
    package static let rateZoneKeys = ["key", "rate", "size", "status"]
    package static let connectionZoneKeys = ["key", "size", "status"]

    /// The top-level keys about limits and the client's address, read after `listen` and before the routes
    /// (which name the zones).
    package mutating func readLimitSettings(_ top: ConfigMapping, into config: inout BalancerConfig) {
        if let node = top["rate_limits"] { config.rateLimitZones = readRateLimitZones(node) }
        if let node = top["connection_limits"] {
            config.connectionLimitZones = readConnectionLimitZones(node, rateZones: config.rateLimitZones)
        }
        let zones = LimitZoneNames(config)
        if let node = top["rate_limit"] { config.rateLimit = readRateLimitRules(node, zones: zones) ?? [] }
        if let node = top["connection_limit"] {
            config.connectionLimit = readConnectionLimitRules(node, zones: zones) ?? []
        }
        if let node = top["real_ip"] { config.realIP = readRealIP(node) }
        checkProxyProtocol(top, config)
    }

    /// `rate_limits: {NAME: {key, rate, size, status}}`.
    package mutating func readRateLimitZones(_ node: ConfigNode) -> [RateLimitZoneConfig] {
        guard let pairs = pairs(of: node, expected: "a mapping of zone names to {key, rate, size}") else { return [] }
        var zones: [RateLimitZoneConfig] = []
        for (name, value) in pairs {
            guard zoneName(name, at: value), let map = mapping(value, allowed: Self.rateZoneKeys) else { continue }
            let key = required(map, "key", hint: "add e.g. key: client_address").flatMap { limitKey($0) }
            let rate = required(map, "rate", hint: "add e.g. rate: 10r/s (or 600r/m)").flatMap { requestRate($0) }
            let size = zoneSize(map)
            let status = map["status"].map { limitStatus($0) } ?? BalancerConfig.defaultLimitStatus
            guard let key, let rate, let size, let status else { continue }
            zones.append(RateLimitZoneConfig(name: name, key: key, rate: rate, size: size, status: status))
        }
        return zones
    }

    /// `connection_limits: {NAME: {key, size, status}}`; a name may not also be a rate zone's (nginx's zone names
    /// are one namespace).
    package mutating func readConnectionLimitZones(_ node: ConfigNode, rateZones: [RateLimitZoneConfig])
        -> [ConnectionLimitZoneConfig]
    {
        guard let pairs = pairs(of: node, expected: "a mapping of zone names to {key, size}") else { return [] }
        var zones: [ConnectionLimitZoneConfig] = []
        for (name, value) in pairs {
            guard zoneName(name, at: value), let map = mapping(value, allowed: Self.connectionZoneKeys) else {
                continue
            }
            if rateZones.contains(where: { $0.name == name }) {
                report(value, "\(name) is already a zone under rate_limits; give this one another name")
                continue
            }
            let key = required(map, "key", hint: "add e.g. key: client_address").flatMap { limitKey($0) }
            let size = zoneSize(map)
            let status = map["status"].map { limitStatus($0) } ?? BalancerConfig.defaultLimitStatus
            guard let key, let size, let status else { continue }
            zones.append(ConnectionLimitZoneConfig(name: name, key: key, size: size, status: status))
        }
        return zones
    }

    /// Zone names label metrics and log lines: letters, digits, `_` and `-`.
    private mutating func zoneName(_ name: String, at node: ConfigNode) -> Bool {
        let valid = !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { byte in
            HTTPBytes.lowercased(byte) >= UInt8(ascii: "a") && HTTPBytes.lowercased(byte) <= UInt8(ascii: "z")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
        if !valid { report(node, "zone name \"\(name)\" must be 1 to 64 letters, digits, _ or -") }
        return valid
    }

    /// `key:` — `client_address`, `route` or `header:NAME`.
    package mutating func limitKey(_ node: ConfigNode) -> LimitKey? {
        let expected = "client_address, route or header:NAME (e.g. header:X-Api-Key)"
        guard let text = text(node, expected: expected) else { return nil }
        switch text {
        case "client_address": return .clientAddress
        case "route": return .route
        default:
            if text.hasPrefix("header:") {
                let name = String(text.dropFirst("header:".count))
                guard HeaderField.isValidName(name) else {
                    report(node, "\"\(name)\" is not a valid header name; use letters, digits and - only")
                    return nil
                }
                return .header(name)
            }
            report(node, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
    }

    /// `rate:` — `10r/s` or `600r/m`, as nginx writes it.
    package mutating func requestRate(_ node: ConfigNode) -> RequestRate? {
        guard let text = node.scalarText, let rate = RequestRate(parsing: text) else {
            report(node, "expected a rate such as 10r/s or 600r/m (whole requests, 1 to "
                + "\(RequestRate.maxRequests) per second or minute), got \(node.valueDescription)")
            return nil
        }
        return rate
    }

    /// `size:` of a zone, required: the memory it may take, which fixes how many keys it holds.
    private mutating func zoneSize(_ map: ConfigMapping) -> NginxSize? {
        required(map, "size", hint: "add e.g. size: 10m (about 650,000 keys)")
            .flatMap { size($0, in: BalancerConfig.limitZoneSizeRange) }
    }

    /// `status:` — nginx's `limit_req_status` / `limit_conn_status` accept 400 to 599.
    private mutating func limitStatus(_ node: ConfigNode) -> Int? {
        int(node, in: 400...599)
    }

    /// `real_ip: {from: [CIDR, ...], header: X-Forwarded-For | X-Real-IP | NAME | proxy_protocol, recursive}`.
    package mutating func readRealIP(_ node: ConfigNode) -> RealIPConfig? {
        guard let map = mapping(node, allowed: ["from", "header", "recursive"]) else { return nil }
        let hint = "list the proxies or load balancers whose word is taken, e.g. from: [10.0.0.0/8]"
        guard let fromNode = required(map, "from", hint: hint) else { return nil }
        var config = RealIPConfig(from: readNetworks(fromNode, key: "real_ip"))
        if let headerNode = map["header"], let header = text(headerNode, expected: "a header name or proxy_protocol") {
            if header == "proxy_protocol" {
                config.source = .proxyProtocol
            } else if HeaderField.isValidName(header) {
                config.source = .header(header)
            } else {
                report(headerNode, "\"\(header)\" is not a header name; write e.g. X-Forwarded-For, or proxy_protocol")
            }
        }
        if let value = map["recursive"].flatMap({ bool($0) }) { config.recursive = value }
        return config
    }

    /// A PROXY header is only worth reading when `real_ip` takes the address from it, and the other way round:
    /// either half alone would leave every limit and log line on the load balancer's address.
    private mutating func checkProxyProtocol(_ top: ConfigMapping, _ config: BalancerConfig) {
        let fromProxyProtocol = config.realIP?.source == .proxyProtocol
        let listenNode = top["listen"]
        if config.listen.contains(where: \.proxyProtocol) && !fromProxyProtocol, let listenNode {
            report(listenNode, "proxy_protocol is on, but real_ip does not take the client's address from it; add "
                + "real_ip: {from: [<load balancer network>], header: proxy_protocol}")
        }
        if fromProxyProtocol && !config.listen.contains(where: \.proxyProtocol), let node = top["real_ip"] {
            report(node, "header: proxy_protocol, but no listen entry has proxy_protocol: true; write the listener "
                + "as {address: 0.0.0.0:80, proxy_protocol: true}")
        }
    }
}

/// The zone names the rules of routes and of the top level may refer to.
package struct LimitZoneNames: Sendable {
    package var rate: [String]
    package var connection: [String]

    package init(_ config: BalancerConfig) {
        rate = config.rateLimitZones.map(\.name)
        connection = config.connectionLimitZones.map(\.name)
    }
}
