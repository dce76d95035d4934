/// The content codings the balancer can send: a file's precompressed sidecars (`.br`, `.gz`) and gzip made on
/// the fly.
package enum ContentCoding: String, Sendable, Hashable, CaseIterable {
    case br
    case gzip

    /// The sidecar file's suffix.
    package var fileSuffix: String { self == .br ? ".br" : ".gz" }
}

/// What a client's `Accept-Encoding` allows (RFC 9110 §12.5.3): the weight of each coding the balancer can send
/// and of `identity`, with `*` standing for the ones not named. No header: only identity (clients that send none
/// rarely decode anything).
package struct AcceptedEncodings: Sendable, Hashable {
    /// Weights in thousandths, 0 = refused.
    package var br: Int
    package var gzip: Int
    package var identity: Int

    /// What a request without `Accept-Encoding` accepts.
    package static let identityOnly = AcceptedEncodings(br: 0, gzip: 0, identity: 1000)

    /// nil header: identity only.
    package init(_ header: String?) {
        guard let header, header.utf8.count <= 1024 else {
            self.init(br: 0, gzip: 0, identity: 1000)
            return
        }
        var br: Int?
        var gzip: Int?
        var identity: Int?
        var star: Int?
        for member in header.split(separator: ",") {
            let parts = member.split(separator: ";")
            guard let name = parts.first?.trimmingSpaces.lowercased(), !name.isEmpty else { continue }
            var weight = 1000
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingSpaces
                guard pair.hasPrefix("q=") || pair.hasPrefix("Q=") else { continue }
                weight = Self.weight(pair.dropFirst(2)) ?? 0
            }
            switch name {
            case "br": br = weight
            case "gzip", "x-gzip": gzip = weight
            case "identity": identity = weight
            case "*": star = weight
            default: break
            }
        }
        self.init(br: br ?? star ?? 0, gzip: gzip ?? star ?? 0, identity: identity ?? star.map { $0 == 0 ? 0 : 1 } ?? 1)
    }

    package init(br: Int, gzip: Int, identity: Int) {
        self.br = br
        self.gzip = gzip
        self.identity = identity
    }

    package func accepts(_ coding: ContentCoding) -> Bool { weight(of: coding) > 0 }

    package func weight(of coding: ContentCoding) -> Int { coding == .br ? br : gzip }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in thousandths; nil when malformed.
    private static func weight(_ text: Substring) -> Int? {
        let text = text.trimmingSpaces
        guard let first = text.first, first == "0" || first == "1" else { return nil }
        var value = first == "1" ? 1000 : 0
        let rest = text.dropFirst()
        guard !rest.isEmpty else { return value }
        guard rest.first == ".", rest.count <= 4 else { return nil }
        var scale = 100
        for digit in rest.dropFirst() {
            guard let d = digit.wholeNumberValue else { return nil }
            value += d * scale
            scale /= 10
        }
        return min(value, 1000)
    }
}

/// Which representation of a file to send, given what the client accepts and what exists: the best-weighted
/// coding among the sidecars present, then gzip on the fly when allowed, else the file as it is. Among equal
/// weights br beats gzip (smaller), and a sidecar beats compressing again.
package enum ContentEncodingChoice: Sendable, Equatable {
    case identity
    case sidecar(ContentCoding)
    case gzipOnTheFly

    package static func choose(
        accepted: AcceptedEncodings,
        sidecars: Set<ContentCoding>,
        gzipOnTheFly: Bool
    ) -> ContentEncodingChoice {
        var best: (choice: ContentEncodingChoice, weight: Int)?
        for coding in ContentCoding.allCases where sidecars.contains(coding) && accepted.accepts(coding) {
            let weight = accepted.weight(of: coding)
            if best == nil || weight > best!.weight { best = (.sidecar(coding), weight) }
        }
        if gzipOnTheFly, accepted.accepts(.gzip), best == nil || accepted.gzip > best!.weight {
            best = (.gzipOnTheFly, accepted.gzip)
        }
        // A coding wins only when weighted at least as high as identity: `gzip;q=0.5, identity` asks for identity.
        if let best, best.weight >= accepted.identity { return best.choice }
        return .identity
    }
}
