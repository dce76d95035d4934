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
        func make(_ name: String, _ kind: LimitZoneTable.Kind, _ key: LimitKey, _ size: Int64, status: Int,
            rate: RequestRate?) -> LimitZone
        {
            LimitZone(
                name, key: key, status: status, rate: rate,
                table: reusable(name, kind: kind, key: key, bytes: size)?.table
                    ?? LimitZoneTable(kind: kind, bytes: size),
                counters: counters(name, kind: kind))
        }
        zones = config.rateLimitZones.map { zone in
            make(zone.name, .rate, zone.key, zone.size.bytes, status: zone.status, rate: zone.rate)
        } + config.connectionLimitZones.map { zone in
            make(zone.name, .connections, zone.key, zone.size.bytes, status: zone.status, rate: nil)
        }
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
    /// One rate zone and the rule's bucket. A class, so a request takes one reference, not a copy of the zone.
    package final class Rate: Sendable {
        package let zone: LimitZone
        package let bucket: LeakyBucket

        init(zone: LimitZone, bucket: LeakyBucket) {
            (self.zone, self.bucket) = (zone, bucket)
        }
    }

    /// One connection zone and the rule's `max`.
    package final class Connection: Sendable {
        package let zone: LimitZone
        package let max: Int

        init(zone: LimitZone, max: Int) {
            (self.zone, self.max) = (zone, max)
        }
    }

    package var rates: [Rate] = []
    package var connections: [Connection] = []

    package init() {}

    package var isEmpty: Bool { rates.isEmpty && connections.isEmpty }
}
