/// Every zone of one configuration, built at load and on each reload. A zone that keeps its name, kind, key and
/// size across a reload keeps its table, so its clients' buckets and counts carry over, as nginx keeps a shared
/// zone of unchanged size; any other change starts it empty. Counters carry over by name and kind.
package struct LimitZoneSet: Sendable {
    /// Rate zones, then connection zones, in file order.
    package let zones: [LimitZone]

    package init(config: BalancerConfig, previous: LimitZoneSet? = nil) {
        func reusable(_ name: String, kind: LimitZoneTable.Kind, key: LimitKey, bytes: Int64) -> LimitZone? {
            previous?.zones.first { zone in
                zone.name == name && zone.table.kind == kind && zone.key == key
                    && zone.table.capacity == LimitZoneTable.capacity(forBytes: bytes)
            }
        }
        func counters(_ name: String, kind: LimitZoneTable.Kind) -> LimitZoneCounters {
            previous?.zones.first { $0.name == name && $0.table.kind == kind }?.counters ?? LimitZoneCounters()
        }
        var zones: [LimitZone] = []
        for zone in config.rateLimitZones {
            let kept = reusable(zone.name, kind: .rate, key: zone.key, bytes: zone.size.bytes)
            zones.append(LimitZone(
                name: zone.name, key: zone.key, status: zone.status, rate: zone.rate,
                table: kept?.table ?? LimitZoneTable(kind: .rate, bytes: zone.size.bytes),
                counters: counters(zone.name, kind: .rate)))
        }
        for zone in config.connectionLimitZones {
            let kept = reusable(zone.name, kind: .connections, key: zone.key, bytes: zone.size.bytes)
            zones.append(LimitZone(
                name: zone.name, key: zone.key, status: zone.status, rate: nil,
                table: kept?.table ?? LimitZoneTable(kind: .connections, bytes: zone.size.bytes),
                counters: counters(zone.name, kind: .connections)))
        }
        self.zones = zones
    }

    package func zone(named name: String) -> LimitZone? {
        zones.first { $0.name == name }
    }

    /// The limits of a route (`route.rateLimit ?? config.rateLimit`, the same for connections), or of requests no
    /// route takes (`route` nil: the top-level rules).
    package func limits(for route: RouteConfig?, in config: BalancerConfig) -> RouteLimits {
        var limits = RouteLimits()
        for rule in route?.rateLimit ?? config.rateLimit {
            guard let zone = zone(named: rule.zone), let rate = zone.rate else { continue }
            limits.rates.append(RouteLimits.Rate(zone: zone, bucket: LeakyBucket(rule, rate: rate)))
        }
        for rule in route?.connectionLimit ?? config.connectionLimit {
            guard let zone = zone(named: rule.zone), zone.rate == nil else { continue }
            limits.connections.append(RouteLimits.Connection(zone: zone, max: rule.max))
        }
        return limits
    }
}

/// The zones one request counts in, resolved once per configuration and route.
package struct RouteLimits: Sendable {
    package struct Rate: Sendable {
        package let zone: LimitZone
        package let bucket: LeakyBucket
    }

    package struct Connection: Sendable {
        package let zone: LimitZone
        package let max: Int
    }

    package var rates: [Rate] = []
    package var connections: [Connection] = []

    package init() {}

    package var isEmpty: Bool { rates.isEmpty && connections.isEmpty }
}
