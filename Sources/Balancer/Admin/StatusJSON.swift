import BalancerCore
import Shared

/// Renders a `StatusReport` as the `/status.json` document (the contract documented in the README).
enum StatusJSON {
    static func render(_ report: StatusReport) -> String {
        document(report).rendered
    }

    static func document(_ report: StatusReport) -> JSONValue {
        .object([
            ("version", .string(report.origin.version)),
            ("uptime_seconds", .double(report.origin.uptimeSeconds)),
            ("generated_at", .string(ISO8601Timestamp.format(report.origin.generatedAt))),
            ("config", .object([
                ("generation", .int(report.reloads.generation)),
                ("loaded_at", .string(ISO8601Timestamp.format(report.reloads.loadedAtWallClock))),
                ("reloads_applied", .int(report.reloads.reloadsApplied)),
                ("reloads_refused", .int(report.reloads.reloadsRefused)),
                ("last_refused_reason", .optional(report.reloads.lastRefusedReason)),
            ])),
            ("connections", .object([
                ("active", .int(report.connections.active)),
                ("accepted", .int(report.connections.accepted)),
                ("refused", .int(report.connections.refused)),
                ("proxy_protocol_refused", .int(report.connections.proxyProtocolRefused)),
            ])),
            ("requests", .object([
                ("total", .int(report.metrics.totalRequests)),
                ("per_second", .double(report.requestsPerSecond)),
            ])),
            ("upstreams", .object(report.upstreams.map { group in
                (group.name, .object([("servers", .array(group.servers.map(server)))]))
            })),
            ("limit_zones", .object(report.limitZones.map { (zone: LimitZoneStatus) in (zone.name, limitZone(zone)) })),
            ("tls", .object([("certificates", .array(report.certificates.map(\.json)))])),
        ])
    }

    static func limitZone(_ zone: LimitZoneStatus) -> JSONValue {
        .object([
            ("kind", .string(zone.kind)),
            ("key", .string(zone.zone.key.description)),
            ("rate", .optional(zone.zone.rate?.description)),
            ("keys", .int(zone.keys)),
            ("capacity", .int(zone.capacity)),
            ("memory_bytes", .int(zone.memoryBytes)),
            ("size_bytes", .int(Int(zone.sizeBytes))),
            ("limited", .int(zone.limited)),
            ("delayed", .int(zone.delayed)),
        ])
    }

    /// Active checks' verdict in the status contract's words.
    static func checks(_ verdict: ActiveHealthStateMachine.State) -> String {
        switch verdict {
        case .unchecked: "unchecked"
        case .healthy: "healthy"
        case .unhealthy: "unhealthy"
        }
    }

    static func server(_ status: ServerStatus) -> JSONValue {
        var responses: [(String, JSONValue)] = []
        for index in 1...5 { responses.append((MetricsSnapshot.classLabel(index), .int(status.counts.byClass[index]))) }
        return .object([
            ("address", .string(status.address)),
            ("state", .string(status.state.rawValue)),
            ("active", .int(status.counters.active)),
            ("requests", .int(status.counters.requests)),
            ("failures", .int(status.counters.failures)),
            ("instance_id", .optional(status.lastCheck?.instanceID)),
            ("weight", .int(status.weight)),
            ("backup", .bool(status.backup)),
            ("checks", .string(checks(status.checks))),
            ("ejected_until", .optional(status.ejectedUntil.map(ISO8601Timestamp.format))),
            ("ejection_reason", .optional(status.ejectionReason)),
            ("ejections", .int(status.ejections)),
            ("recoveries", .int(status.recoveries)),
            ("last_failure", status.lastFailure.map { failure in
                .object([("reason", .string(failure.reason)), ("time", .string(ISO8601Timestamp.format(failure.time)))])
            } ?? .null),
            ("last_attempt", .optional(status.lastAttempt?.rawValue)),
            ("last_answer_at", .optional(status.lastAnsweredAt.map(ISO8601Timestamp.format))),
            ("last_check", status.lastCheck.map { check in
                .object([
                    ("time", .optional(status.lastCheckAt.map(ISO8601Timestamp.format))),
                    ("latency_ms", .double(Double(check.latencyNanoseconds) / 1e6)),
                    ("status", check.status.map(JSONValue.int) ?? .null),
                    ("instance_id", .optional(check.instanceID)),
                    ("passed", .bool(check.passed)),
                    ("failure", .optional(check.failure)),
                ])
            } ?? .null),
            ("requests_per_second", .double(status.requestsPerSecond)),
            ("p50_ms", .optional(status.p50Milliseconds)),
            ("p99_ms", .optional(status.p99Milliseconds)),
            ("responses", .object(responses)),
            ("history", .object([
                ("interval_seconds", .int(5)),
                ("requests_per_second", .array(status.history.map(JSONValue.double))),
            ])),
        ])
    }
}
