import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A listener with both `proxy_protocol` and `tls`, as behind AWS's NLB in TCP mode: the PROXY header comes in
/// plain, then the TLS handshake on the same connection. The upstream hears of the client the header names, over
/// https; plain HTTP after the header gets the 400 of a TLS port. The client is written with NIO, since curl cannot
/// choose the source a PROXY header names.
final class ProxyProtocolTLSTests: XCTestCase {
    private var pki: TestPKI!
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness?
    private var port = 0

    override func setUp() async throws {
        pki = try TestPKI()
        upstream = try await RecordingUpstream()
        let pair = try pki.issue(["a.test"], file: "a")
        port = try FreePort.allocate()
        let yaml = """
            listen:
              - address: 127.0.0.1:\(port)
                proxy_protocol: true
                tls: {certificates: [{cert: \(pair.cert), key: \(pair.key)}]}
            workers: 1
            access_log: off
            limits: {client_header_timeout: 2s}
            real_ip: {from: [127.0.0.0/8], header: proxy_protocol}
            upstreams:
              backend: {servers: [\(upstream.address)]}
            routes:
              - {prefix: /, upstream: backend}
            """
        var config = try ConfigLoader.parse(yaml: yaml, path: "test.yaml")
        config.admin.listen = HostPort(host: "127.0.0.1", port: 0)
        balancer = try await BalancerHarness(loaded: config)
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
        pki?.remove()
    }

    /// One GET over TLS after `header`; the headers the upstream received for it.
    private func upstreamHeaders(after header: [UInt8], path: String) async throws -> [String: [String]] {
        let client = try await TLSTestClient.connect(
            port: port, serverName: "a.test", caPath: pki.caPath, preface: header)
        let response = try await client.get(path, host: "a.test")
        await client.close()
        XCTAssertEqual(response.status, 200, path)
        let seen = try XCTUnwrap(upstream.requests.last)
        XCTAssertEqual(seen.target, path)
        return seen.headers
    }

    func testVersion1And2HeadersBeforeTheHandshakeNameTheClient() async throws {
        let v1 = Array("PROXY TCP4 203.0.113.7 127.0.0.1 50000 \(port)\r\n".utf8)
        let first = try await upstreamHeaders(after: v1, path: "/v1")
        XCTAssertEqual(first["x-real-ip"], ["203.0.113.7"])
        XCTAssertEqual(first["x-forwarded-for"], ["203.0.113.7"])
        XCTAssertEqual(first["x-forwarded-proto"], ["https"])
        XCTAssertEqual(first["x-forwarded-port"], ["\(port)"])
        // Version 2, TCP over IPv4: source 203.0.113.7:50000, destination 127.0.0.1:443.
        let v2 = ProxyProtocolParser.v2Signature + [0x21, 0x11, 0x00, 0x0C, 203, 0, 113, 7, 127, 0, 0, 1]
            + [0xC3, 0x50, 0x01, 0xBB]
        let second = try await upstreamHeaders(after: v2, path: "/v2")
        XCTAssertEqual(second["x-real-ip"], ["203.0.113.7"])
        XCTAssertEqual(second["x-forwarded-proto"], ["https"])
        XCTAssertEqual(upstream.requests.count, 2)
    }

    /// The PROXY header is read first, then the first bytes after it are told apart: plain HTTP gets the TLS
    /// port's 400, not a failed handshake. A missing header still closes without an answer.
    func testPlainHTTPAfterTheHeaderGetsThe400AndAMissingHeaderCloses() async throws {
        let port = self.port
        try await Task.detached {
            let plain = try RawHTTP(port: port)
            plain.send("PROXY TCP4 203.0.113.7 127.0.0.1 50000 \(port)\r\nGET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            let answer = plain.receive()
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), answer)
            XCTAssertTrue(answer.hasSuffix(TLSPortPreface.plainHTTPAnswer.body), answer)
            let headerless = try KeepAliveClient(port: port, timeout: 3)
            headerless.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            XCTAssertTrue(headerless.closedWithoutAnswer())
        }.value
        XCTAssertTrue(upstream.requests.isEmpty)
    }
}
