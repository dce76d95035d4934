/// What a listener does with the requests of its connections, decided once per listener and snapshot: whether the
/// connection is TLS (`X-Forwarded-Proto`, `$scheme`), whether plain HTTP is redirected to HTTPS, and whether
/// responses carry `Strict-Transport-Security`.
package struct ListenerEdge: Sendable, Hashable {
    package var isTLS: Bool
    package var redirect: HTTPSRedirect?
    /// Only on a TLS listener: a browser ignores the header over plain HTTP (RFC 6797 §8.1), and sending it there
    /// would let anyone on the path pin or unpin a host.
    package var strictTransportSecurity: HeaderField?

    /// A plain HTTP listener that does nothing special.
    package static let plain = ListenerEdge(isTLS: false, redirect: nil, strictTransportSecurity: nil)

    package init(isTLS: Bool, redirect: HTTPSRedirect?, strictTransportSecurity: HeaderField?) {
        self.isTLS = isTLS
        self.redirect = redirect
        self.strictTransportSecurity = strictTransportSecurity
    }

    /// `httpsPort`: where redirects send clients (`BalancerConfig.httpsPort`).
    package init(_ listener: ListenerConfig, httpsPort: Int) {
        isTLS = listener.tls != nil
        redirect = listener.redirectToHTTPS && !isTLS
            ? HTTPSRedirect(exempt: listener.redirectExempt, httpsPort: listener.httpsPort ?? httpsPort) : nil
        strictTransportSecurity = isTLS
            ? listener.tls?.hsts.map { HeaderField(name: "Strict-Transport-Security", value: $0.headerValue) } : nil
    }

    package var scheme: String { isTLS ? "https" : "http" }
}

extension BalancerConfig {
    /// The port `redirect_to_https` sends clients to: the first TLS listener's, else 443 (TLS terminated in front).
    package var httpsPort: Int { tlsListeners.first?.address.port ?? 443 }
}
