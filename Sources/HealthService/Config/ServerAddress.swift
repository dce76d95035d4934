/// The `host[:port]` part of a connection URL, with IPv6 literals in brackets (`[::1]:5432`).
struct ServerAddress: Sendable, Hashable {
    /// Host name or IP address without brackets; empty when the URL names none.
    var host: String
    /// The explicit port, if the URL carries one.
    var port: Int?

    /// Splits `text`; `variable` and `example` only shape the error message.
    static func parse(_ text: Substring, variable: String, example: String) throws(ConfigError) -> ServerAddress {
        var hostPart = text
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigError(
                    variable: variable, message: "the IPv6 address has no closing \"]\"; write it as \(example).")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw ConfigError(
                        variable: variable,
                        message: "expected \":port\" after the IPv6 address; write it as \(example).")
                }
                portPart = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        if hostPart.contains(",") {
            throw ConfigError(
                variable: variable, message: "lists several hosts, but a replica checks one server; keep one host.")
        }
        var port: Int?
        if let portPart {
            guard let value = Int(portPart), (1...65_535).contains(value) else {
                throw ConfigError(
                    variable: variable,
                    message: "port \"\(portPart)\" is not a number from 1 to 65535; write the URL as \(example).")
            }
            port = value
        }
        return ServerAddress(host: String(hostPart), port: port)
    }
}
