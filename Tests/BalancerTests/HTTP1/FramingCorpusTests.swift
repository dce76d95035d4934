import FramingOracles
import XCTest

/// The committed fuzz corpus through the same oracles the fuzz targets run: every saved input must still be framed
/// the same way by the balancer and by an independent parser, so a framing regression fails the normal test run,
/// not only a fuzzing run.
final class FramingCorpusTests: XCTestCase {
    private func replay(
        _ target: FramingTarget, atLeast seeds: Int = 20, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let corpus = ReplicaProcess.packageRoot.appendingPathComponent("Tests/Fuzz/Corpus/\(target.rawValue)").path
        let result = try CorpusReplay.replay(target, paths: [corpus])
        // The seeds cover the framing cases one by one; far fewer means the corpus folder was not found whole.
        XCTAssertGreaterThanOrEqual(result.checked, seeds, "inputs in \(corpus)", file: file, line: line)
        for failure in result.failures {
            XCTFail("\(failure)", file: file, line: line)
        }
    }

    func testRequestCorpusIsForwardedAsTheBalancerReadIt() throws {
        try replay(.request)
    }

    func testResponseCorpusReachesTheClientAsTheBalancerReadIt() throws {
        try replay(.response)
    }

    func testProxyProtocolCorpusParsesTheSameInPiecesAndWhole() throws {
        try replay(.proxyProtocol, atLeast: 15)
    }
}
