import NIOHTTP1

/// The decision of a `redirect_to_https` listener for one request: send it to `https://` the same host and target
/// (301 for GET and HEAD; 308 otherwise, which keeps the method and body), or route it as usual when its path
/// starts with an exempt prefix (ACME http-01 challenges).
package struct HTTPSRedirect: Sendable, Hashable {
    package enum Decision: Equatable {
        case redirect(LocalAnswer)
        /// Route as usual (an exempt path).
        case exempt
        /// No host to redirect to (an HTTP/1.0 request without `Host`).
        case noHost
    }

    /// Path prefixes routed as usual.
    package var exempt: [String]
    /// The port of the HTTPS listener; left out of the URL when it is 443.
    package var httpsPort: Int

    package init(exempt: [String], httpsPort: Int) {
        self.exempt = exempt
        self.httpsPort = httpsPort
    }

    /// - Parameters:
    ///   - host: the request's host without port (`HostRouter.normalizedHost`), nil when it sent none.
    ///   - requestURI: the target as the client sent it (origin-form); `path` the normalised path it is routed on.
    package func decide(method: HTTPMethod, host: Substring?, requestURI: String, path: Substring) -> Decision {
        if exempt.contains(where: { path.hasPrefix($0) }) { return .exempt }
        guard let host, !host.isEmpty else { return .noHost }
        let port = httpsPort == 443 ? "" : ":\(httpsPort)"
        let status = method.isGETOrHEAD ? 301 : 308
        return .redirect(LocalAnswer(status: status, location: "https://\(host)\(port)\(requestURI)"))
    }
}
