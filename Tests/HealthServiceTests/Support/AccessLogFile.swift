import Foundation
import Shared
import XCTest

/// A replica's access log written to a temporary file, for tests that read what it logged.
final class AccessLogFile: Sendable {
    let path: String
    let writer: BatchedLogWriter

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString).log").path
        writer = try BatchedLogWriter(output: .file(path))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The lines written, in file order, each with its timestamp checked and replaced by `t`. Read them once the
    /// writer is shut down (the replica does that when it stops), or lines may still wait in a batch.
    func lines(file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { logged in
            let timestamp = logged.prefix { $0 != " " }
            XCTAssertTrue(
                timestamp.count == 24 && timestamp.hasSuffix("Z") && timestamp.dropFirst(19).hasPrefix("."),
                "an ISO 8601 timestamp with milliseconds: \(logged)", file: file, line: line)
            return "t" + logged.dropFirst(timestamp.count)
        }
    }
}
