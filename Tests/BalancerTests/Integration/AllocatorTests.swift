import Foundation
import XCTest

/// The `balancer` executable allocates through jemalloc, which its target links (Package.swift, CJemalloc): the
/// figures in docs/performance.md are measured with it, so a build that silently fell back to the C library's
/// malloc would run slower at high concurrency than documented.
final class AllocatorTests: XCTestCase {
    func testTheBalancerProcessLoadsJemalloc() async throws {
        let balancer = try await BalancerProcess(yaml: """
            listen: [127.0.0.1:\(try FreePort.allocate())]
            admin: {listen: 127.0.0.1:\(try FreePort.allocate())}
            access_log: off
            upstreams:
              backend:
                servers: [127.0.0.1:\(try FreePort.allocate())]
            routes: [{prefix: /, upstream: backend}]
            """)
        defer { balancer.stop() }
        // Read to the end: /proc files report a size of 0, and a read sized by it stops after the first page.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(balancer.pid)/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        XCTAssertTrue(
            maps.contains("libjemalloc.so"),
            "the balancer process has no libjemalloc mapped; its executable target must import CJemalloc")
    }
}
