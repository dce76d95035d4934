import Shared

/// Recognising fast-path requests in raw bytes.
///
/// Deliberately strict: the fast path must never answer a request Hummingbird would have answered differently, so
/// anything beyond the plain shape of a health check (another method or path, a body, an upgrade, an `Expect`, a
/// `Connection` value other than `close` or `keep-alive` (in any case), bare line feeds, folded or non-ASCII headers,
/// a very long head) is handed to Hummingbird, which parses it with the full HTTP parser.
extension FastPathRequest {
    /// Heads longer than this go to Hummingbird; a health check's head is a few hundred bytes.
    static let maximumHeadBytes = 4096
    /// Heads with more header lines than this go to Hummingbird.
    static let maximumHeaderLines = 32

    /// The decision for `bytes`, which start at the beginning of a request.
    static func decide(_ bytes: UnsafeRawBufferPointer) -> FastPathDecision {
        let requestLineEnd: Int
        switch line(in: bytes, from: 0) {
        case .complete(let carriageReturn): requestLineEnd = carriageReturn
        case .incomplete:
            return bytes.count < maximumHeadBytes && couldStartFastRequest(bytes) ? .needMoreBytes : .handOver
        case .malformed: return .handOver
        }
        guard let (route, minorVersion) = requestLine(bytes, end: requestLineEnd) else { return .handOver }
        var connection: ConnectionToken?
        var sawConnection = false
        var position = requestLineEnd + 2
        for _ in 0...maximumHeaderLines {
            let end: Int
            switch line(in: bytes, from: position) {
            case .complete(let carriageReturn): end = carriageReturn
            case .incomplete: return bytes.count < maximumHeadBytes ? .needMoreBytes : .handOver
            case .malformed: return .handOver
            }
            if end == position {
                let request = FastPathRequest(
                    route: route,
                    minorVersion: minorVersion,
                    connection: connection,
                    headLength: end + 2
                )
                return .answer(request)
            }
            switch headerLine(bytes, start: position, end: end) {
            case .ignored:
                break
            case .connection(let token):
                guard !sawConnection else { return .handOver }
                sawConnection = true
                connection = token
            case .handOver:
                return .handOver
            }
            position = end + 2
        }
        return .handOver
    }

    /// `decide(_:)` for bytes in an array, as tests write them.
    static func decide(_ bytes: [UInt8]) -> FastPathDecision {
        bytes.withUnsafeBytes { decide($0) }
    }

    // MARK: - Request line

    private static let get = Array("GET ".utf8)
    private static let versionPrefix = Array("HTTP/1.".utf8)
    private static let healthPath = Array(Route.health.path.utf8)
    private static let instancePath = Array(Route.instance.path.utf8)

    /// The route and HTTP minor version of `GET <path>[?query] HTTP/1.<0|1>` spanning `bytes[0..<end]`.
    private static func requestLine(_ bytes: UnsafeRawBufferPointer, end: Int) -> (Route, Int)? {
        guard matches(bytes, at: 0, get, end: end) else { return nil }
        var position = get.count
        let route: Route
        if matches(bytes, at: position, healthPath, end: end) {
            route = .health
            position += healthPath.count
        } else if matches(bytes, at: position, instancePath, end: end) {
            route = .instance
            position += instancePath.count
        } else {
            return nil
        }
        if position < end, bytes[position] == UInt8(ascii: "?") {
            position += 1
            while position < end, isQueryByte(bytes[position]) { position += 1 }
        }
        guard position < end, bytes[position] == UInt8(ascii: " ") else { return nil }
        position += 1
        guard matches(bytes, at: position, versionPrefix, end: end), position + versionPrefix.count + 1 == end else {
            return nil
        }
        switch bytes[end - 1] {
        case UInt8(ascii: "0"): return (route, 0)
        case UInt8(ascii: "1"): return (route, 1)
        default: return nil
        }
    }

    /// The request-line starts the fast path answers, joined once rather than on every incomplete read.
    private static let fastRequestStarts = [get + healthPath, get + instancePath]

