import Foundation

/// A loopback client that reads responses one by one off a keep-alive connection (by `Content-Length`), for tests
/// that pace requests themselves or send bytes no HTTP client would (a PROXY header first). Blocking, on `RawHTTP`.
/// `@unchecked Sendable`: a test hands each client to one task, which alone uses it.
final class KeepAliveClient: @unchecked Sendable {
    /// One response as read.
    struct Response {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: String
    }

    private let socket: RawHTTP
    private var pending: [UInt8] = []

    init(port: Int, timeout: TimeInterval = 10) throws {
        socket = try RawHTTP(port: port, timeout: timeout)
    }

    func send(_ text: String) { socket.send(text) }

    func send(_ bytes: [UInt8]) { socket.send(bytes) }

    /// `GET path` with `headers`, and its response.
    func get(_ path: String, headers: [String] = []) throws -> Response {
        send("GET \(path) HTTP/1.1\r\nHost: test\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
        return try readResponse()
    }

    /// `HEAD path` with `headers`, and its response: the head only, whatever its `Content-Length` says (the bytes
    /// after it belong to the next response).
    func head(_ path: String, headers: [String] = []) throws -> Response {
        send("HEAD \(path) HTTP/1.1\r\nHost: test\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
        return try readResponse(bodyless: true)
    }

    /// The next response; throws when the connection closes or times out first. `bodyless`: the answer to a HEAD,
    /// whose `Content-Length` names a body that is not sent.
    func readResponse(bodyless: Bool = false) throws -> Response {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.headEnd(in: pending)
            if headEnd == nil { try fill() }
        }
        let head = String(decoding: pending[..<headEnd!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestFailure("not a status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd! + 4
        while pending.count < bodyStart + length { try fill() }
        let body = String(decoding: pending[bodyStart..<bodyStart + length], as: UTF8.self)
        pending.removeFirst(bodyStart + length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the peer closes the connection (or resets it) before sending a byte, within the socket timeout.
    func closedWithoutAnswer() -> Bool {
        guard let bytes = socket.receiveSome(maxBytes: 1) else { return errno == ECONNRESET }
        return bytes.isEmpty
    }

    private func fill() throws {
        guard let bytes = socket.receiveSome(), !bytes.isEmpty else {
            throw TestFailure("connection closed or timed out while reading a response")
        }
        pending.append(contentsOf: bytes)
    }

    /// Where the first `\r\n\r\n` starts.
    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }
}
