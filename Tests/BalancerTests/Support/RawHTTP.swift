import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking loopback socket for tests that must send bytes no HTTP client would (smuggling shapes, slowloris,
/// pipelining), with every read bounded by a timeout.
final class RawHTTP {
    private let fd: Int32

    /// `receiveBuffer` shrinks the socket's receive buffer, to play a client that is slow to read.
    init(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 5, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect to \(host):\(port) failed")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until the peer closes, `until` appears in what was read, or the socket timeout passes.
    func receive(until marker: String? = nil, maxBytes: Int = 1 << 20) -> String {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while data.count < maxBytes {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if let marker, String(decoding: data, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads exactly `count` bytes, or fewer when the peer closes or the socket timeout passes first.
    func receiveBytes(_ count: Int) -> [UInt8] {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: min(count, 65536))
        while data.count < count {
            let want = min(chunk.count, count - data.count)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, want, 0) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }

    /// Reads up to the end of a response head (`\r\n\r\n`) byte by byte, so no body byte is consumed.
    func receiveHead() -> String {
        var data = [UInt8]()
        var byte: UInt8 = 0
        while !data.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { break }
            data.append(byte)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// One read: what arrived, empty when the peer closed, nil on a reset or when the socket timeout passed.
    func receiveSome(maxBytes: Int = 65536) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: maxBytes)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : Array(chunk[0..<n])
    }

    /// Whether the peer closed the connection (a read returns 0) within the socket timeout.
    func peerClosed() -> Bool {
        var byte = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {
            let n = byte.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
        return false
    }

    /// Whether something accepts connections on `port` (readiness probe).
    static func isListening(port: Int, host: String = "127.0.0.1") async -> Bool {
        (try? RawHTTP(port: port, host: host, timeout: 1)) != nil
    }
}
