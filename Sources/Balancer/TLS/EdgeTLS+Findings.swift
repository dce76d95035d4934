import BalancerCore
import Foundation

extension EdgeTLS {
    /// One finding about the certificates of a config, located for messages.
    struct LocatedFinding: Sendable, CustomStringConvertible {
        var error: ConfigError
        var severity: CertificateFinding.Severity
        var description: String { error.description }
    }

    /// What `balancer check` reports, and start and reload log, about `config`'s certificates at `now`: expiry
    /// (past, or within 30 days), validity not yet begun, and route `hosts` no certificate of a TLS listener covers.
    func findings(for config: BalancerConfig, now: Date) -> [LocatedFinding] {
        var found: [LocatedFinding] = []
        let hosts = Array(Set(config.routes.flatMap(\.hosts))).sorted()
        for (index, listener) in config.listen.enumerated() {
            guard let tls = listeners[listener.address] else { continue }
            for pair in tls.pairs {
                for finding in CertificateCheck.findings(pair.facts, now: now) where finding.severity != .broken {
                    let message = "\(pair.files.cert) (\(pair.facts.names.joined(separator: ", "))) \(finding.message)"
                    found.append(LocatedFinding(
                        error: ConfigError(file: config.sourcePath, line: pair.files.line, keyPath: pair.files.keyPath,
                            message: message),
                        severity: finding.severity))
                }
            }
            let uncovered = CertificateCheck.uncoveredHosts(hosts, certificateNames: tls.pairs.map(\.facts.names))
            guard !uncovered.isEmpty else { continue }
            let line = listener.tls?.certificates.first?.line ?? 0
            let message = "no certificate of \(listener.address) names \(uncovered.joined(separator: ", ")), which "
                + "routes list in hosts; clients asking for them get \(tls.pairs[0].files.cert) and refuse it — add "
                + "a certificate that covers them"
            found.append(LocatedFinding(
                error: ConfigError(file: config.sourcePath, line: line, keyPath: "listen[\(index)].tls.certificates",
                    message: message),
                severity: .error))
        }
        return found
    }
}