    /// Whether an incomplete request line may still become `GET /health…` or `GET /api/instance…`.
    private static func couldStartFastRequest(_ bytes: UnsafeRawBufferPointer) -> Bool {
        fastRequestStarts.contains { start in
            let count = min(bytes.count, start.count)
            return (0..<count).allSatisfy { bytes[$0] == start[$0] }
        }
    }

    /// Query characters of RFC 3986 (unreserved, sub-delims, `:@/?` and percent escapes); no `#`, no spaces.
    private static func isQueryByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"),
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
            UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }

    // MARK: - Header lines

    /// What one header line means for the fast path.
    private enum HeaderMeaning {
        case ignored
        case connection(ConnectionToken)
        case handOver
    }

    private static let connectionName = Array("connection".utf8)
    /// Headers announcing a body, an upgrade or an expectation: requests with them are Hummingbird's.
    private static let handOverNames = ["content-length", "transfer-encoding", "upgrade", "expect"].map {
        Array($0.utf8)
    }
    private static let closeToken = Array("close".utf8)
    private static let keepAliveToken = Array("keep-alive".utf8)

    /// The meaning of the header line `bytes[start..<end]` (without its CRLF).
    private static func headerLine(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> HeaderMeaning {
        var position = start
        while position < end, HTTPBytes.isToken(bytes[position]) { position += 1 }
        // An empty name covers folded continuation lines, which start with a space or tab.
        guard position > start, position < end, bytes[position] == UInt8(ascii: ":") else { return .handOver }
        let nameEnd = position
        position += 1
        while position < end, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
            position += 1
        }
        let valueStart = position
        var valueEnd = end
        while valueEnd > valueStart,
            bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t")
        {
            valueEnd -= 1
        }
        for index in valueStart..<valueEnd {
            let byte = bytes[index]
            guard (0x21...0x7E).contains(byte) || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else {
                return .handOver
            }
        }
        if equalsIgnoringCase(bytes, start: start, end: nameEnd, connectionName) {
            // Connection options are case-insensitive (RFC 9110 §7.6.1): ApacheBench -k sends `Keep-Alive`.
            if equalsIgnoringCase(bytes, start: valueStart, end: valueEnd, closeToken) { return .connection(.close) }
            if equalsIgnoringCase(bytes, start: valueStart, end: valueEnd, keepAliveToken) {
                return .connection(.keepAlive)
            }
            return .handOver
        }
        for name in handOverNames where equalsIgnoringCase(bytes, start: start, end: nameEnd, name) {
            return .handOver
        }
        return .ignored
    }

    // MARK: - Byte helpers

    /// Where a line of the head ends.
    private enum LineEnd {
        /// At the carriage return of its CRLF.
        case complete(Int)
        /// Not within the bytes received so far (or the head limit).
        case incomplete
        /// A carriage return or line feed that is not part of a CRLF.
        case malformed
    }

    /// The end of the line starting at `start`.
    private static func line(in bytes: UnsafeRawBufferPointer, from start: Int) -> LineEnd {
        let limit = min(bytes.count, maximumHeadBytes)
        var index = start
        while index < limit {
            switch bytes[index] {
            case UInt8(ascii: "\r"):
                guard index + 1 < limit else { return .incomplete }
                return bytes[index + 1] == UInt8(ascii: "\n") ? .complete(index) : .malformed
            case UInt8(ascii: "\n"):
                return .malformed
            default:
                index += 1
            }
        }
        return .incomplete
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at start: Int, _ expected: [UInt8], end: Int) -> Bool {
        guard start + expected.count <= end else { return false }
        for offset in 0..<expected.count where bytes[start + offset] != expected[offset] { return false }
        return true
    }

    /// Compares `bytes[start..<end]` with a lower-case ASCII name or token; both are case-insensitive.
    private static func equalsIgnoringCase(
        _ bytes: UnsafeRawBufferPointer,
        start: Int,
        end: Int,
        _ lowercased: [UInt8]
    ) -> Bool {
        HTTPBytes.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), lowercased)
    }
}
