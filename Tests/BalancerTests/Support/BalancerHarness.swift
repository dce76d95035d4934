import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A balancer running in-process on a free port, built from YAML exactly as `serve` builds it.
final class BalancerHarness: @unchecked Sendable {
    let server: BalancerServer
    let port: Int

    /// `yaml` must not contain `listen:`; the harness listens on 127.0.0.1:0 and reads back the port.
    /// `workers: 1` puts every client on one event loop, so they share its idle upstream connections.
    /// `proxyProtocol`: the listener expects a PROXY protocol header (`yaml` then needs `real_ip`).
    convenience init(yaml: String, accessLog: Bool = false, workers: Int = 2, proxyProtocol: Bool = false)
        async throws
    {
        // The loader rightly refuses port 0 in a config; the harness swaps it in after loading.
        var text = proxyProtocol
            ? "listen: [{address: 127.0.0.1:1, proxy_protocol: true}]\nworkers: \(workers)\n"
            : "listen: [127.0.0.1:1]\nworkers: \(workers)\n"
        if !accessLog { text += "access_log: off\n" }
        text += yaml
        var config: BalancerConfig
        do {
            config = try ConfigLoader.parse(yaml: text, path: "test.yaml")
            config.listen = [
                ListenerConfig(address: HostPort(host: "127.0.0.1", port: 0), proxyProtocol: proxyProtocol)
            ]
            config.admin.listen = HostPort(host: "127.0.0.1", port: 0)
        } catch {
            throw TestFailure("test config refused: \(error)\n\(text)")
        }
        try await self.init(loaded: config)
    }

    /// A balancer on `config` as loaded: its listeners as written (tests with several listeners give them free
    /// ports); `port` is the first one's.
    init(loaded config: BalancerConfig) async throws {
        var logger = Logger(label: "test-balancer")
        logger.logLevel = .warning
        server = try BalancerServer(config: config, logger: logger)
        try await server.start()
        port = server.boundAddresses[0].port!
    }

    /// A balancer whose only route sends everything to group `backend` of `servers`; `settings` (YAML) adds
    /// top-level keys such as `limits`.
    convenience init(inFrontOf servers: [String], settings: String = "", workers: Int = 2) async throws {
        try await self.init(
            yaml: """
                \(settings)
                upstreams:
                  backend:
                    servers: [\(servers.joined(separator: ", "))]
                routes:
                  - prefix: /
                    upstream: backend
                """,
            workers: workers
        )
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func shutdown() async {
        await server.shutdown(timeout: .seconds(2))
    }
}

extension HTTPClient {
    /// A client for tests: no redirects, short timeouts, its own event loop group.
    static func makeForTests() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// GET `url`, returning status, headers and the whole body as a string.
    func fetch(
        _ url: String,
        method: HTTPMethod = .GET,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, String(buffer: collected))
    }
}
