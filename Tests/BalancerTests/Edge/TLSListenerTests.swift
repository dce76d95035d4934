import AsyncHTTPClient
import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// TLS listeners driven by real clients (curl, `openssl s_client`): SNI over an ECDSA and an RSA certificate, both
/// TLS versions and nothing older, the default certificate for an unknown name, the redirect from plain HTTP, HSTS
/// on TLS only, virtual hosts, `return` routes, header edits, what upstreams are told, and the certificates on the
/// admin side. Certificates are made at test time by `TestPKI`.
final class TLSListenerTests: XCTestCase {
    private var pki: TestPKI!
    private var upstream: RecordingUpstream!
    private var other: RecordingUpstream!
    private var balancer: BalancerHarness?
    private var tlsPort = 0
    private var redirectPort = 0
    private var plainPort = 0

    override func setUp() async throws {
        try CommandLineTool.requireCurlAndOpenSSL()
        pki = try TestPKI()
        upstream = try await RecordingUpstream()
        other = try await RecordingUpstream()
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
        await other?.shutdown()
        pki?.remove()
    }

    /// A balancer with a TLS listener (ECDSA `a.test`, RSA `*.b.test`, HSTS), a redirecting listener and a plain one,
    /// in front of `upstream` (and `other` for `*.b.test`); `routes` replaces the default routes.
    private func start(routes: String? = nil, extra: String = "") async throws {
        let a = try pki.issue(["a.test", "www.a.test"], file: "a")
        let b = try pki.issue(["*.b.test"], file: "b", key: .rsa2048)
        tlsPort = try FreePort.allocate()
        redirectPort = try FreePort.allocate()
        plainPort = try FreePort.allocate()
        let yaml = """
            listen:
              - address: 127.0.0.1:\(tlsPort)
                tls:
                  certificates: [{cert: \(a.cert), key: \(a.key)}, {cert: \(b.cert), key: \(b.key)}]
                  hsts: 1y
              - {address: 127.0.0.1:\(redirectPort), redirect_to_https: true}
              - 127.0.0.1:\(plainPort)
            workers: 1
            access_log: off
            upstreams:
              backend: {servers: [\(upstream.address)]}
              other: {servers: [\(other.address)]}
            routes:
            \(routes ?? """
                  - {hosts: ["*.b.test"], prefix: /, upstream: other}
                  - {prefix: /, upstream: backend}
                """)
            \(extra)
            """
        var config = try ConfigLoader.parse(yaml: yaml, path: "test.yaml")
        config.admin.listen = HostPort(host: "127.0.0.1", port: 0)
        balancer = try await BalancerHarness(loaded: config)
    }

    /// `curl` over TLS to `name` (resolved to 127.0.0.1), trusting the test authority; `-w` appends the status.
    private func curl(_ name: String, _ path: String = "/", _ options: [String] = []) throws
        -> CommandLineTool.Outcome
    {
        try CommandLineTool.run(
            ["curl", "-sS", "--max-time", "10", "--cacert", pki.caPath, "--resolve", "\(name):\(tlsPort):127.0.0.1",
             "-w", "\n%{http_code}"] + options + ["https://\(name):\(tlsPort)\(path)"])
    }

