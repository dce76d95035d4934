import Shared

/// One entry of `listen:`: a plain address (`0.0.0.0:80`) or a mapping that adds what the listener does with its
/// connections: `{address: 0.0.0.0:443, tls: {...}}` terminates TLS, `{address: 0.0.0.0:80, redirect_to_https:
/// true}` answers plain HTTP with a redirect to HTTPS.
///
/// Everything but the address and `reuseport` applies per snapshot: a reload that keeps the address keeps the
/// listening sockets and applies the new settings to connections accepted from then on. A reload that flips
/// `reuseport` opens the new sockets beside the old ones, then closes the old (`ReloadPlan.listenersToRebind`).
package struct ListenerConfig: Sendable, Hashable, CustomStringConvertible {
    package var address: HostPort
    /// `tls:` — terminate TLS on this listener; nil = plain HTTP.
    package var tls: ListenerTLSConfig? = nil
    /// `redirect_to_https: true` — answer every request whose path is not in `redirectExempt` with a redirect to
    /// `https://` the same host and target (301 for GET and HEAD, 308 otherwise, as nginx's `return 301` users
    /// upgrade to keep the method).
    package var redirectToHTTPS = false
    /// `redirect_exempt:` — path prefixes routed as usual on a redirecting listener (ACME http-01 challenges must
    /// be answered over plain HTTP).
    package var redirectExempt: [String] = ListenerConfig.defaultRedirectExempt
    /// `https_port:` — the port clients reach HTTPS on, when it is not the TLS listener's own (a load balancer or
    /// a Kubernetes Service maps 443 to 8443); nil = `BalancerConfig.httpsPort`.
    package var httpsPort: Int? = nil
    /// `proxy_protocol: true` — every connection starts with a PROXY protocol header (v1 or v2); one without is
    /// closed.
    package var proxyProtocol = false
    /// `reuseport: true` — nginx's `listen ... reuseport`: one listening socket per event loop (`SO_REUSEPORT`),
    /// so the kernel spreads new connections over the loops and each is served on the loop that accepted it.
    /// Off (nginx's default): one socket, accepted on one loop and handed to the others in turn.
    package var reuseport = false

    package static let defaultRedirectExempt = ["/.well-known/acme-challenge/"]

    package init(
        address: HostPort, tls: ListenerTLSConfig? = nil, redirectToHTTPS: Bool = false, proxyProtocol: Bool = false,
        reuseport: Bool = false
    ) {
        self.address = address
        self.tls = tls
        self.redirectToHTTPS = redirectToHTTPS
        self.proxyProtocol = proxyProtocol
        self.reuseport = reuseport
    }

    package var description: String { address.description }
}

/// `listen[].tls:` — the certificates a TLS listener serves and how it talks TLS.
package struct ListenerTLSConfig: Sendable, Hashable {
    /// In file order; the first is served to clients that send no name (or a name no certificate covers).
    package var certificates: [CertificateFiles]
    /// `hsts:` — `Strict-Transport-Security` on every response of this listener; nil = not sent.
    package var hsts: HSTSConfig? = nil
    /// `protocols:` — nginx's `ssl_protocols`, restricted to the versions without known weaknesses.
    package var protocols: Set<TLSProtocolVersion> = [.tls12, .tls13]

    package init(certificates: [CertificateFiles], hsts: HSTSConfig? = nil) {
        self.certificates = certificates
        self.hsts = hsts
    }
}

/// One `{cert: fullchain.pem, key: key.pem}` pair: PEM files, the certificate chain leaf first.
///
/// `keyPath` and `line` say where the pair was written, for messages about the files; they are not part of the
/// value, so moving a listener in the file is no change to a reload.
package struct CertificateFiles: Sendable, Hashable {
    package var cert: String
    package var key: String
    /// `listen[1].tls.certificates[0]`.
    package var keyPath: String = ""
    package var line: Int = 0

    package init(cert: String, key: String, keyPath: String = "", line: Int = 0) {
        self.cert = cert
        self.key = key
        self.keyPath = keyPath
        self.line = line
    }

    package static func == (a: CertificateFiles, b: CertificateFiles) -> Bool { a.cert == b.cert && a.key == b.key }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(cert)
        hasher.combine(key)
    }
}

/// `hsts: 1y` or `hsts: {max_age: 1y, include_subdomains: true, preload: true}`.
package struct HSTSConfig: Sendable, Hashable {
    package var maxAge: NginxDuration
    package var includeSubdomains = false
    package var preload = false

    package init(maxAge: NginxDuration, includeSubdomains: Bool = false, preload: Bool = false) {
        self.maxAge = maxAge
        self.includeSubdomains = includeSubdomains
        self.preload = preload
    }

    /// `max-age=31536000; includeSubDomains; preload`
    package var headerValue: String {
        var value = "max-age=\(maxAge.seconds)"
        if includeSubdomains { value += "; includeSubDomains" }
        if preload { value += "; preload" }
        return value
    }
}

/// The TLS versions a listener may offer; older ones are not offered at all (Mozilla's "intermediate" profile).
package enum TLSProtocolVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"

    package static func < (a: TLSProtocolVersion, b: TLSProtocolVersion) -> Bool { a == .tls12 && b == .tls13 }
}

extension BalancerConfig {
    /// The addresses of `listen`, in file order.
    package var listenAddresses: [HostPort] { listen.map(\.address) }

    /// The listeners that terminate TLS.
    package var tlsListeners: [ListenerConfig] { listen.filter { $0.tls != nil } }
}
