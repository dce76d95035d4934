import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import XCTest

@testable import Balancer
@testable import BalancerCore

/// WebSocket upgrades through the balancer to real replicas' `/api/ws` echo, with a real WebSocket client:
/// messages of every shape, close codes, many tunnels at once, a replica dying mid-tunnel, refusals relayed.
final class WebSocketTests: XCTestCase {
    nonisolated(unsafe) static var replicas: [ReplicaProcess] = []
    private var balancer: BalancerHarness!
    private let logger = Logger(label: "ws-test", factory: { _ in SwiftLogNoOpLogHandler() })

    override func setUp() async throws {
        if Self.replicas.isEmpty {
            for n in 1...3 { Self.replicas.append(try await ReplicaProcess(instanceID: "ws-backend-\(n)")) }
        }
        balancer = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(Self.replicas.map(\.address).joined(separator: ", "))]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
    }

    override class func tearDown() {
        for replica in replicas { replica.stop() }
        replicas = []
    }

    private var url: String { "ws://127.0.0.1:\(balancer.port)/api/ws" }

    private var servers: [UpstreamServer] { balancer.server.snapshot.groups[0].servers }

    func testTextBinaryAndCloseCodePassThrough() async throws {
        let closeFrame = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            try await outbound.write(.text("hello through the front door"))
            let received = try await messages.next()
            XCTAssertEqual(received, .text("hello through the front door"))
            try await outbound.write(.binary(ByteBuffer(bytes: [0, 1, 2, 254, 255])))
            let binary = try await messages.next()
            XCTAssertEqual(binary, .binary(ByteBuffer(bytes: [0, 1, 2, 254, 255])))
            try await outbound.close(.init(codeNumber: 4001), reason: "bye now")
        }
        XCTAssertEqual(closeFrame?.closeCode, .init(codeNumber: 4001))
        XCTAssertEqual(closeFrame?.reason, "bye now")
    }

    func testSixteenMebibyteBinaryMessage() async throws {
        let size = 16 << 20
        var built = ByteBuffer()
        built.writeRepeatingByte(0x5A, count: size - 3)
        built.writeBytes([1, 2, 3])
        let payload = built
        let configuration = WebSocketClientConfiguration(maxFrameSize: size)
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound,
            outbound,
            _ in
            try await outbound.write(.binary(payload))
            var messages = inbound.messages(maxSize: size).makeAsyncIterator()
            guard case .binary(let echoed) = try await messages.next() else { return XCTFail("no binary echo") }
            XCTAssertEqual(echoed.readableBytes, size)
            XCTAssertEqual(echoed, payload)
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    func testFragmentedMessageArrivesWhole() async throws {
        try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            try await outbound.withTextMessageWriter { writer in
                try await writer("apple, ")
                try await writer("pear, ")
                try await writer("quince")
            }
            var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            let received = try await messages.next()
            XCTAssertEqual(received, .text("apple, pear, quince"))
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    func testPingsAreAnswered() async throws {
        // The client pings every 100 ms and closes with 1001 if a pong is missing when the next ping is due; ending
        // with our own code proves every ping crossed the tunnel and its pong came back. (The client handles pongs
        // while the test reads messages, so the test reads more often than it pings.)
        let configuration = WebSocketClientConfiguration(autoPing: .enabled(timePeriod: .milliseconds(100)))
        let closeFrame = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound,
            outbound,
            _ in
            var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            for round in 0..<15 {
                try await Task.sleep(for: .milliseconds(30))
                try await outbound.write(.text("round \(round)"))
                let received = try await messages.next()
                XCTAssertEqual(received, .text("round \(round)"))
            }
            try await outbound.close(.init(codeNumber: 4002), reason: nil)
        }
        XCTAssertEqual(closeFrame?.closeCode, .init(codeNumber: 4002))
    }

    func testThousandTunnelsCountAsInFlightAndReportMemory() async throws {
        let before = Self.residentKilobytes()
        var tunnels: [RawHTTP] = []
        for _ in 0..<1000 {
            let socket = try RawHTTP(port: balancer.port)
            socket.send(Self.upgradeRequest)
            let answer = socket.receive(until: "\r\n\r\n")
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 101"), answer)
            tunnels.append(socket)
        }
        let open = servers.map { $0.active.load(ordering: .relaxed) }
        XCTAssertEqual(open.reduce(0, +), 1000, "open tunnels are in-flight requests: \(open)")
        XCTAssertLessThanOrEqual(open.max()! - open.min()!, 1, "least_conn spreads tunnels evenly: \(open)")
        let after = Self.residentKilobytes()
        print("1000 open WebSocket tunnels: process RSS \(before) kB -> \(after) kB (+\((after - before) / 1024) MB)")
        tunnels.removeAll()
        let deadline = Date().addingTimeInterval(10)
        while servers.map({ $0.active.load(ordering: .relaxed) }).reduce(0, +) > 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(servers.map { $0.active.load(ordering: .relaxed) }, [0, 0, 0], "closed tunnels are released")
    }

    func testLeastConnSendsNewRequestsAwayFromServersHoldingTunnels() async throws {
        var tunnels: [RawHTTP] = []
        for _ in 0..<10 {
            let socket = try RawHTTP(port: balancer.port)
            socket.send(Self.upgradeRequest)
            XCTAssertTrue(socket.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 101"))
            tunnels.append(socket)
        }
        let open = servers.map { $0.active.load(ordering: .relaxed) }
        let busiest = open.firstIndex(of: open.max()!)!
        XCTAssertEqual(open.sorted(), [3, 3, 4])
        let before = servers.map { $0.requests.load(ordering: .relaxed) }
        let client = HTTPClient.makeForTests()
        for _ in 0..<12 {
            let response = try await client.fetch(balancer.baseURL + "/api/instance")
            XCTAssertEqual(response.status, 200)
        }
        try await client.shutdown()
        let served = zip(servers.map { $0.requests.load(ordering: .relaxed) }, before).map { $0 - $1 }
        XCTAssertEqual(served[busiest], 0, "the server holding 4 tunnels gets no new request: \(served)")
        XCTAssertEqual(served.reduce(0, +), 12)
        _ = tunnels
    }

    func testUpstreamRefusalIsRelayed() async throws {
        let fake = try await FakeUpstream(.status(401))
        let refusing = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(fake.address)]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
        let socket = try RawHTTP(port: refusing.port)
        socket.send(Self.upgradeRequest)
        let answer = socket.receive(until: "}")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 401"), answer)
        await refusing.shutdown()
        await fake.shutdown()
    }

    func testUpgradeWithoutAvailableServerGets503() async throws {
        let deadPort = try FreePort.allocate()
        let broken = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [127.0.0.1:\(deadPort), 127.0.0.1:\(try FreePort.allocate())]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
        let first = try RawHTTP(port: broken.port)
        first.send(Self.upgradeRequest)
        XCTAssertTrue(first.receive(until: "}").hasPrefix("HTTP/1.1 502"))
        let second = try RawHTTP(port: broken.port)
        second.send(Self.upgradeRequest)
        XCTAssertTrue(second.receive(until: "}").hasPrefix("HTTP/1.1 503"), "both servers ejected")
        await broken.shutdown()
    }

    func testReplicaKilledMidTunnelClosesTheClientPromptly() async throws {
        let doomed = try await ReplicaProcess(instanceID: "ws-doomed")
        let single = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(doomed.address)]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
        let socket = try RawHTTP(port: single.port, timeout: 5)
        socket.send(Self.upgradeRequest)
        XCTAssertTrue(socket.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 101"))
        let killed = Date()
        doomed.kill()
        XCTAssertTrue(socket.peerClosed(), "the client's connection is closed, not left hanging")
        XCTAssertLessThan(Date().timeIntervalSince(killed), 2)
        await single.shutdown()
    }

    /// A handshake any RFC 6455 server accepts (the RFC's own sample key).
    static let upgradeRequest =
        "GET /api/ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

    /// This process's resident set size in kB (the in-process balancer, plus the test's own sockets).
    static func residentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
