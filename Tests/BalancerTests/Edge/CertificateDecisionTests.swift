import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Certificate selection by server name and the verdicts of `balancer check`, from plain values and an injected
/// "now".
final class CertificateDecisionTests: XCTestCase {
    func testSelectionPrefersExactThenWildcardThenTheFirst() {
        let selector = CertificateSelector(names: [
            ["example.com", "www.example.com"],
            ["*.example.com"],
            ["api.example.com"],
            ["*.api.example.com"],
        ])
        XCTAssertEqual(selector.select(serverName: nil), 0)
        XCTAssertEqual(selector.select(serverName: "WWW.example.com"), 0)
        XCTAssertEqual(selector.select(serverName: "shop.example.com"), 1)
        XCTAssertEqual(selector.select(serverName: "api.example.com"), 2)
        XCTAssertEqual(selector.select(serverName: "v1.api.example.com"), 3)
        // A wildcard covers one label only (RFC 6125), so the client would refuse: the default is served.
        XCTAssertEqual(selector.select(serverName: "a.b.c.example.com"), 0)
        XCTAssertEqual(selector.select(serverName: "other.test"), 0)
        XCTAssertEqual(selector.select(serverName: "shop.example.com."), 1)
    }

    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func facts(notAfter days: Double, keyMatches: Bool = true, notBefore: Double = -30) -> CertificateFacts {
        CertificateFacts(
            names: ["example.com"],
            notBefore: now.addingTimeInterval(notBefore * 86_400),
            notAfter: now.addingTimeInterval(days * 86_400),
            keyMatches: keyMatches,
            keyType: "ECDSA P-256")
    }

    func testExpiryVerdicts() {
        XCTAssertEqual(CertificateCheck.findings(facts(notAfter: 90), now: now), [])
        let soon = CertificateCheck.findings(facts(notAfter: 29.5), now: now)
        XCTAssertEqual(soon.map(\.severity), [.warning])
        XCTAssertTrue(soon[0].message.contains("in 29 days"), soon[0].message)
        let expired = CertificateCheck.findings(facts(notAfter: -1), now: now)
        XCTAssertEqual(expired.map(\.severity), [.error])
        XCTAssertTrue(expired[0].message.hasPrefix("expired at 2027-01-14T"), expired[0].message)
        XCTAssertEqual(CertificateCheck.findings(facts(notAfter: 90, notBefore: 2), now: now).map(\.severity), [.error])
        XCTAssertEqual(
            CertificateCheck.findings(facts(notAfter: 90, keyMatches: false), now: now).map(\.severity), [.broken])
    }

    func testRouteHostsMustBeCoveredByACertificate() {
        let names = [["example.com", "*.example.com"]]
        XCTAssertEqual(
            CertificateCheck.uncoveredHosts(
                ["example.com", "shop.example.com", "*.example.com", "a.b.example.com", "*.b.example.com", "x.test"],
                certificateNames: names),
            ["a.b.example.com", "*.b.example.com", "x.test"])
    }
}
