import BalancerCore
/// Renders a `StatusReport` in the Prometheus text exposition format 0.0.4. A pure function: the names, labels
/// and escaping are tested by parsing the output with Prometheus' own client parser.
enum PrometheusWriter {
    /// The `Content-Type` scrapers expect for this format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ report: StatusReport) -> String {
        var out = ""
        let servers = report.upstreams.flatMap { group in group.servers.map { (group.name, $0) } }
        func labels(_ group: String, _ server: ServerStatus) -> String {
            "upstream=\"\(escape(group))\",server=\"\(escape(server.address))\""
        }
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }

        family("balancer_requests_total", "counter", "Requests answered, by status class (local answers included).")
        for index in 1...5 {
            out += "balancer_requests_total{code=\"\(MetricsSnapshot.classLabel(index))\"} "
                + "\(report.metrics.requestsByClass[index])\n"
        }
        family("balancer_bytes_sent_total", "counter", "Response body bytes sent to clients.")
        out += "balancer_bytes_sent_total \(report.metrics.bytesSent)\n"
        family("balancer_client_connections", "gauge", "Client connections open now.")
        out += "balancer_client_connections{state=\"active\"} \(report.connections.active)\n"
        family("balancer_client_connections_accepted_total", "counter", "Client connections accepted since start.")
        out += "balancer_client_connections_accepted_total \(report.connections.accepted)\n"
        family(
            "balancer_client_connections_refused_total", "counter",
            "Client connections closed at once because an event loop was at limits.max_connections.")
        out += "balancer_client_connections_refused_total \(report.connections.refused)\n"
        family(
            "balancer_proxy_protocol_refused_total", "counter",
            "Connections closed on a proxy_protocol listener for a missing, malformed or late PROXY header.")
        out += "balancer_proxy_protocol_refused_total \(report.connections.proxyProtocolRefused)\n"
        writeLimitZones(report.limitZones, into: &out)
        family("balancer_reloads_total", "counter", "Configuration reloads, by outcome.")
        out += "balancer_reloads_total{result=\"applied\"} \(report.reloads.reloadsApplied)\n"
        out += "balancer_reloads_total{result=\"refused\"} \(report.reloads.reloadsRefused)\n"
        family("balancer_config_generation", "gauge", "Generation of the running configuration (1 at start).")
        out += "balancer_config_generation \(report.reloads.generation)\n"

        family("balancer_upstream_requests_total", "counter", "Requests answered by an upstream server, by status class.")
        for (group, server) in servers {
            for index in 1...5 {
                out += "balancer_upstream_requests_total{\(labels(group, server)),code=\"\(MetricsSnapshot.classLabel(index))\"} "
                    + "\(server.counts.byClass[index])\n"
            }
        }
        family("balancer_upstream_response_seconds", "histogram", "Time from request start to response end.")
        for (group, server) in servers {
            var cumulative = 0
            for (index, bound) in LatencyBuckets.bounds.enumerated() {
                cumulative += server.counts.buckets[index]
                out += "balancer_upstream_response_seconds_bucket{\(labels(group, server)),le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += server.counts.buckets[LatencyBuckets.bounds.count]
            out += "balancer_upstream_response_seconds_bucket{\(labels(group, server)),le=\"+Inf\"} \(cumulative)\n"
            out += "balancer_upstream_response_seconds_sum{\(labels(group, server))} "
                + "\(Double(server.counts.sumNanoseconds) / 1e9)\n"
            out += "balancer_upstream_response_seconds_count{\(labels(group, server))} \(cumulative)\n"
        }
        /// A family with one sample per server.
        func perServer(_ name: String, _ type: String, _ help: String, _ value: (ServerStatus) -> Int) {
            family(name, type, help)
            for (group, server) in servers { out += "\(name){\(labels(group, server))} \(value(server))\n" }
        }
        perServer("balancer_upstream_in_flight", "gauge", "Requests in flight to the server.") { $0.counters.active }
        perServer("balancer_upstream_server_up", "gauge", "1 when the server takes traffic (up or trial), else 0.") {
            $0.state == .up || $0.state == .trial ? 1 : 0
        }
        perServer("balancer_upstream_failures_total", "counter", "Failed attempts (connect errors, timeouts, 50x).") {
            $0.counters.failures
        }
        perServer("balancer_upstream_ejections_total", "counter", "Times the server was taken out of rotation.") {
            $0.ejections
        }
        perServer("balancer_upstream_recoveries_total", "counter", "Times the server came back into rotation.") {
            $0.recoveries
        }
        family("balancer_health_checks_total", "counter", "Active health checks, by result.")
        for (group, server) in servers {
            out += "balancer_health_checks_total{\(labels(group, server)),result=\"pass\"} \(server.tally.passed)\n"
            out += "balancer_health_checks_total{\(labels(group, server)),result=\"fail\"} \(server.tally.failed)\n"
        }
        family(
            "balancer_tls_certificate_expiry_timestamp_seconds", "gauge",
            "When a served certificate expires (Unix time); alert on it minus time().")
        for certificate in report.certificates {
            out += "balancer_tls_certificate_expiry_timestamp_seconds{listener=\"\(escape(certificate.listener))\","
                + "cert=\"\(escape(certificate.cert))\",names=\"\(escape(certificate.names.joined(separator: ",")))\"} "
                + "\(certificate.notAfterSeconds)\n"
        }
        return out
    }

    /// The rate and connection zones: requests refused and delayed, keys held, memory.
    private static func writeLimitZones(_ zones: [LimitZoneStatus], into out: inout String) {
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("balancer_limit_requests_total", "counter", "Requests a rate or connection zone refused or delayed.")
        for zone in zones {
            out += "balancer_limit_requests_total{zone=\"\(escape(zone.name))\",result=\"limited\"} \(zone.limited)\n"
            out += "balancer_limit_requests_total{zone=\"\(escape(zone.name))\",result=\"delayed\"} \(zone.delayed)\n"
        }
        family("balancer_limit_zone_keys", "gauge", "Keys whose state a zone holds now (undrained buckets, requests in progress).")
        for zone in zones { out += "balancer_limit_zone_keys{zone=\"\(escape(zone.name))\"} \(zone.keys)\n" }
        family("balancer_limit_zone_capacity_keys", "gauge", "Keys a zone can hold.")
        for zone in zones { out += "balancer_limit_zone_capacity_keys{zone=\"\(escape(zone.name))\"} \(zone.capacity)\n" }
        family("balancer_limit_zone_memory_bytes", "gauge", "Memory a zone's table takes (at most its size).")
        for zone in zones { out += "balancer_limit_zone_memory_bytes{zone=\"\(escape(zone.name))\"} \(zone.memoryBytes)\n" }
    }

    /// Label values escape backslash, double quote and line feed, as the format requires.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
