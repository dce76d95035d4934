import Shared

/// Reading of what a route adds at the edge: `hosts:` (virtual hosts), `return:` (local answers) and
/// `request_headers:` (edits of the head sent upstream), and the top-level `unknown_host:`.
extension ConfigReader {
    package static let returnKeys = ["status", "location", "body", "content_type"]
    package static let requestHeaderKeys = ["set", "remove"]
    /// What `$…` a `return.location` may use.
    package static let returnVariables = ["$scheme", "$host", "$request_uri"]

    /// `hosts:` — names as nginx's `server_name` takes them: `example.com` or `*.example.com`, lower-cased.
    package mutating func readRouteHosts(_ node: ConfigNode) -> [String] {
        let items = items(node, expected: "a list of host names such as [example.com, \"*.example.com\"]",
            ifEmpty: "list at least one host name, or remove hosts to make the route part of the default server")
        var hosts: [String] = []
        for item in items {
            guard let text = text(item, expected: "a host name such as example.com") else { return [] }
            let name = text.lowercased()
            let bare = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
            guard case .success = HostPort.parse("\(bare):1"), !bare.contains("*"), !bare.hasSuffix(".") else {
                report(item, "\"\(text)\" is not a host name; write example.com or \"*.example.com\" (a leading "
                    + "wildcard, quoted), without port or scheme")
                return []
            }
            if hosts.contains(name) {
                report(item, "\(text) is listed twice; keep one")
                return []
            }
            hosts.append(name)
        }
        return items.count == hosts.count ? hosts : []
    }

    /// `return:` — `{status: 301, location: ...}` for the redirect statuses, `{status: 200, body: ...}` otherwise.
    package mutating func readReturn(_ node: ConfigNode) -> ReturnConfig? {
        guard let map = mapping(node, allowed: Self.returnKeys),
            let status = required(map, "status", hint: "add e.g. status: 301").flatMap({ int($0, in: 200...599) })
        else { return nil }
        var answer = ReturnConfig(status: status)
        let isRedirect = ReturnConfig.redirectStatuses.contains(status)
        if isRedirect {
            guard let node = required(map, "location", hint: "say where \(status) sends the client, e.g. "
                + "location: https://example.com$request_uri"),
                let location = headerValue(node, expected: "a URL such as https://example.com$request_uri")
            else { return nil }
            if let unknown = Self.unknownVariable(in: location) {
                report(node, "\(unknown) is not expanded here; use \(Self.returnVariables.joined(separator: ", "))")
                return nil
            }
            answer.location = location
            for key in ["body", "content_type"] where map[key] != nil {
                report(map[key]!, "a \(status) answer sends the client to location and has no body; remove \(key)")
                return nil
            }
            return answer
        }
        if let node = map["location"] {
            report(node, "only the redirect statuses (301, 302, 303, 307, 308) send a location; change status or "
                + "remove location")
            return nil
        }
        if let node = map["body"] {
            guard let body = text(node, expected: "the text of the answer") else { return nil }
            if status == 204 || status == 304 {
                report(node, "a \(status) answer has no body; remove body")
                return nil
            }
            answer.body = body
        }
        if let node = map["content_type"] {
            guard answer.body != nil else {
                report(node, "content_type describes body; add body or remove content_type")
                return nil
            }
            guard let type = headerValue(node, expected: "a media type such as application/json") else { return nil }
            answer.contentType = type
        }
        return answer
    }

