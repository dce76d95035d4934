/// The request target as the balancer routes and forwards it: RFC 9112 §3.2 forms, and the path normalised as
/// RFC 3986 §6.2.2 allows (unreserved escapes decoded, other escapes upper-cased, repeated slashes merged, dot
/// segments removed), so `/api/%2e%2e/x`, `/api/../x` and `//x` route as what they mean — as nginx matches
/// locations on its normalised `$uri`. The query is kept as received.
package enum HTTP1Target {
    /// What a target normalises to.
    package struct Normalized: Equatable {
        /// Origin-form (`/path?query`) or `*`; nil when that is the target as received (the usual case, which then
        /// costs no new string).
        package var target: String?
        /// The authority of an absolute-form target (`http://authority/path`), to be checked against `Host`.
        package var authority: String?
        package var isAsterisk = false
    }

    /// Why a target is refused (400).
    package enum Invalid: Error, Equatable {
        /// Not origin-form, absolute-form (http or https) or `*`.
        case form
        /// A `%` not followed by two hex digits.
        case badEscape
        /// `%00`: no file or route name contains NUL, and C code upstream would cut the path there.
        case encodedNUL
        /// `user@` in an absolute-form authority.
        case userinfo
        /// A `..` segment that would climb above `/` (`/../etc/passwd`): nginx answers 400 too.
        case aboveRoot
    }

    package static func normalize(_ uri: String) -> Result<Normalized, Invalid> {
        var uri = uri
        return uri.withUTF8 { normalize(bytes: $0) }
    }

    package static func normalize(bytes: UnsafeBufferPointer<UInt8>) -> Result<Normalized, Invalid> {
        if bytes.count == 1 && bytes[0] == UInt8(ascii: "*") { return .success(Normalized(isAsterisk: true)) }
        var authority: String?
        var pathStart = 0
        if bytes.first != UInt8(ascii: "/") {
            guard let afterScheme = schemeLength(bytes) else { return .failure(.form) }
            var end = afterScheme
            while end < bytes.count, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?") { end += 1 }
            let host = UnsafeBufferPointer(rebasing: bytes[afterScheme..<end])
            if host.contains(UInt8(ascii: "@")) { return .failure(.userinfo) }
            authority = String(decoding: host, as: UTF8.self)
            pathStart = end
        }
        var queryStart = pathStart
        while queryStart < bytes.count && bytes[queryStart] != UInt8(ascii: "?") { queryStart += 1 }
        let path = UnsafeBufferPointer(rebasing: bytes[pathStart..<queryStart])
        let query = UnsafeBufferPointer(rebasing: bytes[queryStart...])
        switch normalizePath(path) {
        case .failure(let invalid):
            return .failure(invalid)
        case .success(nil) where authority == nil:
            // Already normal: the common case, one scan and nothing allocated.
            return .success(Normalized())
        case .success(nil):
            let target = String(decoding: UnsafeBufferPointer(rebasing: bytes[pathStart...]), as: UTF8.self)
            return .success(Normalized(target: target, authority: authority))
        case .success(let normalized?):
            let target = normalized + String(decoding: query, as: UTF8.self)
            return .success(Normalized(target: target, authority: authority))
        }
    }

    /// The length of `http://` or `https://` (any case) at the start, or nil.
    private static func schemeLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for scheme: StaticString in ["http://", "https://"] {
            let count = scheme.utf8CodeUnitCount
            guard bytes.count >= count else { continue }
            let prefix = UnsafeBufferPointer(rebasing: bytes[0..<count])
            if HeaderName.equal(prefix, scheme) { return count }
        }
        return nil
    }

    /// The normalised path, or nil when `path` is already normal (no escape to touch, no `//`, no dot segment).
    /// An empty path (absolute-form without one) becomes `/`.
    package static func normalizePath(_ path: UnsafeBufferPointer<UInt8>) -> Result<String?, Invalid> {
        if path.isEmpty { return .success("/") }
        if isNormal(path) { return .success(nil) }
        // Escapes first, so that `%2e%2e` is a dot segment and `%2F` stays a byte of a segment, never a separator.
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var i = 0
        while i < path.count {
            let byte = path[i]
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                i += 1
                continue
            }
            guard i + 2 < path.count else { return .failure(.badEscape) }
            let high = HTTP1Bytes.hex(path[i + 1])
            let low = HTTP1Bytes.hex(path[i + 2])
            guard high >= 0, low >= 0 else { return .failure(.badEscape) }
            let value = UInt8(high << 4 | low)
            if value == 0 { return .failure(.encodedNUL) }
            if isUnreserved(value) {
                decoded.append(value)
            } else {
                decoded.append(UInt8(ascii: "%"))
                decoded.append(upperHex(high))
                decoded.append(upperHex(low))
            }
            i += 3
        }
        return removeDotSegments(decoded).map { .success($0) } ?? .failure(.aboveRoot)
    }

    /// RFC 3986 §5.2.4 on a path starting with `/`, with empty segments merged (nginx's `merge_slashes`); nil when
    /// a `..` would climb above the root (RFC 3986 would stay at the root; nginx refuses, and so does the balancer).
    private static func removeDotSegments(_ path: [UInt8]) -> String? {
        var segments: [ArraySlice<UInt8>] = []
        var trailingSlash = false
        let parts = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in parts.enumerated() {
            let isLast = index == parts.count - 1
            if segment.isEmpty || segment.elementsEqual([UInt8(ascii: ".")]) {
                trailingSlash = isLast
            } else if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if segments.isEmpty { return nil }
                segments.removeLast()
                trailingSlash = isLast
            } else {
                segments.append(segment)
                trailingSlash = false
            }
        }
        var out: [UInt8] = [UInt8(ascii: "/")]
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            out.append(contentsOf: segment)
        }
        if trailingSlash && !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when normalising would change nothing: no `%`, no `//`, and no `.` or `..` segment.
    private static func isNormal(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.first == UInt8(ascii: "/") else { return false }
        var previous: UInt8 = 0
        for (index, byte) in path.enumerated() {
            if byte == UInt8(ascii: "%") { return false }
            if byte == UInt8(ascii: "/") && previous == UInt8(ascii: "/") { return false }
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/") {
                // `/.` starts a dot segment when followed by the end, `/`, or `./`/`.` + end.
                let next = index + 1 < path.count ? path[index + 1] : UInt8(ascii: "/")
                if next == UInt8(ascii: "/") { return false }
                if next == UInt8(ascii: ".") {
                    let after = index + 2 < path.count ? path[index + 2] : UInt8(ascii: "/")
                    if after == UInt8(ascii: "/") { return false }
                }
            }
            previous = byte
        }
        return true
    }

    /// ALPHA / DIGIT / `-` / `.` / `_` / `~` (RFC 3986 §2.3): escapes of these mean the same as the characters.
    private static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
            || b == 0x5F || b == 0x7E
    }

    private static func upperHex(_ digit: Int) -> UInt8 {
        digit < 10 ? UInt8(48 + digit) : UInt8(55 + digit)
    }
}
