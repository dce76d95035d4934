/// Whether a response from an upstream is gzipped on its way to the client — nginx's gzip filter conditions (200,
/// 403 or 404; a listed type; not already encoded; not shorter than `min_length`; not for HEAD) plus RFC 9110
/// §7.7's `Cache-Control: no-transform`, which a proxy must honour. Asked only when `gzip:` is on, the route
/// allows it and the client accepts gzip, so a proxied request pays nothing for it otherwise.
package enum ProxiedCompression {
    package static func shouldCompress(_ head: HTTP1ResponseHead, isHeadRequest: Bool, config: GzipConfig) -> Bool {
        guard config.proxied, !isHeadRequest, head.status == 200 || head.status == 403 || head.status == 404 else {
            return false
        }
        switch head.framing {
        case .none: return false
        case .length(let length): if length == 0 || length < config.minLength.bytes { return false }
        case .chunked, .untilClose: break
        }
        var typeListed = false
        for field in head.fields {
            switch field.kind {
            case .contentEncoding:
                // Any coding, `identity` included: never compress twice, never guess.
                return false
            case .contentType:
                typeListed = config.types.contains("*") || config.types.contains(mediaType(head.value(of: field)))
            case .cacheControl:
                if head.value(of: field).lowercased().contains("no-transform") { return false }
            default:
                continue
            }
        }
        return typeListed
    }

    /// `type/subtype` of a `Content-Type` value, lower case, without parameters.
    package static func mediaType(_ value: String) -> String {
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(Substring(type).trimmingSpaces).lowercased()
    }
}
