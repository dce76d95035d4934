import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A WebSocket over TLS (`wss://`) through the balancer's TLS listener to a real replica's `/api/ws` echo: the
/// handshake, the upgrade and the tunnel all run inside the TLS connection.
final class TLSWebSocketTests: XCTestCase {
    private let logger = Logger(label: "wss-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func testSecureWebSocketReachesTheReplicaAndEchoes() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let replica = try await ReplicaProcess(instanceID: "wss-backend")
        defer { replica.stop() }
        let files = try pki.issue(["localhost"], file: "localhost")
        let port = try FreePort.allocate()
        var config = try ConfigLoader.parse(yaml: """
            listen:
              - {address: 127.0.0.1:\(port), tls: {certificates: [{cert: \(files.cert), key: \(files.key)}], hsts: 1y}}
            access_log: off
            upstreams:
              backend: {servers: [\(replica.address)]}
            routes:
              - {prefix: /, upstream: backend}
            """, path: "test.yaml")
        config.admin.listen = HostPort(host: "127.0.0.1", port: 0)
        let balancer = try await BalancerHarness(loaded: config)
        defer { Task { await balancer.shutdown() } }

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caPath))
        let closeFrame = try await WebSocketClient.connect(
            url: "wss://localhost:\(port)/api/ws", tlsConfiguration: tls, logger: logger
        ) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            for round in 0..<3 {
                try await outbound.write(.text("secure round \(round)"))
                let received = try await messages.next()
                XCTAssertEqual(received, .text("secure round \(round)"))
            }
            try await outbound.write(.binary(ByteBuffer(bytes: [0, 255, 1, 254])))
            let binary = try await messages.next()
            XCTAssertEqual(binary, .binary(ByteBuffer(bytes: [0, 255, 1, 254])))
            try await outbound.close(.init(codeNumber: 4003), reason: "done over tls")
        }
        XCTAssertEqual(closeFrame?.closeCode, .init(codeNumber: 4003))
        XCTAssertEqual(closeFrame?.reason, "done over tls")
    }
}
