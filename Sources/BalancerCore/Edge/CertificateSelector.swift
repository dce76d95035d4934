/// Which certificate of a TLS listener a handshake gets, by the server name the client sent (SNI): a certificate
/// naming it exactly, else one whose `*.` wildcard covers it (one label, as RFC 6125 §6.4.3 has clients check),
/// else the first certificate, as nginx serves its default server's certificate.
///
/// Built once per listener and snapshot from the names in the certificates themselves; a lookup is two dictionary
/// reads.
package struct CertificateSelector: Sendable, Equatable {
    /// Lower-cased name (`example.com`, `*.example.com`) to the index of the first certificate carrying it.
    private let byName: [String: Int]

    /// `names[i]`: the DNS names certificate `i` is valid for.
    package init(names: [[String]]) {
        var byName: [String: Int] = [:]
        for (index, list) in names.enumerated() {
            for name in list where byName[name.lowercased()] == nil { byName[name.lowercased()] = index }
        }
        self.byName = byName
    }

    /// The certificate for `serverName`; 0 when the client sent none or no certificate names it.
    package func select(serverName: String?) -> Int {
        covering(serverName.map { Substring($0.lowercased()) }) ?? 0
    }

    /// The certificate that covers `name` (lower-cased, no trailing dot), if any.
    package func covering(_ name: Substring?) -> Int? {
        guard var name, !name.isEmpty else { return nil }
        if name.last == "." { name = name.dropLast() }
        if let index = byName[String(name)] { return index }
        guard let dot = name.firstIndex(of: "."), name.index(after: dot) < name.endIndex else { return nil }
        return byName["*" + name[dot...]]
    }
}
