import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The balancer as a process with a TLS listener: SIGHUP swaps a renewed certificate while a keep-alive TLS
/// client goes on using its connection, a broken file is refused and the served certificate stays, and
/// `balancer check` judges certificate files the way an operator needs before a reload.
final class TLSReloadTests: XCTestCase {
    private var pki: TestPKI!
    private var upstream: RecordingUpstream!
    private var adminPort = 0

    override func setUp() async throws {
        try CommandLineTool.requireCurlAndOpenSSL()
        pki = try TestPKI()
        upstream = try await RecordingUpstream()
        adminPort = try FreePort.allocate()
    }

    override func tearDown() async throws {
        await upstream?.shutdown()
        pki?.remove()
    }

    private func config(port: Int, cert: String, key: String, hosts: String = "") -> String {
        """
        listen:
          - {address: 127.0.0.1:\(port), tls: {certificates: [{cert: \(cert), key: \(key)}]}}
        admin: {listen: 127.0.0.1:\(adminPort)}
        workers: 1
        access_log: off
        upstreams:
          backend: {servers: [\(upstream.address)]}
        routes:
          - {\(hosts)prefix: /, upstream: backend}
        """
    }

    func testSIGHUPSwapsTheCertificateWithoutDroppingAKeepAliveConnection() async throws {
        let port = try FreePort.allocate()
        let live = try pki.issue(["a.test"], file: "live")
        let balancer = try await BalancerProcess(yaml: config(port: port, cert: live.cert, key: live.key))
        defer { balancer.stop() }
        let kept = try await TLSTestClient.connect(port: port, serverName: "a.test", caPath: pki.caPath)
        defer { Task { await kept.close() } }
        let one = try await kept.get("/one", host: "a.test").status
        XCTAssertEqual(one, 200)
        let namesBefore = try await kept.peerNames()
        XCTAssertEqual(namesBefore, ["a.test"])

        // Renewed in place, as certbot does: same paths, new contents with one more name.
        let renewed = try pki.issue(["a.test", "new.a.test"], file: "renewed")
        try FileManager.default.removeItem(atPath: live.cert)
        try FileManager.default.copyItem(atPath: renewed.cert, toPath: live.cert)
        try FileManager.default.removeItem(atPath: live.key)
        try FileManager.default.copyItem(atPath: renewed.key, toPath: live.key)
        let applied = try await balancer.reload(expecting: 1)
        XCTAssertTrue(applied.contains("applied"), applied)

        XCTAssertTrue(kept.isActive)
        let two = try await kept.get("/two", host: "a.test").status
        XCTAssertEqual(two, 200, "the open connection keeps working")
        let namesKept = try await kept.peerNames()
        XCTAssertEqual(namesKept, ["a.test"], "and keeps the certificate it started with")
        let fresh = try await TLSTestClient.connect(port: port, serverName: "new.a.test", caPath: pki.caPath)
        let three = try await fresh.get("/three", host: "new.a.test").status
        XCTAssertEqual(three, 200)
        let namesRenewed = try await fresh.peerNames()
        XCTAssertEqual(namesRenewed, ["a.test", "new.a.test"])
        await fresh.close()

        // A broken file: refused like a bad config, and the renewed certificate keeps serving.
        try "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
            .write(toFile: live.cert, atomically: true, encoding: .utf8)
        let refused = try await balancer.reload(expecting: 2)
        XCTAssertTrue(refused.contains("refused"), refused)
        XCTAssertTrue(balancer.log.contains("holds no PEM certificate"), balancer.log)
        let after = try await TLSTestClient.connect(port: port, serverName: "new.a.test", caPath: pki.caPath)
        let four = try await after.get("/four", host: "new.a.test").status
        XCTAssertEqual(four, 200)
        let namesAfterRefusal = try await after.peerNames()
        XCTAssertEqual(namesAfterRefusal, ["a.test", "new.a.test"])
        await after.close()
        let five = try await kept.get("/five", host: "a.test").status
        XCTAssertEqual(five, 200)
        XCTAssertEqual(upstream.requests.map(\.target), ["/one", "/two", "/three", "/four", "/five"])
    }

    /// `balancer check --config FILE` as a process: exit status and standard error.
    private func check(_ yaml: String) throws -> CommandLineTool.Outcome {
        let path = pki.directory.appendingPathComponent("check-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try CommandLineTool.run([BalancerProcess.binary.path, "check", "--config", path])
    }

    func testCheckJudgesCertificateFiles() throws {
        let good = try pki.issue(["a.test"], file: "good")
        let ok = try check(config(port: 8443, cert: good.cert, key: good.key, hosts: "hosts: [a.test], "))
        XCTAssertEqual(ok.status, 0, ok.errors)
        XCTAssertTrue(ok.output.contains("configuration ok"), ok.output)
        XCTAssertTrue(ok.output.contains("127.0.0.1:8443: a.test (ECDSA P-256, \(good.cert)) expires"), ok.output)

        let expired = try pki.issue(["a.test"], file: "expired", validFrom: -100, validUntil: -2)
        let old = try check(config(port: 8443, cert: expired.cert, key: expired.key))
        XCTAssertEqual(old.status, 1)
        let expiredLine = "listen[0].tls.certificates[0]: \(expired.cert) (a.test) expired at"
        XCTAssertTrue(old.errors.contains(expiredLine), old.errors)

        let soon = try pki.issue(["a.test"], file: "soon", validUntil: 10)
        let warned = try check(config(port: 8443, cert: soon.cert, key: soon.key))
        XCTAssertEqual(warned.status, 0, warned.errors)
        XCTAssertTrue(warned.errors.contains("warning: "), warned.errors)
        XCTAssertTrue(warned.errors.contains("expires at"), warned.errors)

        let mismatched = try check(config(port: 8443, cert: good.cert, key: soon.key))
        XCTAssertEqual(mismatched.status, 1)
        XCTAssertTrue(mismatched.errors.contains("the key does not belong to the certificate"), mismatched.errors)

        let uncovered = try check(config(port: 8443, cert: good.cert, key: good.key, hosts: "hosts: [b.test], "))
        XCTAssertEqual(uncovered.status, 1)
        XCTAssertTrue(uncovered.errors.contains("no certificate of 127.0.0.1:8443 names b.test"), uncovered.errors)

        let missing = try check(config(port: 8443, cert: "/nonexistent/cert.pem", key: good.key))
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.errors.contains("/nonexistent/cert.pem: no such certificate file"), missing.errors)
    }
}
