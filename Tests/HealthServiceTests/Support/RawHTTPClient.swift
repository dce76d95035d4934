#if canImport(Glibc)
import Glibc
#endif

/// Sends raw bytes over a TCP socket and reads until the server closes it, for what AsyncHTTPClient cannot speak
/// (HTTP/1.0, pipelining). A connection the server leaves open ends the read after `timeoutSeconds` and returns nil.
enum RawHTTPClient {
    /// - Parameter halfClose: shut down the sending side after the request, as a client with nothing more to ask
    ///   does; a server then closes a keep-alive connection once it has answered.
    static func exchange(port: Int, request: String, halfClose: Bool = false, timeoutSeconds: Int = 5) throws
        -> String?
    {
        try exchange(port: port, bytes: Array(request.utf8), halfClose: halfClose, timeoutSeconds: timeoutSeconds)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The same for arbitrary bytes (a WebSocket handshake followed by frames, say).
    static func exchange(port: Int, bytes: [UInt8], halfClose: Bool = false, timeoutSeconds: Int = 5) throws
        -> [UInt8]?
    {
        let fd = try LoopbackSocket.connect(port: port, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw TestFailure("send failed") }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return received }  // closed by the server
            if count < 0 { return nil }  // timed out: the server kept the connection open
            received.append(contentsOf: buffer[0..<count])
        }
        return nil
    }
}
