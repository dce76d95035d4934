/// The oracles, named as their corpus folders are (`Tests/Fuzz/Corpus/<rawValue>`): the two HTTP/1 framing ones,
/// and the PROXY protocol parser's (a connection's preamble is framing too: it decides where the first request
/// begins).
package enum FramingTarget: String, CaseIterable, Sendable {
    case request = "Request"
    case response = "Response"
    case proxyProtocol = "ProxyProtocol"

    /// Runs one input through this target's oracle; throws the violation found, if any.
    package func check(_ bytes: [UInt8]) throws(FramingViolation) {
        #if DEBUG
            switch self {
            case .request: try RequestFramingOracle.check(bytes)
            case .response: try ResponseFramingOracle.check(bytes)
            case .proxyProtocol: try ProxyProtocolOracle.check(bytes)
            }
        #else
            // The oracles call the balancer's internal types, which only a debug (testable) build exposes.
            throw FramingViolation("the framing oracles need a debug build")
        #endif
    }

    /// libFuzzer's per-input call: a violation stops the process, which libFuzzer reports as a crash and saves the
    /// input of.
    package func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try check(bytes)
        } catch {
            fatalError("\(rawValue.lowercased()) framing violation: \(error)")
        }
        return 0
    }
}