    /// `openssl s_client -brief` to the TLS listener; its report goes to standard error.
    private func sClient(_ options: [String]) throws -> CommandLineTool.Outcome {
        try CommandLineTool.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(tlsPort)", "-brief", "-CAfile", pki.caPath,
             "-verify_return_error"] + options,
            input: "")
    }

    func testSNIChoosesTheCertificateOverBothTLSVersions() async throws {
        try await start()
        for version in ["-tls1_2", "-tls1_3"] {
            let ecdsa = try sClient(["-servername", "a.test", "-verify_hostname", "a.test", version])
            XCTAssertEqual(ecdsa.status, 0, ecdsa.errors)
            XCTAssertTrue(ecdsa.errors.contains("Protocol version: TLSv1.\(version.last!)"), ecdsa.errors)
            XCTAssertTrue(ecdsa.errors.contains("Peer certificate: CN = a.test"), ecdsa.errors)
            XCTAssertTrue(ecdsa.errors.contains("Verification: OK"), ecdsa.errors)
            let rsa = try sClient(["-servername", "shop.b.test", "-verify_hostname", "shop.b.test", version])
            XCTAssertEqual(rsa.status, 0, rsa.errors)
            XCTAssertTrue(rsa.errors.contains("Peer certificate: CN = *.b.test"), rsa.errors)
            XCTAssertTrue(rsa.errors.contains("RSA"), rsa.errors)
        }
        let response = try curl("www.a.test", "/hello?x=1")
        XCTAssertEqual(response.status, 0, response.errors)
        XCTAssertTrue(response.output.hasSuffix("\n200"), response.output)
        let seen = try XCTUnwrap(upstream.requests.last)
        XCTAssertEqual(seen.target, "/hello?x=1")
        XCTAssertEqual(seen.headers["x-forwarded-proto"], ["https"])
        XCTAssertEqual(seen.headers["x-forwarded-port"], ["\(tlsPort)"])
        XCTAssertEqual(seen.headers["host"], ["www.a.test:\(tlsPort)"])
        // The other certificate's name routes by Host to its own upstream.
        XCTAssertTrue(try curl("api.b.test").output.hasSuffix("\n200"))
        XCTAssertEqual(other.requests.count, 1)
    }

    func testOlderProtocolsAndWeakCiphersAreRefused() async throws {
        try await start()
        let attempts: [[String]] = [
            ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"],
            ["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
            ["-tls1_2", "-cipher", "AES128-SHA"],  // RSA key exchange, CBC
            ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"],  // CBC, not in Mozilla's intermediate list
            ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"],
        ]
        for options in attempts {
            let outcome = try sClient(["-servername", "a.test"] + options)
            XCTAssertNotEqual(outcome.status, 0, "\(options) was accepted: \(outcome.errors)")
            XCTAssertFalse(outcome.errors.contains("CONNECTION ESTABLISHED"), "\(options): \(outcome.errors)")
        }
        let modern = try sClient(["-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
        XCTAssertEqual(modern.status, 0, modern.errors)
    }

    func testAnUnknownNameGetsTheFirstCertificateWhichClientsRefuse() async throws {
        try await start()
        let noName = try sClient(["-noservername"])
        XCTAssertTrue(noName.errors.contains("Peer certificate: CN = a.test"), noName.errors)
        let wrong = try sClient(["-servername", "other.test", "-verify_hostname", "other.test"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.errors.contains("hostname mismatch"), wrong.errors)
        let refused = try curl("other.test")
        XCTAssertEqual(refused.status, 60, "curl: \(refused.errors)")
        XCTAssertTrue(upstream.requests.isEmpty, "nothing reached the upstream")
    }

    func testRedirectKeepsHostTargetAndMethodAndExemptsACME() async throws {
        try await start()
        func plain(_ options: [String], _ path: String) throws -> String {
            try CommandLineTool.run(
                ["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                 "-H", "Host: Shop.a.test:\(redirectPort)"] + options + ["http://127.0.0.1:\(redirectPort)\(path)"]
            ).output
        }
        XCTAssertEqual(try plain([], "/cart?id=7&x=%2F"), "301 https://shop.a.test:\(tlsPort)/cart?id=7&x=%2F")
        XCTAssertEqual(try plain(["-I"], "/"), "301 https://shop.a.test:\(tlsPort)/")
        XCTAssertEqual(try plain(["-X", "POST", "-d", "a=1"], "/api/orders"),
            "308 https://shop.a.test:\(tlsPort)/api/orders")
        XCTAssertEqual(try plain(["-X", "DELETE"], "/api/orders/1"), "308 https://shop.a.test:\(tlsPort)/api/orders/1")
        XCTAssertTrue(upstream.requests.isEmpty, "redirected requests never reach an upstream")
        XCTAssertEqual(try plain([], "/.well-known/acme-challenge/token-1"), "200 ")
        XCTAssertEqual(upstream.requests.last?.headers["x-forwarded-proto"], ["http"])
        // Followed by curl, the POST arrives over TLS with its method and body.
        let followed = try CommandLineTool.run(
            ["curl", "-sS", "--max-time", "10", "-L", "--cacert", pki.caPath, "-d", "a=1",
             "--resolve", "a.test:\(redirectPort):127.0.0.1", "--resolve", "a.test:\(tlsPort):127.0.0.1",
             "http://a.test:\(redirectPort)/api/orders?n=2"])
        XCTAssertEqual(followed.output, "POST /api/orders?n=2 3", followed.errors)
    }

    func testHSTSIsSentOverTLSOnly() async throws {
        let site = pki.directory.appendingPathComponent("www/site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try "<p>hi</p>\n".write(to: site.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try await start(
            routes: """
                  - {prefix: /site/, static: {root: \(pki.directory.appendingPathComponent("www").path)}}
                  - {prefix: /, upstream: backend}
                """,
            extra: "limits: {client_max_body_size: 1}")
        let tls = try curl("a.test", "/", ["-D", "-", "-o", "/dev/null"])
        XCTAssertTrue(tls.output.lowercased().contains("strict-transport-security: max-age=31536000"), tls.output)
        // The balancer's own answers over TLS carry it too (nginx's `add_header ... always`).
        let tooLarge = try curl("a.test", "/", ["-D", "-", "-o", "/dev/null", "-d", "abc"])
        XCTAssertTrue(tooLarge.output.hasPrefix("HTTP/1.1 413"), tooLarge.output)
        XCTAssertTrue(tooLarge.output.lowercased().contains("strict-transport-security"), tooLarge.output)
        // Files of a static route too, and its own errors.
        let file = try curl("a.test", "/site/index.html", ["-D", "-", "-o", "/dev/null"])
        XCTAssertTrue(file.output.hasPrefix("HTTP/1.1 200"), file.output)
        XCTAssertTrue(file.output.lowercased().contains("strict-transport-security"), file.output)
        let missing = try curl("a.test", "/site/none.html", ["-D", "-", "-o", "/dev/null"])
        XCTAssertTrue(missing.output.hasPrefix("HTTP/1.1 404"), missing.output)
        XCTAssertTrue(missing.output.lowercased().contains("strict-transport-security"), missing.output)
        let plain = try CommandLineTool.run(
            ["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(plainPort)/"])
        XCTAssertTrue(plain.output.hasPrefix("HTTP/1.1 200"), plain.output)
        XCTAssertFalse(plain.output.lowercased().contains("strict-transport-security"), plain.output)
        let redirect = try CommandLineTool.run(
            ["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(redirectPort)/"])
        XCTAssertFalse(redirect.output.lowercased().contains("strict-transport-security"), redirect.output)
    }

    func testVirtualHostsReturnRoutesAndHeaderEdits() async throws {
        try await start(routes: """
              - {hosts: [a.test], prefix: /, upstream: backend,
                 request_headers: {set: {Host: internal.api, X-Env: prod}, remove: [X-Debug]}}
              - {hosts: ["*.a.test"], prefix: /, return: {status: 200, body: "wildcard\\n"}}
              - {hosts: [www.a.test], prefix: /old/, return: {status: 301, location: "$scheme://a.test$request_uri"}}
              - {hosts: [www.a.test], prefix: /, upstream: other}
              - {exact: /ping, return: {status: 200, body: pong, content_type: application/json}}
              - {prefix: /, upstream: other}
            """)
        let exact = try curl("a.test", "/x", ["-H", "X-Debug: 1", "-H", "X-Env: spoofed"])
        XCTAssertEqual(exact.output, "GET /x 0\n200", exact.errors)
        let edited = try XCTUnwrap(upstream.requests.last)
        XCTAssertEqual(edited.headers["host"], ["internal.api"])
        XCTAssertEqual(edited.headers["x-forwarded-host"], ["a.test:\(tlsPort)"])
        XCTAssertEqual(edited.headers["x-env"], ["prod"])
        XCTAssertNil(edited.headers["x-debug"])
        // Exact beats wildcard beats default.
        XCTAssertEqual(try curl("www.a.test", "/y").output, "GET /y 0\n200")
        XCTAssertEqual(try curl("shop.a.test", "/y", ["-k"]).output, "wildcard\n\n200")
        XCTAssertEqual(try curl("other.b.test", "/y").output, "GET /y 0\n200")
        XCTAssertEqual(other.requests.count, 2)
        let moved = try curl("www.a.test", "/old/page?q=1", ["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"])
        XCTAssertEqual(moved.output, "301 https://a.test/old/page?q=1")
        let pong = try curl("x.b.test", "/ping", ["-D", "-"])
        XCTAssertTrue(pong.output.lowercased().contains("content-type: application/json"), pong.output)
        XCTAssertTrue(pong.output.hasSuffix("pong\n200"), pong.output)
        let head = try curl("x.b.test", "/ping", ["-I"])
        XCTAssertTrue(head.output.contains("content-length: 4") || head.output.contains("Content-Length: 4"))
        XCTAssertFalse(head.output.contains("pong"), head.output)
    }

    /// `http://` to the TLS port gets nginx's answer in plain HTTP — 400, a body saying to use https://, the
    /// security headers but not HSTS, `Connection: close` — and the port still speaks TLS.
    func testPlainHTTPOnTheTLSPortGetsA400SayingToUseHTTPS() async throws {
        try await start(extra: "response_headers: {X-Frame-Options: SAMEORIGIN}")
        let plain = try CommandLineTool.run(
            ["curl", "-sS", "--max-time", "10", "-D", "-", "http://127.0.0.1:\(tlsPort)/path"])
        XCTAssertEqual(plain.status, 0, plain.errors)
        XCTAssertTrue(plain.output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), plain.output)
        XCTAssertTrue(plain.output.hasSuffix("\r\n\r\n" + TLSPortPreface.plainHTTPAnswer.body), plain.output)
        XCTAssertTrue(plain.output.contains("use https://"), plain.output)
        let headers = plain.output.lowercased()
        XCTAssertTrue(headers.contains("\r\nconnection: close\r\n"), plain.output)
        XCTAssertTrue(headers.contains("\r\ncontent-type: text/plain; charset=utf-8\r\n"), plain.output)
        XCTAssertTrue(headers.contains("\r\nx-frame-options: sameorigin\r\n"), plain.output)
        XCTAssertFalse(headers.contains("strict-transport-security"), plain.output)
        let port = tlsPort
        try await Task.detached { try TLSListenerTests.plainRequestsAreAnswered(port: port) }.value
        // The same port, over TLS.
        let tls = try curl("a.test", "/after")
        XCTAssertTrue(tls.output.hasSuffix("\n200"), tls.output + tls.errors)
        XCTAssertEqual(upstream.requests.map(\.target), ["/after"], "no plain request reached the upstream")
    }

    /// A method split over two reads, a HEAD (no body), and a POST whose body is still coming when the 400 is
    /// written, in plain to a TLS port: each gets the 400, and the connection closes after it. Blocking sockets.
    private static func plainRequestsAreAnswered(port: Int) throws {
        let expected = TLSPortPreface.plainHTTPAnswer.body
        let split = try RawHTTP(port: port)
        split.send("GE")
        Thread.sleep(forTimeInterval: 0.05)
        split.send("T / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        let answer = split.receive()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix(expected), "then closed: \(answer)")
        let head = try RawHTTP(port: port)
        head.send("HEAD / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        let headAnswer = head.receive()
        XCTAssertTrue(headAnswer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), headAnswer)
        XCTAssertTrue(headAnswer.contains("\r\nContent-Length: \(expected.utf8.count)\r\n"), headAnswer)
        XCTAssertTrue(headAnswer.hasSuffix("\r\n\r\n"), "no body, then closed: \(headAnswer)")
        let post = try RawHTTP(port: port)
        post.send("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 200000\r\n\r\n")
        post.send([UInt8](repeating: 0x61, count: 200_000))
        let postAnswer = post.receive()
        XCTAssertTrue(postAnswer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), postAnswer)
        XCTAssertTrue(postAnswer.hasSuffix(expected), postAnswer)
    }

    func testAdminShowsEachCertificatesNamesAndExpiry() async throws {
        try await start()
        let balancer = try XCTUnwrap(balancer)
        let client = HTTPClient.makeForTests()
        defer { Task { try? await client.shutdown() } }
        let status = try await client.fetch(balancer.adminURL + "/status.json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
        let certificates = try XCTUnwrap((json["tls"] as? [String: Any])?["certificates"] as? [[String: Any]])
        XCTAssertEqual(certificates.map { $0["names"] as? [String] }, [["a.test", "www.a.test"], ["*.b.test"]])
        XCTAssertEqual(certificates.map { $0["key_type"] as? String }, ["ECDSA P-256", "RSA 2048"])
        XCTAssertEqual(certificates.first?["listener"] as? String, "127.0.0.1:\(tlsPort)")
        let notAfter = try XCTUnwrap(certificates.first?["not_after"] as? String)
        XCTAssertTrue(notAfter.hasSuffix("Z") && notAfter.count == 20, notAfter)
        let metrics = try await client.fetch(balancer.adminURL + "/metrics")
        let expiry = metrics.body.split(separator: "\n").filter {
            $0.hasPrefix("balancer_tls_certificate_expiry_timestamp_seconds{")
        }
        XCTAssertEqual(expiry.count, 2, metrics.body)
        let seconds = try XCTUnwrap(expiry.first?.split(separator: " ").last.flatMap { Double($0) })
        XCTAssertEqual(seconds, Date().timeIntervalSince1970 + 90 * 86_400, accuracy: 3600)
    }

    func testAListenerAddedByAReloadServesTLSFromItsFirstConnection() async throws {
        try await start()
        let balancer = try XCTUnwrap(balancer)
        let running = balancer.server.snapshot.config
        var loaded = running
        let added = try FreePort.allocate()
        var listener = running.listen[0]
        listener.address = HostPort(host: "127.0.0.1", port: added)
        loaded.listen.append(listener)
        try await balancer.server.apply(ReloadPlan(running: running, loaded: loaded))
        let client = try await TLSTestClient.connect(port: added, serverName: "a.test", caPath: pki.caPath)
        let status = try await client.get("/added", host: "a.test").status
        let names = try await client.peerNames()
        await client.close()
        XCTAssertEqual(status, 200)
        XCTAssertEqual(names, ["a.test", "www.a.test"])
        XCTAssertEqual(upstream.requests.last?.headers["x-forwarded-port"], ["\(added)"])
    }

    func testUpstreamTLSVerifiesTheServersName() async throws {
        try await start()
        func front(_ tls: String) async throws -> BalancerHarness {
            try await BalancerHarness(yaml: """
                upstreams:
                  secure:
                    tls: \(tls)
                    servers: [127.0.0.1:\(tlsPort)]
                routes:
                  - {prefix: /, upstream: secure}
                """)
        }
        let client = HTTPClient.makeForTests()
        defer { Task { try? await client.shutdown() } }
        let verified = try await front("{ca: \(pki.caPath), server_name: a.test}")
        let answer = try await client.fetch(verified.baseURL + "/through?tls=1")
        await verified.shutdown()
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "GET /through?tls=1 0")
        XCTAssertEqual(upstream.requests.last?.headers["x-forwarded-proto"], ["https"])
        // A certificate that does not name the server: the attempt fails like a refused connection, 502.
        let mismatched = try await front("{ca: \(pki.caPath), server_name: wrong.test}")
        let refused = try await client.fetch(mismatched.baseURL + "/")
        await mismatched.shutdown()
        XCTAssertEqual(refused.status, 502)
        // An authority the balancer does not trust (the system's, not the test one): 502 as well.
        let untrusted = try await front("{server_name: a.test}")
        let unknownCA = try await client.fetch(untrusted.baseURL + "/")
        await untrusted.shutdown()
        XCTAssertEqual(unknownCA.status, 502)
        XCTAssertEqual(upstream.requests.count, 1)
    }

    /// A reload that changes only a group's `tls:` gives its servers new check loops that talk TLS as the reloaded
    /// group says: a check loop is kept only for the same server object, and a TLS change replaces the objects.
    func testAReloadOfAGroupsTLSAppliesToItsHealthChecks() async throws {
        try await start()
        let front = try await BalancerHarness(yaml: """
            upstreams:
              secure:
                tls: {ca: \(pki.caPath), server_name: wrong.test}
                health_check: {path: /health, interval: 200ms, timeout: 150ms, rise: 1, fall: 1}
                servers: [127.0.0.1:\(tlsPort)]
            routes:
              - {prefix: /, upstream: secure}
            """)
        struct TimedOut: Error { let waitingFor: String }
        func until(_ what: String, _ condition: () -> Bool) async throws {
            let deadline = Date().addingTimeInterval(10)
            while !condition() {
                guard Date() < deadline else { throw TimedOut(waitingFor: what) }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        do {
            let server = try XCTUnwrap(front.server.snapshot.groups.first?.servers.first)
            try await until("the checks fail on the certificate's name") { server.activeHealth == .unhealthy }
            let running = front.server.snapshot.config
            var loaded = running
            loaded.upstreams[0].tls?.serverName = "a.test"
            try await front.server.apply(ReloadPlan(running: running, loaded: loaded))
            let reloaded = try XCTUnwrap(front.server.snapshot.groups.first?.servers.first)
            XCTAssertFalse(reloaded === server, "a TLS change replaces the server, and so its check loop")
            try await until("the checks verify a.test") { reloaded.activeHealth == .healthy }
            XCTAssertEqual(reloaded.activeHealth, .healthy)
        } catch {
            await front.shutdown()
            throw error
        }
        await front.shutdown()
    }
}
