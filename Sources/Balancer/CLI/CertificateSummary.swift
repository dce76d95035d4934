import BalancerCore
import Foundation

/// One line per served certificate for `balancer check`:
/// `listen[1] 0.0.0.0:443: example.com, www.example.com (ECDSA P-256, fullchain.pem) expires 2026-03-01T12:00:00Z`.
enum CertificateSummary {
    static func lines(config: BalancerConfig, tls: EdgeTLS) -> [String] {
        config.listen.enumerated().flatMap { index, listener -> [String] in
            guard let served = tls.listeners[listener.address] else { return [] }
            return served.pairs.map { pair in
                "listen[\(index)] \(listener.address): \(pair.facts.names.joined(separator: ", ")) "
                    + "(\(pair.facts.keyType), \(pair.files.cert)) expires "
                    + CertificateCheck.timestamp(pair.facts.notAfter)
            }
        }
    }
}
