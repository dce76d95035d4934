#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to a loopback port that stays open between exchanges, for keep-alive and shutdown tests.
final class RawConnection: Sendable {
    private let fd: Int32

    init(port: Int, timeoutSeconds: Int = 5) throws {
        fd = try LoopbackSocket.connect(port: port, timeoutSeconds: timeoutSeconds)
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw TestFailure("send failed")
        }
    }

    /// Reads until `text` has arrived `count` times in total; nil when the server closes or stops sending first.
    func receive(until text: String, count: Int = 1) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {
            let read = recv(fd, &buffer, buffer.count, 0)
            guard read > 0 else { return nil }
            received.append(contentsOf: buffer[0..<read])
            let string = String(decoding: received, as: UTF8.self)
            if string.components(separatedBy: text).count - 1 >= count { return string }
        }
        return nil
    }

    /// Whether the server has closed the connection: the next read sees end of file (not a timeout).
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }
}
