/// A response the balancer answers with from its configuration rather than from an upstream: a `return` route, or
/// the redirect of a `redirect_to_https` listener.
package struct LocalAnswer: Sendable, Hashable {
    package var status: Int
    /// `Location`, for the redirect statuses.
    package var location: String?
    package var body: String
    /// `Content-Type` of a non-empty body.
    package var contentType: String?

    package init(status: Int, location: String? = nil, body: String = "", contentType: String? = nil) {
        self.status = status
        self.location = location
        self.body = body
        self.contentType = contentType
    }
}

extension ReturnConfig {
    /// The answer to one request: `$scheme`, `$host` and `$request_uri` in `location` replaced by the request's.
    /// `host` is the request's host without port (see `HostRouter.normalizedHost`); nil when it sent none, in which
    /// case `$host` expands to nothing, as nginx's `$host` with no `server_name`.
    package func answer(scheme: String, host: Substring?, requestURI: String) -> LocalAnswer {
        LocalAnswer(
            status: status,
            location: location.map { Self.expand($0, scheme: scheme, host: host, requestURI: requestURI) },
            body: body ?? "",
            contentType: body == nil ? nil : contentType ?? Self.defaultContentType
        )
    }

    private static func expand(_ template: String, scheme: String, host: Substring?, requestURI: String) -> String {
        guard template.contains("$") else { return template }
        // `$request_uri` first: `$host` is not a prefix of it, but replacing the longer name first is the safe order.
        return template
            .replacingAll("$request_uri", with: requestURI)
            .replacingAll("$scheme", with: scheme)
            .replacingAll("$host", with: String(host ?? ""))
    }
}

extension String {
    /// Every occurrence of `target` replaced, scanning left to right without re-reading what was inserted.
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
