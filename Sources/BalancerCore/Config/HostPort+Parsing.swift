/// Why a `host:port` string was refused, as a sentence that names the text and says how to write it.
package struct AddressProblem: Error, Equatable {
    package var message: String
}

extension HostPort {
    /// Parses `host:port`, `[ipv6]:port` or `name:port`; the port must be 1…65535.
    ///
    /// Hostnames are allowed (resolved when connecting) and may contain `_`, which container
    /// runtimes put in service names even though DNS proper does not allow it.
    package static func parse(_ text: String) -> Result<HostPort, AddressProblem> {
        let example = "write host:port such as 127.0.0.1:8001"
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(AddressProblem(message: "\"\(text)\" has no closing \"]\"; \(example) or [::1]:8001"))
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(AddressProblem(message: "\"\(text)\" has no port; write it as [\(host)]:8001"))
            }
            portText = rest.dropFirst()
            guard isIPv6(host) else {
                return .failure(AddressProblem(message: "\"\(host)\" in \"\(text)\" is not an IPv6 address"))
            }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons == 0 {
                return .failure(AddressProblem(message: "\"\(text)\" has no port; \(example)"))
            }
            if colons > 1 {
                return .failure(AddressProblem(
                    message: "\"\(text)\" is ambiguous; put IPv6 addresses in brackets, e.g. \"[::1]:8001\""))
            }
            let colon = text.firstIndex(of: ":")!
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.isEmpty {
                return .failure(AddressProblem(message: "\"\(text)\" has no host; use 0.0.0.0\(text) for every "
                    + "interface or \(example)"))
            }
            guard isIPv4(host) || isHostname(host) else {
                return .failure(AddressProblem(message: "\"\(host)\" in \"\(text)\" is neither an IP address nor "
                    + "a hostname; \(example)"))
            }
        }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port)
        else {
            return .failure(AddressProblem(message: "\"\(text)\" has port \"\(portText)\"; use a port from 1 to 65535"))
        }
        return .success(HostPort(host: host, port: port))
    }

    /// Whether binding both addresses would clash: same port and the same host or a wildcard on either side.
    package func overlaps(_ other: HostPort) -> Bool {
        port == other.port && (host.lowercased() == other.host.lowercased() || isWildcard || other.isWildcard)
    }

    /// `0.0.0.0` or `::`, which bind every interface.
    package var isWildcard: Bool { host == "0.0.0.0" || host == "::" }

    private static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
        }
    }

    private static func isIPv6(_ host: String) -> Bool {
        host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            && host.filter({ $0 == ":" }).count <= 7
    }

    /// DNS labels of letters, digits, `-` and `_`; a name made only of digits and dots is a broken IPv4 literal.
    private static func isHostname(_ host: String) -> Bool {
        guard host.count <= 253, !host.allSatisfy({ $0.isNumber || $0 == "." }) else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }
}
