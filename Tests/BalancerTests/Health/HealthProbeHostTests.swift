import NIOCore
import NIOPosix
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A health probe to a server found by DNS carries the configured `host:port` as its `Host`, never the display
/// name with the address in parentheses (which a strict server would answer with 400, failing every check).
final class HealthProbeHostTests: XCTestCase {
    func testProbeOfAResolvedServerSendsTheConfiguredHost() async throws {
        let upstream = try await RecordingUpstream()
        let port = Int(upstream.address.split(separator: ":").last!)!
        let server = UpstreamServer(
            config: ServerConfig(address: HostPort(host: "backend.test", port: port)), resolvedAddress: "127.0.0.1")
        XCTAssertEqual(server.name, "backend.test:\(port) (127.0.0.1)")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let result = try await HealthProbe.run(
            server: server, path: "/health", timeout: .seconds(5), on: group.next()
        ).get()
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(upstream.requests.first?.headers["host"], ["backend.test:\(port)"])
        try await group.shutdownGracefully()
        await upstream.shutdown()
    }
}