    /// `request_headers: {set: {X-Env: prod}, remove: [X-Debug]}`.
    package mutating func readRequestHeaderEdits(_ node: ConfigNode) -> RequestHeaderEdits? {
        guard let map = mapping(node, allowed: Self.requestHeaderKeys) else { return nil }
        var edits = RequestHeaderEdits()
        var failed = false
        if let setNode = map["set"], let pairs = pairs(of: setNode, expected: "a mapping of header names to values") {
            for (name, valueNode) in pairs {
                guard editableHeader(name, at: valueNode, removing: false) else {
                    failed = true
                    continue
                }
                if edits.set.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                    report(valueNode, "\(name) is already set (header names ignore case); keep one")
                    failed = true
                    continue
                }
                guard let value = headerValue(valueNode, expected: "a header value") else {
                    failed = true
                    continue
                }
                if value.contains("$") {
                    report(valueNode, "variables such as $host are not expanded in request_headers; write the "
                        + "value itself (Host, X-Forwarded-* and X-Real-IP are already sent)")
                    failed = true
                    continue
                }
                edits.set.append(HeaderField(name: name, value: value))
            }
        } else if map["set"] != nil {
            failed = true
        }
        if let removeNode = map["remove"] {
            let items = items(removeNode, expected: "a list of header names",
                ifEmpty: "list at least one header name, or remove remove")
            for item in items {
                guard let name = text(item, expected: "a header name"),
                    editableHeader(name, at: item, removing: true)
                else {
                    failed = true
                    continue
                }
                let lower = name.lowercased()
                if edits.set.contains(where: { $0.name.lowercased() == lower }) {
                    report(item, "\(name) is also under set, which already replaces it; remove one")
                    failed = true
                } else if !edits.remove.contains(lower) {
                    edits.remove.append(lower)
                }
            }
        }
        return failed ? nil : edits
    }

    /// `unknown_host:` — 421 or 404; only meaningful when every route names its hosts.
    package mutating func readUnknownHost(_ node: ConfigNode, routes: [RouteConfig]) -> UnknownHostStatus? {
        guard let status = choice(node, of: UnknownHostStatus.self) else { return nil }
        if routes.contains(where: { $0.hosts.isEmpty }) {
            report(node, "has no effect: routes without hosts are the default server and take every other host; "
                + "give every route hosts, or remove unknown_host")
            return nil
        }
        return status
    }

    /// Whether a route may set or remove `name`: never what frames the message or belongs to the connection, never
    /// what the balancer writes itself; `Host` may be replaced but not removed.
    private mutating func editableHeader(_ name: String, at node: ConfigNode, removing: Bool) -> Bool {
        guard HeaderField.isValidName(name) else {
            report(node, "\"\(name)\" is not a valid header name; use letters, digits and - only")
            return false
        }
        let kind = HeaderName.classify(name)
        let reason: String?
        switch kind {
        case .contentLength, .transferEncoding:
            reason = "frames the request body; the balancer writes it from the body it read, so an edit could "
                + "make the upstream read a different request (smuggling)"
        case .connection, .keepAlive, .te, .trailer, .upgrade, .proxyPrefixed:
            reason = "belongs to one connection (hop-by-hop) and is never forwarded"
        case .xForwardedFor, .xForwardedProto, .xForwardedHost, .xForwardedPort, .xRealIP, .xRequestID, .expect:
            reason = "is written by the balancer itself for every request"
        case .host:
            reason = removing ? "is required in HTTP/1.1; replace it with set instead" : nil
        default:
            reason = nil
        }
        guard let reason else { return true }
        report(node, "\(name) cannot be \(removing ? "removed" : "set"): it \(reason)")
        return false
    }

    /// A scalar that can be sent as a header value (no line breaks or control characters).
    private mutating func headerValue(_ node: ConfigNode, expected: String) -> String? {
        guard let value = nonEmptyText(node, expected: expected) else { return nil }
        guard HeaderField.isValidValue(value) else {
            report(node, "the value contains a line break or control character; put it on one line")
            return nil
        }
        return value
    }

    /// The first `$name` in `text` that is not one of `returnVariables`.
    private static func unknownVariable(in text: String) -> String? {
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            let after = rest.index(after: dollar)
            let name = rest[dollar..<(rest[after...].firstIndex { !($0.isLetter || $0 == "_") } ?? rest.endIndex)]
            if !returnVariables.contains(where: { name == $0 }) { return String(name) }
            rest = rest[name.endIndex...]
        }
        return nil
    }
}
