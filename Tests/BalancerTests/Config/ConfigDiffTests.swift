import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The one-line summary a reload logs names exactly what changed.
final class ConfigDiffTests: XCTestCase {
    private let base = """
        listen: [0.0.0.0:80]
        response_headers: {X-Frame-Options: SAMEORIGIN}
        upstreams:
          backend:
            servers: [127.0.0.1:8001, 127.0.0.1:8002, 127.0.0.1:8003]
          web:
            servers: [127.0.0.1:3000]
        routes:
          - {prefix: /api/, upstream: backend}
          - {prefix: /, upstream: web}
        """

    private func diff(_ edit: (String) -> String) throws -> ConfigDiff {
        let old = try XCTUnwrap(ConfigFixture.parse(base))
        let new = try XCTUnwrap(ConfigFixture.parse(edit(base)))
        return ConfigDiff(old: old, new: new)
    }

    func testIdenticalConfigsHaveAnEmptyDiff() throws {
        let diff = try diff { $0 }
        XCTAssertTrue(diff.isEmpty)
        XCTAssertEqual(diff.summary, "upstreams unchanged; routes unchanged; listeners unchanged; headers unchanged")
    }

    func testServersAddedAndRemovedAndHeadersChanged() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "127.0.0.1:8001, ", with: "")
                .replacingOccurrences(of: "127.0.0.1:8003]", with: "127.0.0.1:8003, 127.0.0.1:8004]")
                .replacingOccurrences(of: "SAMEORIGIN", with: "DENY")
        }
        XCTAssertFalse(diff.isEmpty)
        XCTAssertEqual(
            diff.summary,
            "upstream backend +127.0.0.1:8004 -127.0.0.1:8001; routes unchanged; listeners unchanged; headers changed")
    }

    func testModifiedServersGroupSettingsAndNewGroups() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "127.0.0.1:8002,", with: "{address: 127.0.0.1:8002, weight: 3},")
                .replacingOccurrences(of: "  backend:\n", with: "  backend:\n    balance: round_robin\n")
                .replacingOccurrences(
                    of: "  web:\n    servers: [127.0.0.1:3000]", with: "  api:\n    servers: [api:80]")
                .replacingOccurrences(of: "upstream: web", with: "upstream: api")
        }
        XCTAssertEqual(
            diff.summary,
            "upstream backend ~127.0.0.1:8002 settings changed; upstream api added; upstream web removed; "
                + "routes changed; listeners unchanged; headers unchanged")
    }

    func testReorderedServersAreNamedAsSuch() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "127.0.0.1:8001, 127.0.0.1:8002", with: "127.0.0.1:8002, 127.0.0.1:8001")
        }
        XCTAssertEqual(diff.upstreams, [
            .changed("backend", added: [], removed: [], modified: [], settingsChanged: false)
        ])
        XCTAssertTrue(diff.summary.hasPrefix("upstream backend servers reordered; "))
    }

    func testListenersAndOtherSettings() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "[0.0.0.0:80]", with: "[0.0.0.0:8080]")
                + "\nworkers: 3\nproxy: {read_timeout: 5s}"
        }
        XCTAssertEqual(diff.listenersAdded, [HostPort(host: "0.0.0.0", port: 8080)])
        XCTAssertEqual(diff.listenersRemoved, [HostPort(host: "0.0.0.0", port: 80)])
        XCTAssertEqual(diff.otherChanged, ["workers", "proxy"])
        XCTAssertEqual(
            diff.summary,
            "upstreams unchanged; routes unchanged; listeners +0.0.0.0:8080 -0.0.0.0:80; headers unchanged; "
                + "workers, proxy changed")
    }

    func testEveryTopLevelKeyIsComparedIncludingResolver() throws {
        let diff = try diff { $0 + "\nresolver: 127.0.0.1:53\nshutdown_timeout: 5s" }
        XCTAssertEqual(diff.otherChanged, ["shutdown_timeout", "resolver"])
        // The reader accepts exactly the keys the diff compares.
        XCTAssertEqual(ConfigReader.topLevelKeys, BalancerConfig.topLevelKeys.map(\.name))
        XCTAssertEqual(Set(ConfigReader.topLevelKeys).count, ConfigReader.topLevelKeys.count)
    }
}
