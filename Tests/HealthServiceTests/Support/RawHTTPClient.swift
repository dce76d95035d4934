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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("connect() to port \(port) failed") }
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
