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
        // The usual path has no escape left: checked where it lies, and named by a slice of it.
        let escaped = path.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "%")) }
            ?? path.utf8.contains(UInt8(ascii: "%"))
        if !escaped {
            var bytes = path
            return bytes.withUTF8 { check($0, hiddenFiles: hiddenFiles) }
                ?? .file(relative: name(path.dropFirst()), directory: path.utf8.last == UInt8(ascii: "/"))
        }
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
        if let refusal = decoded.withUnsafeBufferPointer({ check($0, hiddenFiles: hiddenFiles) }) { return refusal }
        let directory = decoded.last == UInt8(ascii: "/")
        var relative = decoded.dropFirst()
        if directory { relative = relative.dropLast() }
        // Names are looked up as the bytes they are; one that is not UTF-8 is not a name a web app ships.
        guard let name = String(validating: relative, as: UTF8.self) else { return .refused(.malformed) }
        return .file(relative: name, directory: directory)
    }

    /// The refusal `path` (decoded, starting with `/`) earns, or nil when it names a file that may be looked for.
    private static func check(_ path: UnsafeBufferPointer<UInt8>, hiddenFiles: Bool) -> StaticPath? {
        var segmentStart = 1
        var index = 1
        while index <= path.count {
            let byte = index < path.count ? path[index] : UInt8(ascii: "/")
            if byte == UInt8(ascii: "\\") { return .refused(.backslash) }
            if byte < 0x20 || byte == 0x7F { return .refused(.controlByte) }
            if byte == UInt8(ascii: "/") {
                let segment = UnsafeBufferPointer(rebasing: path[segmentStart..<index])
                // Only the trailing slash leaves an empty segment; `//` was merged by the normaliser.
                if segment.isEmpty && index < path.count { return .refused(.dotSegment) }
                let dots = segment.count <= 2 && !segment.isEmpty && segment.allSatisfy { $0 == UInt8(ascii: ".") }
                if dots { return .refused(.dotSegment) }
                if segment.first == UInt8(ascii: "."), !hiddenFiles,
                    !(segmentStart == 1 && segment.elementsEqual(".well-known".utf8))
                {
                    return .refused(.hidden)
                }
                segmentStart = index + 1
            }
            index += 1
        }
        return nil
    }

    /// The relative name without its trailing slash.
    private static func name(_ relative: Substring) -> String {
        String(relative.utf8.last == UInt8(ascii: "/") ? relative.dropLast() : relative)
    }
}
