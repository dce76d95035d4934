import XCTest

@testable import Balancer
@testable import BalancerCore

/// The policies as pure values: ties, weights, the empty pool.
final class BalancingPolicyTests: XCTestCase {
    private var counter: UInt64 = 0
    private func ticket() -> UInt64 {
        defer { counter += 1 }
        return counter
    }

    private func candidates(_ specs: [(weight: Int, active: Int)]) -> [PickCandidate] {
        specs.enumerated().map { PickCandidate(index: $0.offset, weight: $0.element.weight, active: $0.element.active) }
    }

    func testLeastConnPicksFewestInFlight() {
        var policy = LeastConnPolicy(serverCount: 3)
        XCTAssertEqual(policy.pick(from: candidates([(1, 4), (1, 1), (1, 3)]), ticket: ticket), 1)
    }

    func testLeastConnTiesRotateEvenly() {
        var policy = LeastConnPolicy(serverCount: 3)
        var counts = [0, 0, 0]
        for _ in 0..<30 {
            let choice = policy.pick(from: candidates([(1, 0), (1, 0), (1, 0)]), ticket: ticket)!
            counts[choice] += 1
        }
        XCTAssertEqual(counts, [10, 10, 10])
        XCTAssertEqual(policy.pick(from: candidates([(1, 0), (1, 0), (1, 0)]), ticket: { 31 }), 1, "in turn")
    }

    func testLeastConnTiesRotateOneByOneWithScaledWeights() {
        var policy = LeastConnPolicy(serverCount: 3)
        let picks = (0..<6).map { _ in policy.pick(from: candidates([(100, 0), (100, 0), (100, 0)]), ticket: ticket)! }
        XCTAssertEqual(picks, [0, 1, 2, 0, 1, 2])
    }

    func testLeastConnWeighsActiveByWeight() {
        var policy = LeastConnPolicy(serverCount: 2)
        // 3 in flight on weight 4 (0.75 each) beats 1 in flight on weight 1.
        XCTAssertEqual(policy.pick(from: candidates([(4, 3), (1, 1)]), ticket: ticket), 0)
        XCTAssertEqual(policy.pick(from: candidates([(4, 5), (1, 1)]), ticket: ticket), 1)
    }

    func testLeastConnWeightedTiesFollowWeights() {
        var policy = LeastConnPolicy(serverCount: 2)
        var counts = [0, 0]
        for _ in 0..<40 { counts[policy.pick(from: candidates([(3, 0), (1, 0)]), ticket: ticket)!] += 1 }
        XCTAssertEqual(counts, [30, 10])
    }

    func testEmptyPoolPicksNothing() {
        var leastConn = LeastConnPolicy(serverCount: 0)
        var roundRobin = SmoothWeightedRoundRobin(serverCount: 0)
        XCTAssertNil(leastConn.pick(from: [], ticket: ticket))
        XCTAssertNil(roundRobin.pick(from: [], ticket: ticket))
    }

    func testSmoothWeightedRoundRobinMatchesNginxSequence() {
        var policy = SmoothWeightedRoundRobin(serverCount: 3)
        let list = candidates([(5, 0), (1, 0), (1, 0)])
        let sequence = (0..<7).map { _ in policy.pick(from: list, ticket: ticket)! }
        // nginx's documented order for weights 5,1,1: a a b a c a a
        XCTAssertEqual(sequence, [0, 0, 1, 0, 2, 0, 0])
    }

    func testRoundRobinSkipsServersThatAreNotCandidates() {
        var policy = SmoothWeightedRoundRobin(serverCount: 3)
        let list = [PickCandidate(index: 0, weight: 1, active: 0), PickCandidate(index: 2, weight: 1, active: 0)]
        let picks = (0..<4).map { _ in policy.pick(from: list, ticket: ticket)! }
        XCTAssertEqual(Set(picks), [0, 2])
        XCTAssertEqual(picks.filter { $0 == 0 }.count, 2)
    }

    func testGroupOffersBackupsOnlyWhenNoPrimaryIsEligible() {
        let group = UpstreamGroup(
            config: UpstreamConfig(name: "g", servers: []),
            servers: [
                UpstreamServer(config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 1))),
                UpstreamServer(config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 2), backup: true)),
            ]
        )
        var list: [PickCandidate] = []
        group.eligibleCandidates(into: &list, excluding: .empty, now: 0)
        XCTAssertEqual(list.map(\.index), [0])
        var tried = ServerSet.empty
        tried.insert(0)
        group.eligibleCandidates(into: &list, excluding: tried, now: 0)
        XCTAssertEqual(list.map(\.index), [1])
        tried.insert(1)
        group.eligibleCandidates(into: &list, excluding: tried, now: 0)
        XCTAssertTrue(list.isEmpty, "all tried: the caller answers 502/503")
    }

    func testServerSetBeyondSixtyFour() {
        var set = ServerSet.empty
        set.insert(3)
        set.insert(70)
        XCTAssertTrue(set.contains(3) && set.contains(70))
        XCTAssertFalse(set.contains(4))
        XCTAssertEqual(set.count, 2)
        set.remove(70)
        XCTAssertFalse(set.contains(70))
    }
}
