import Shared

/// Reading of `listen:` — the public listeners, each a plain address or a mapping of what it does.
extension ConfigReader {
    package static let listenerKeys = [
        "address", "tls", "redirect_to_https", "redirect_exempt", "https_port", "proxy_protocol", "reuseport",
    ]
    package static let listenerTLSKeys = ["certificates", "hsts", "protocols"]
    package static let certificateKeys = ["cert", "key"]
    package static let hstsKeys = ["max_age", "include_subdomains", "preload"]

    /// `listen:` — one listener or a list; two entries that would bind the same socket are refused.
    package mutating func readListen(_ node: ConfigNode) -> [ListenerConfig] {
        let entries: [ConfigNode]
        if case .mapping = node.node {
            entries = [node]
        } else {
            entries = items(
                node, expected: "host:port, {address: host:port, ...} or a list of them",
                ifEmpty: "list at least one host:port to accept connections on, e.g. [0.0.0.0:80]")
        }
        var listeners: [(listener: ListenerConfig, path: String)] = []
        for item in entries {
            guard let listener = readListener(item) else { continue }
            let address = listener.address
            if let earlier = listeners.first(where: { $0.listener.address.overlaps(address) }) {
                report(item, "\(address) binds the same port as \(earlier.path) (\(earlier.listener.address)); "
                    + "remove one")
            } else {
                listeners.append((listener, item.path))
            }
        }
        return listeners.map(\.listener)
    }

    /// One entry of `listen:`: `host:port`, or `{address: host:port, tls: {...}}`, or
    /// `{address: host:port, redirect_to_https: true}`, and `proxy_protocol: true` or `reuseport: true` on any of
    /// them (nginx's `listen 80 proxy_protocol reuseport;`).
    package mutating func readListener(_ node: ConfigNode) -> ListenerConfig? {
        guard case .mapping = node.node else { return address(node).map { ListenerConfig(address: $0) } }
        guard let map = mapping(node, allowed: Self.listenerKeys),
            let addressNode = required(map, "address", hint: "add e.g. address: 0.0.0.0:443"),
            let address = address(addressNode)
        else { return nil }
        var listener = ListenerConfig(address: address)
        var failed = false
        if let tlsNode = map["tls"] {
            listener.tls = readListenerTLS(tlsNode)
            failed = listener.tls == nil
        }
        if let redirectNode = map["redirect_to_https"] {
            guard let redirect = bool(redirectNode) else { return nil }
            if redirect && map["tls"] != nil {
                report(redirectNode, "a TLS listener already serves HTTPS; set redirect_to_https on the plain "
                    + "HTTP listener (e.g. {address: 0.0.0.0:80, redirect_to_https: true})")
                failed = true
            }
            listener.redirectToHTTPS = redirect
        }
        if let exemptNode = map["redirect_exempt"] {
            if !listener.redirectToHTTPS {
                report(exemptNode, "only applies with redirect_to_https: true; add that or remove redirect_exempt")
                failed = true
            }
            let entries = items(exemptNode, expected: "a list of path prefixes such as [/.well-known/acme-challenge/]",
                ifEmpty: "list at least one path prefix, or remove redirect_exempt to exempt none")
            let paths = entries.compactMap { routePath($0) }
            failed = failed || paths.count != entries.count
            listener.redirectExempt = paths
        }
        if let portNode = map["https_port"] {
            if !listener.redirectToHTTPS {
                report(portNode, "only applies with redirect_to_https: true; add that or remove https_port")
                failed = true
            }
            listener.httpsPort = int(portNode, in: 1...65535)
            failed = failed || listener.httpsPort == nil
        }
        if let proxyNode = map["proxy_protocol"] {
            guard let value = bool(proxyNode) else { return nil }
            listener.proxyProtocol = value
        }
        if let reuseportNode = map["reuseport"] {
            guard let value = bool(reuseportNode) else { return nil }
            listener.reuseport = value
        }
        return failed ? nil : listener
    }

    /// `tls:` of a listener. Returns nil when it has errors.
    package mutating func readListenerTLS(_ node: ConfigNode) -> ListenerTLSConfig? {
        guard let map = mapping(node, allowed: Self.listenerTLSKeys) else { return nil }
        let hint = "list the certificate files, e.g. certificates: [{cert: fullchain.pem, key: privkey.pem}]"
        guard let certificatesNode = required(map, "certificates", hint: hint) else { return nil }
        let entries = items(certificatesNode, expected: "a list of {cert: file, key: file}",
            ifEmpty: "list at least one {cert: fullchain.pem, key: privkey.pem}")
        let certificates = entries.compactMap { readCertificateFiles($0) }
        var failed = certificates.count != entries.count || entries.isEmpty
        var tls = ListenerTLSConfig(certificates: certificates)
        if let hstsNode = map["hsts"] {
            tls.hsts = readHSTS(hstsNode)
            failed = failed || tls.hsts == nil
        }
        if let protocolsNode = map["protocols"] {
            let versions = items(protocolsNode, expected: "a list of TLSv1.2 and TLSv1.3",
                ifEmpty: "list TLSv1.2, TLSv1.3 or both")
            let chosen = versions.compactMap { version -> TLSProtocolVersion? in
                guard let text = version.scalarText, let value = TLSProtocolVersion(rawValue: text) else {
                    report(version, "expected TLSv1.2 or TLSv1.3, got \(version.valueDescription); older versions "
                        + "have known weaknesses and are not offered")
                    return nil
                }
                return value
            }
            failed = failed || chosen.count != versions.count || chosen.isEmpty
            tls.protocols = Set(chosen)
        }
        return failed ? nil : tls
    }

    /// `{cert: fullchain.pem, key: privkey.pem}`; the files themselves are read when the listener is set up.
    package mutating func readCertificateFiles(_ node: ConfigNode) -> CertificateFiles? {
        guard let map = mapping(node, allowed: Self.certificateKeys) else { return nil }
        let cert = required(map, "cert", hint: "name the PEM file with the certificate chain, leaf first")
            .flatMap { nonEmptyText($0, expected: "a file path") }
        let key = required(map, "key", hint: "name the PEM file with the certificate's private key")
            .flatMap { nonEmptyText($0, expected: "a file path") }
        guard let cert, let key else { return nil }
        return CertificateFiles(cert: cert, key: key, keyPath: node.path, line: node.line)
    }

    /// `hsts: 1y` or `hsts: {max_age: 1y, include_subdomains: true, preload: true}`.
    package mutating func readHSTS(_ node: ConfigNode) -> HSTSConfig? {
        guard case .mapping = node.node else {
            return duration(node, .nonNegative).map { HSTSConfig(maxAge: $0) }
        }
        guard let map = mapping(node, allowed: Self.hstsKeys),
            let maxAge = required(map, "max_age", hint: "say how long browsers keep to HTTPS, e.g. max_age: 1y")
                .flatMap({ duration($0, .nonNegative) })
        else { return nil }
        var hsts = HSTSConfig(maxAge: maxAge)
        if let value = map["include_subdomains"].flatMap({ bool($0) }) { hsts.includeSubdomains = value }
        if let value = map["preload"].flatMap({ bool($0) }) { hsts.preload = value }
        return hsts
    }
}
