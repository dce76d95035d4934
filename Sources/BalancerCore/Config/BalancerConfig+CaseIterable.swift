/// The values `choice(_:of:)` lists when a config names one that does not exist.
extension BalanceMethod: CaseIterable {
    package static let allCases: [BalanceMethod] = [.leastConn, .roundRobin]
}

extension LogFormat: CaseIterable {
    package static let allCases: [LogFormat] = [.combined, .json]
}
