import BalancerCore
import Foundation
import NIOSSL

/// The TLS material of one configuration: a `ListenerTLS` per TLS listener and an `UpstreamTLS` per group that
/// talks TLS. Loaded before a snapshot is built, at start and on every reload, so a file that cannot be served
/// refuses the whole config and the running one (certificates included) stays.
final class EdgeTLS: Sendable {
    /// By the listener's configured address.
    let listeners: [HostPort: ListenerTLS]
    /// By group name.
    let upstreams: [String: UpstreamTLS]

    static let none = EdgeTLS(listeners: [:], upstreams: [:])

    init(listeners: [HostPort: ListenerTLS], upstreams: [String: UpstreamTLS]) {
        self.listeners = listeners
        self.upstreams = upstreams
    }

    /// Reads every certificate, key and CA file `config` names. A listener whose settings and file contents did not
    /// change keeps its context from `previous` (and with it the session-ticket key, so resumption survives the
    /// reload). Throws every problem at once, located at the config lines that name the files.
    static func load(_ config: BalancerConfig, reusing previous: EdgeTLS? = nil) throws(ConfigErrors) -> EdgeTLS {
        var errors: [ConfigError] = []
        func fail(_ files: CertificateFiles?, _ path: String, _ message: String) {
            errors.append(ConfigError(file: config.sourcePath, line: files?.line ?? 0, keyPath: path, message: message))
        }
        var listeners: [HostPort: ListenerTLS] = [:]
        for listener in config.listen {
            guard let tls = listener.tls else { continue }
            var pairs: [CertificatePair] = []
            for files in tls.certificates {
                do {
                    let pair = try CertificatePair.load(files)
                    let findings = CertificateCheck.findings(pair.facts, now: Date())
                    for finding in findings where finding.severity == .broken {
                        fail(files, files.keyPath, "\(files.cert) and \(files.key): \(finding.message)")
                    }
                    pairs.append(pair)
                } catch {
                    fail(files, files.keyPath, error.message)
                }
            }
            guard pairs.count == tls.certificates.count, errors.isEmpty else { continue }
            if let kept = previous?.listeners[listener.address], kept.serves(tls, pairs: pairs) {
                listeners[listener.address] = kept
                continue
            }
            do {
                listeners[listener.address] = try ListenerTLS(config: tls, pairs: pairs)
            } catch {
                fail(tls.certificates.first, tls.certificates.first?.keyPath ?? "listen",
                    "the TLS context cannot be set up: \(error)")
            }
        }
        var upstreams: [String: UpstreamTLS] = [:]
        for group in config.upstreams {
            guard let tls = group.tls else { continue }
            if let kept = previous?.upstreams[group.name], kept.config == tls, tls.ca == nil {
                upstreams[group.name] = kept
                continue
            }
            do {
                upstreams[group.name] = try UpstreamTLS(config: tls)
            } catch {
                let what = tls.ca.map { "\($0) holds no readable PEM certificate: \(error)" } ?? "\(error)"
                fail(nil, "upstreams.\(group.name).tls.ca", what)
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return EdgeTLS(listeners: listeners, upstreams: upstreams)
    }
}
