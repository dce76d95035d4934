import BalancerCore
import Shared

/// One certificate a TLS listener serves, as `/status.json` and `/metrics` show it: where, which names, which key,
/// and until when.
struct CertificateStatus: Sendable, Equatable {
    var listener: String
    var cert: String
    var names: [String]
    var keyType: String
    /// Expiry, in whole seconds since the Unix epoch.
    var notAfterSeconds: Int64

    /// Every certificate of `snapshot`'s TLS listeners, in config order.
    static func all(in snapshot: ProxySnapshot) -> [CertificateStatus] {
        snapshot.config.listen.flatMap { listener -> [CertificateStatus] in
            guard let tls = snapshot.tls.listeners[listener.address] else { return [] }
            return tls.pairs.map { pair in
                CertificateStatus(
                    listener: listener.address.description,
                    cert: pair.files.cert,
                    names: pair.facts.names,
                    keyType: pair.facts.keyType,
                    notAfterSeconds: Int64(pair.facts.notAfter.timeIntervalSince1970.rounded(.down)))
            }
        }
    }

    var json: JSONValue {
        .object([
            ("listener", .string(listener)),
            ("cert", .string(cert)),
            ("names", .array(names.map(JSONValue.string))),
            ("key_type", .string(keyType)),
            ("not_after", .string(ISO8601Timestamp.secondsPrefix(epochSeconds: notAfterSeconds) + "Z")),
        ])
    }
}
