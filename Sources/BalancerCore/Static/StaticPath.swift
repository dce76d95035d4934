/// The file a request path names under a static root, or why none may be looked for. Works on the normalised path
/// (`HTTP1Target`: dot segments already removed, unreserved escapes decoded, `..` above the root already a 400):
/// the remaining escapes are decoded here, and anything that could name a file outside the root or one the
/// balancer never serves is refused before the file system is asked — so a refusal costs no system call and
/// cannot tell what exists.
package enum StaticPath: Sendable, Equatable {
    /// A path relative to the root (`assets/app.js`, empty for the root itself); `directory` when the request
    /// path ends in `/` (its index files are tried).
    case file(relative: String, directory: Bool)
    /// Never served: 404 without looking.
    case refused(Refusal)

    /// Why a path is refused; for logs and tests, never for the client.
    package enum Refusal: Sendable, Equatable {
        /// `%2F` or `%5C`: an encoded separator would let one segment name two.
        case encodedSeparator
        /// NUL or another control byte, raw or escaped.
        case controlByte
        /// A `.` or `..` segment left after decoding (never from the normaliser; kept as a second guard).
        case dotSegment
        /// A segment starting with `.` (`.git`, `.env`) while `hidden_files` is off; `.well-known` excepted.
        case hidden
        /// A backslash, raw or escaped: a separator to some servers and tools, so never part of a served name.
        case backslash
        /// Not a path at all (no leading `/`, a bad escape).
        case malformed
    }

    /// The longest request path looked up; longer ones are refused (no file system allows much more).
    package static let maxLength = 4096

    /// `uri` is the normalised target, query allowed.
    package static func resolve(uri: String, hiddenFiles: Bool) -> StaticPath {
        let path = Router.path(of: uri)
        guard path.utf8.first == UInt8(ascii: "/"), path.utf8.count <= maxLength else { return .refused(.malformed) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.utf8.count)
        var bytes = path.utf8.makeIterator()
        while let byte = bytes.next() {
            var value = byte
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.next().map(HTTP1Bytes.hex), let low = bytes.next().map(HTTP1Bytes.hex),
                    high >= 0, low >= 0
                else { return .refused(.malformed) }
                value = UInt8(high << 4 | low)
                if value == UInt8(ascii: "/") { return .refused(.encodedSeparator) }
            }
            if value == UInt8(ascii: "\\") { return .refused(.backslash) }
            if value < 0x20 || value == 0x7F { return .refused(.controlByte) }
            decoded.append(value)
        }
        let directory = decoded.last == UInt8(ascii: "/")
        let segments = decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            if segment.isEmpty {
                // Only the trailing slash leaves an empty segment; `//` was merged by the normaliser.
                if isLast { continue }
                return .refused(.dotSegment)
            }
            if segment.elementsEqual([UInt8(ascii: ".")]) || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                return .refused(.dotSegment)
            }
            if segment.first == UInt8(ascii: "."), !hiddenFiles, !(index == 0 && segment.elementsEqual(".well-known".utf8)) {
                return .refused(.hidden)
            }
        }
        var relative = decoded.dropFirst()
        if directory { relative = relative.dropLast() }
        // Names are looked up as the bytes they are; one that is not UTF-8 is not a name a web app ships.
        guard let name = String(validating: relative, as: UTF8.self) else { return .refused(.malformed) }
        return .file(relative: name, directory: directory)
    }
}
