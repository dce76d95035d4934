import Shared

/// `return:` of a route — nginx's `return`: `{status: 301, location: https://example.com$request_uri}` or
/// `{status: 200, body: "ok"}`. `location` may use `$host` (the request's host, without port) and `$request_uri`
/// (the target as the client sent it); nothing else is expanded.
package struct ReturnConfig: Sendable, Hashable {
    package var status: Int
    package var location: String? = nil
    package var body: String? = nil
    /// `content_type:` of `body`; `text/plain; charset=utf-8` when not given.
    package var contentType: String? = nil

    package init(status: Int, location: String? = nil, body: String? = nil, contentType: String? = nil) {
        self.status = status
        self.location = location
        self.body = body
        self.contentType = contentType
    }

    /// The statuses that send a `Location` (nginx's `return code URL`).
    package static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    package static let defaultContentType = "text/plain; charset=utf-8"
}

/// `request_headers:` of a route — nginx's `proxy_set_header`: `set` replaces (or adds) a header of the request
/// sent upstream, `remove` drops one. Framing and connection headers are refused when the file is read, so no edit
/// can change how the upstream reads the message.
package struct RequestHeaderEdits: Sendable, Hashable {
    /// In file order; names as written (sent so), at most one per name ignoring case.
    package var set: [HeaderField] = []
    /// Lower-cased names.
    package var remove: [String] = []

    package init(set: [HeaderField] = [], remove: [String] = []) {
        self.set = set
        self.remove = remove
    }

    package var isEmpty: Bool { self.set.isEmpty && remove.isEmpty }
}

/// `tls:` of an upstream group — talk TLS to its servers (nginx's `proxy_ssl_*`).
package struct UpstreamTLSConfig: Sendable, Hashable {
    /// `verify:` — check the server's certificate chain and name (`proxy_ssl_verify`); true by default, unlike
    /// nginx, because an unverified TLS connection protects against nothing but passive listeners.
    package var verify = true
    /// `ca:` — a PEM file of the authorities to trust instead of the system's (`proxy_ssl_trusted_certificate`).
    package var ca: String? = nil
    /// `server_name:` — the name sent as SNI and checked in the certificate (`proxy_ssl_name`); default: each
    /// server's host as written when it is a name, no SNI for an IP address.
    package var serverName: String? = nil

    package init(verify: Bool = true, ca: String? = nil, serverName: String? = nil) {
        self.verify = verify
        self.ca = ca
        self.serverName = serverName
    }
}

/// `unknown_host:` — what a request for a host no route names gets when there is no default server.
package enum UnknownHostStatus: String, Sendable, Hashable, CaseIterable {
    /// 421 Misdirected Request (RFC 9110 §15.5.20): this server does not serve that authority.
    case misdirected = "421"
    case notFound = "404"

    package var code: Int { self == .misdirected ? 421 : 404 }
}
