/// The parts of a `scheme://[userinfo@]host[:port][/path][?query]` connection URL, split but not yet decoded —
/// the shape `DATABASE_URL` and `REDIS_URL` share. The parts both read alike (credentials, host and port) are decoded
/// here; each settings type checks the scheme and interprets the path and query its own way.
struct ConnectionURLParts {
    /// The environment variable the URL came from, and how it should look: what an error message names.
    let variable: String
    let example: String
    var scheme: String
    /// Before the last `@` of the authority, if there is one.
    var userInfo: Substring?
    var hostPort: Substring
    /// After the first `/` of the authority (the database), if there is one.
    var path: Substring?
    var query: Substring

    /// Splits `url` (surrounding white space ignored); refuses it for `variable` when it has no `://`.
    init(url: String, variable: String, example: String) throws(ConfigError) {
        self.variable = variable
        self.example = example
        let text = url.trimmingASCIIWhitespace()
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw ConfigError(
                variable: variable, message: "\"\(Self.redacting(text))\" is not a URL; write it as \(example).")
        }
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

    /// An error about this URL's variable.
    func error(_ message: String) -> ConfigError { ConfigError(variable: variable, message: message) }

    /// `user[:password]`, percent-decoded; an empty user is none. A userinfo without `:` is the user for libpq, the
    /// password for Redis clients (`redis://secret@host`): `loneValueIsPassword` says which.
    func credentials(loneValueIsPassword: Bool) throws(ConfigError) -> (user: String?, password: String?) {
        guard let userInfo else { return (nil, nil) }
        var userPart: Substring? = userInfo
        var passwordPart: Substring?
        if let colon = userInfo.firstIndex(of: ":") {
            userPart = userInfo[..<colon]
            passwordPart = userInfo[userInfo.index(after: colon)...]
        } else if loneValueIsPassword {
            (userPart, passwordPart) = (nil, userInfo)
        }
        var password: String?
        if let passwordPart {
            guard let decoded = PercentDecoding.decode(passwordPart) else {
                throw error("the password has a malformed %-escape; percent-encode special characters (%40 for @).")
            }
            password = decoded
        }
        var user: String?
        if let userPart {
            guard let decoded = PercentDecoding.decode(userPart) else {
                throw error("the user name has a malformed %-escape; percent-encode special characters.")
            }
            user = decoded.isEmpty ? nil : decoded
        }
        return (user, password)
    }

    /// The host (empty when the URL names none) and the port, `defaultPort` when the URL gives none.
    func address(defaultPort: Int) throws(ConfigError) -> (host: String, port: Int) {
        let address = try ServerAddress.parse(hostPort, variable: variable, example: example)
        return (address.host, address.port ?? defaultPort)
    }

    /// The URL-shaped text with any `user:password@` password replaced, for messages about an unparsable value.
    static func redacting(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let start = text.firstRange(of: "://")?.upperBound, start < at,
            let colon = text[start..<at].firstIndex(of: ":")
        else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }
}
