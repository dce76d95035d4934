import BalancerCore
import NIOCore
import NIOSSL

/// The TLS side of one listener: its certificates and the BoringSSL context its connections' handshakes run on.
///
/// TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers (BoringSSL's fixed TLS 1.3 suites plus ECDHE with AES-GCM
/// or ChaCha20-Poly1305 for TLS 1.2; no DHE, which BoringSSL does not implement), X25519, P-256 and P-384 for the key
/// exchange, ALPN `http/1.1`. Resumption: session tickets encrypted with BoringSSL's own key, rotated every 48 hours
/// (the previous key still opens tickets), and a session cache for TLS 1.2 session ids.
///
/// With several certificates the handshake picks one by SNI (`CertificateSelector`); with one, there is no callback
/// and no per-handshake work beyond the handshake itself. Immutable: a reload builds a new one, or keeps this one
/// (and its ticket key) when no file changed.
final class ListenerTLS: Sendable {
    let config: ListenerTLSConfig
    let pairs: [CertificatePair]
    let selector: CertificateSelector
    let context: NIOSSLContext

    /// Mozilla's intermediate TLS 1.2 suites, in their order, without the DHE ones.
    static let intermediateCiphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    init(config: ListenerTLSConfig, pairs: [CertificatePair]) throws {
        precondition(!pairs.isEmpty, "a TLS listener has at least one certificate")
        self.config = config
        self.pairs = pairs
        let selector = CertificateSelector(names: pairs.map(\.facts.names))
        self.selector = selector
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: pairs[0].chain.map { .certificate($0) },
            privateKey: .privateKey(pairs[0].key)
        )
        tls.minimumTLSVersion = config.protocols.min() == .tls13 ? .tlsv13 : .tlsv12
        tls.maximumTLSVersion = config.protocols.max() == .tls12 ? .tlsv12 : .tlsv13
        tls.cipherSuites = Self.intermediateCiphers
        tls.curves = [.x25519, .secp256r1, .secp384r1]
        tls.applicationProtocols = ["http/1.1"]
        if pairs.count > 1 {
            // Built once: a handshake only looks up its server name and hands over the prepared override.
            let overrides = pairs.enumerated().map { index, pair in
                var override = NIOSSLContextConfigurationOverride()
                guard index > 0 else { return override }
                override.certificateChain = pair.chain.map { .certificate($0) }
                override.privateKey = .privateKey(pair.key)
                return override
            }
            tls.sslContextCallback = { values, promise in
                promise.succeed(overrides[selector.select(serverName: values.serverHostname)])
            }
        }
        context = try NIOSSLContext(configuration: tls)
    }

    /// Whether this context serves exactly `config` from files with these contents (a reload may keep it).
    func serves(_ config: ListenerTLSConfig, pairs: [CertificatePair]) -> Bool {
        self.config == config && self.pairs.map(\.digest) == pairs.map(\.digest)
    }
}
