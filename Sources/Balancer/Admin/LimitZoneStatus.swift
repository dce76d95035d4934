import BalancerCore

/// One rate or connection zone as `/status.json` and `/metrics` show it: what it counts, how full it is and what it
/// has refused or delayed since start. The figures that change are read once, when the report is made.
struct LimitZoneStatus: Sendable {
    let zone: LimitZone
    /// Keys whose state matters now: buckets not yet drained, or requests in progress.
    let keys: Int
    /// `size:` as configured; the table's memory (`memoryBytes`) is never more.
    let sizeBytes: Int64
    let limited: Int
    let delayed: Int

    /// Reads `zone` now (its whole table: for the admin side only).
    init(_ zone: LimitZone, sizeBytes: Int64, now: Int64) {
        self.zone = zone
        self.sizeBytes = sizeBytes
        keys = zone.table.liveKeys(now: now)
        limited = zone.counters.limited.load(ordering: .relaxed)
        delayed = zone.counters.delayed.load(ordering: .relaxed)
    }

    var name: String { zone.name }
    /// `rate` or `connections`.
    var kind: String { zone.table.kind == .rate ? "rate" : "connections" }
    /// Keys the zone can hold.
    var capacity: Int { zone.table.capacity }
    var memoryBytes: Int { zone.table.memoryBytes }

    /// Every zone of `snapshot`, in config order.
    static func all(in snapshot: ProxySnapshot, now: Int64) -> [LimitZoneStatus] {
        let config = snapshot.config
        return snapshot.limitZones.zones.map { zone in
            let size = config.rateLimitZones.first { $0.name == zone.name }?.size.bytes
                ?? config.connectionLimitZones.first { $0.name == zone.name }?.size.bytes ?? 0
            return LimitZoneStatus(zone, sizeBytes: size, now: now)
        }
    }
}
