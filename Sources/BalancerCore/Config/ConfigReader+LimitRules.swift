/// Reading of `rate_limit:` and `connection_limit:`, on a route or at the top: which zones a request counts in
/// (nginx's `limit_req` and `limit_conn`). One rule, or a list of rules in different zones, all of which apply.
extension ConfigReader {
    package static let rateRuleKeys = ["zone", "burst", "nodelay", "delay"]
    package static let connectionRuleKeys = ["zone", "max"]
    /// The largest `burst`, `delay` and `max` accepted.
    package static let limitCountRange = 0...1_000_000

    /// `rate_limit: {zone, burst, nodelay | delay}` or a list of them; nil when any rule has an error.
    package mutating func readRateLimitRules(_ node: ConfigNode, zones: LimitZoneNames) -> [RateLimitRule]? {
        var rules: [RateLimitRule] = []
        var failed = false
        for item in ruleItems(node, example: "{zone: per_ip, burst: 20, nodelay: true}") {
            guard let map = mapping(item, allowed: Self.rateRuleKeys),
                let zone = ruleZone(map, in: zones.rate, other: zones.connection, otherKey: "connection_limit",
                    seen: rules.map(\.zone))
            else {
                failed = true
                continue
            }
            var rule = RateLimitRule(zone: zone)
            if let node = map["burst"] {
                guard let burst = int(node, in: Self.limitCountRange) else {
                    failed = true
                    continue
                }
                rule.burst = burst
            }
            switch (map["nodelay"], map["delay"]) {
            case (.some(let nodelayNode), .some):
                report(nodelayNode, "nodelay and delay exclude each other: nodelay passes the whole burst at once, "
                    + "delay: N passes N and delays the rest; keep one")
                failed = true
                continue
            case (.some(let nodelayNode), nil):
                guard let nodelay = bool(nodelayNode) else {
                    failed = true
                    continue
                }
                rule.delay = nodelay ? nil : 0
            case (nil, .some(let delayNode)):
                guard let delay = int(delayNode, in: Self.limitCountRange) else {
                    failed = true
                    continue
                }
                rule.delay = delay
            case (nil, nil):
                break
            }
            rules.append(rule)
        }
        return failed ? nil : rules
    }

    /// `connection_limit: {zone, max}` or a list of them; nil when any rule has an error.
    package mutating func readConnectionLimitRules(_ node: ConfigNode, zones: LimitZoneNames)
        -> [ConnectionLimitRule]?
    {
        var rules: [ConnectionLimitRule] = []
        var failed = false
        for item in ruleItems(node, example: "{zone: per_ip_connections, max: 10}") {
            guard let map = mapping(item, allowed: Self.connectionRuleKeys),
                let zone = ruleZone(map, in: zones.connection, other: zones.rate, otherKey: "rate_limit",
                    seen: rules.map(\.zone)),
                let maxNode = required(map, "max", hint: "say how many requests per key may be in progress, e.g. max: 10"),
                let max = int(maxNode, in: 1...Self.limitCountRange.upperBound)
            else {
                failed = true
                continue
            }
            rules.append(ConnectionLimitRule(zone: zone, max: max))
        }
        return failed ? nil : rules
    }

    /// A mapping stands for a list of one; an empty list is no rule (a route's `rate_limit: []` opts out of the
    /// top-level one).
    private mutating func ruleItems(_ node: ConfigNode, example: String) -> [ConfigNode] {
        if case .mapping = node.node { return [node] }
        if case .sequence(let sequence) = node.node, sequence.isEmpty { return [] }
        return items(node, expected: "a rule such as \(example) or a list of them", ifEmpty: "list at least one "
            + "rule such as \(example), or remove the key")
    }

    /// `zone:` of a rule: one of `names`, used once per list.
    private mutating func ruleZone(
        _ map: ConfigMapping,
        in names: [String],
        other: [String],
        otherKey: String,
        seen: [String]
    ) -> String? {
        guard let node = required(map, "zone", hint: "name the zone, e.g. zone: \(names.first ?? "per_ip")"),
            let zone = text(node, expected: "a zone name")
        else { return nil }
        if seen.contains(zone) {
            report(node, "zone \(zone) is already limited by an earlier rule of this list; keep one")
            return nil
        }
        guard names.contains(zone) else {
            if other.contains(zone) {
                report(node, "\(zone) is a zone of the other kind; use it under \(otherKey)")
            } else {
                let defined = names.isEmpty ? "none is defined" : "use one of \(names.joined(separator: ", "))"
                let section = otherKey == "rate_limit" ? "connection_limits" : "rate_limits"
                report(node, "no zone named \"\(zone)\"; \(defined), or define it under \(section)")
            }
            return nil
        }
        return zone
    }
}
