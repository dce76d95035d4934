/// The parts of a `scheme://[userinfo@]host[:port][/path][?query]` connection URL, split but not yet decoded —
/// the shape `DATABASE_URL` and `REDIS_URL` share; each settings type interprets the parts its own way.
struct ConnectionURLParts {
    var scheme: String
    /// Before the last `@` of the authority, if there is one.
    var userInfo: Substring?
    var hostPort: Substring
    /// After the first `/` of the authority (the database), if there is one.
    var path: Substring?
    var query: Substring

    /// nil when `text` has no `://`.
    init?(_ text: String) {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        var rest = text[schemeEnd.upperBound...]
        query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var authority = rest
        path = nil
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        hostPort = authority
        userInfo = nil
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        }
    }
}
