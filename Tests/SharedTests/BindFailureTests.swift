import NIOCore
import NIOPosix
import Shared
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The reasons a listening socket could not be opened, as both executables word them.
final class BindFailureTests: XCTestCase {
    func testAPortInUseNamesTheCommandThatFindsTheHolder() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let first = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? first.close().wait() }
        let port = try XCTUnwrap(first.localAddress?.port)
        XCTAssertThrowsError(try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: port).wait()) { error in
            XCTAssertEqual(
                BindFailure.reason(for: error, host: "127.0.0.1", port: port, setting: "PORT"),
                "the port is already in use; stop the process holding it (see: ss -ltnp 'sport = :\(port)') "
                    + "or change PORT"
            )
        }
    }

    func testOtherReasons() {
        XCTAssertEqual(
            BindFailure.reason(
                for: IOError(errnoCode: EADDRNOTAVAIL, reason: "bind"),
                host: "10.9.9.9",
                port: 80,
                setting: "`listen`"
            ),
            "10.9.9.9 is not an address of this machine; change `listen` to one of its addresses or 0.0.0.0"
        )
        XCTAssertEqual(
            BindFailure.reason(
                for: IOError(errnoCode: EACCES, reason: "bind"),
                host: "0.0.0.0",
                port: 80,
                setting: "PORT"
            ),
            "ports below 1024 need root or CAP_NET_BIND_SERVICE; grant it or change PORT"
        )
        struct Unexpected: Error, CustomStringConvertible { var description: String { "something else" } }
        XCTAssertEqual(
            BindFailure.reason(for: Unexpected(), host: "0.0.0.0", port: 80, setting: "PORT"),
            "something else"
        )
    }
}
