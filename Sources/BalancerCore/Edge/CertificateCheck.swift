import Foundation
import Shared

/// What was read from one `{cert:, key:}` pair: the names the certificate is valid for, its validity period and
/// whether the key belongs to it. The runtime reads the files; the verdicts below are decided from these values
/// alone, with the time passed in.
package struct CertificateFacts: Sendable, Equatable {
    /// DNS names of the subject alternative names (the common name when there are none), lower-cased.
    package var names: [String]
    package var notBefore: Date
    package var notAfter: Date
    package var keyMatches: Bool
    /// `ECDSA P-256`, `RSA 2048`, for messages and the status page.
    package var keyType: String

    package init(names: [String], notBefore: Date, notAfter: Date, keyMatches: Bool, keyType: String) {
        self.names = names
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.keyMatches = keyMatches
        self.keyType = keyType
    }
}

/// One problem `balancer check` (and start and reload) report about a certificate.
package struct CertificateFinding: Sendable, Equatable, CustomStringConvertible {
    package enum Severity: Sendable, Equatable {
        /// The pair cannot be served at all (wrong key): start and reload refuse it.
        case broken
        /// Served, but clients will refuse it (expired, not yet valid, a host it does not name): `check` fails,
        /// start and reload log it. A server that refused to start on an expired certificate could not answer the
        /// ACME challenge that renews it.
        case error
        /// `check` passes and prints it: the certificate expires within `CertificateCheck.warningWindow`.
        case warning
    }

    package var severity: Severity
    package var message: String

    package init(_ severity: Severity, _ message: String) {
        self.severity = severity
        self.message = message
    }

    package var description: String { message }
}

/// The verdicts on certificates, from `CertificateFacts` and an injected "now".
package enum CertificateCheck {
    /// How long before expiry `check` starts warning (certbot renews 30 days ahead).
    package static let warningWindow: TimeInterval = 30 * 86_400

    /// The problems of one certificate at `now`.
    package static func findings(_ facts: CertificateFacts, now: Date) -> [CertificateFinding] {
        var findings: [CertificateFinding] = []
        if !facts.keyMatches {
            findings.append(CertificateFinding(.broken, "the key does not belong to the certificate; pair each "
                + "certificate with its own private key"))
        }
        let expiry = timestamp(facts.notAfter)
        if facts.notAfter <= now {
            findings.append(CertificateFinding(.error, "expired at \(expiry); renew it (clients refuse it)"))
        } else if facts.notBefore > now {
            let start = timestamp(facts.notBefore)
            findings.append(
                CertificateFinding(.error, "is not valid before \(start); check the clock or the certificate"))
        } else if facts.notAfter.timeIntervalSince(now) < warningWindow {
            let days = Int(facts.notAfter.timeIntervalSince(now) / 86_400)
            let plural = days == 1 ? "" : "s"
            findings.append(CertificateFinding(.warning, "expires at \(expiry) (in \(days) day\(plural)); renew it"))
        }
        return findings
    }

    /// `2026-03-01T12:00:00Z`
    package static func timestamp(_ date: Date) -> String {
        ISO8601Timestamp.secondsPrefix(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down))) + "Z"
    }

    /// The route `hosts` no certificate of a TLS listener covers (a client asking for them would get the first
    /// certificate and refuse it). A `*.` host is covered by the same wildcard only.
    package static func uncoveredHosts(_ hosts: [String], certificateNames: [[String]]) -> [String] {
        let selector = CertificateSelector(names: certificateNames)
        let wildcards = Set(certificateNames.joined().map { $0.lowercased() }.filter { $0.hasPrefix("*.") })
        return hosts.filter { host in
            host.hasPrefix("*.") ? !wildcards.contains(host) : selector.covering(Substring(host)) == nil
        }
    }
}
