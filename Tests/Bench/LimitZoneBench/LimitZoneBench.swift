import BalancerCore
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// What one request's rate-limit check costs, and what sharing a zone between event loops costs: nanoseconds per
/// `RequestLimiter.check` with one rate zone, on one thread and on two at once (the same client, the worst case
/// for the shared word; or a client each), next to the same checks each behind one lock, and for a flood of new
/// keys. Run in release: `swift run -c release LimitZoneBench [part of a row's name]`.
@main
enum LimitZoneBench {
    /// Checks per thread in one measurement: with two threads on one client, fewer than the zone's burst of a
    /// million, so every check passes and is charged (a refusal would skip the compare-and-swap).
    static let rounds = 400_000

    static func main() {
        // The zone and rule scripts/bench.sh --limits puts in front of every request.
        let yaml = """
            listen: 127.0.0.1:8080
            rate_limits:
              bench: {key: client_address, rate: 1000000r/s, size: 10m}
            rate_limit: {zone: bench, burst: 1000000, nodelay: true}
            upstreams: {backend: {servers: [127.0.0.1:8001]}}
            routes: [{prefix: /, upstream: backend}]
            """
        guard let config = try? ConfigLoader.parse(yaml: yaml, path: "bench.yaml") else {
            fatalError("the benchmark's config does not load")
        }
        let limits = LimitZoneSet(config: config).limits(for: nil, in: config)
        let lock = NIOLock()
        print("ns per check, best of 5 runs of \(rounds) checks per thread")
        measure("one client, 1 thread", threads: 1) { _, step in check(limits, client: 1) }
        measure("one client, 2 threads", threads: 2) { _, step in check(limits, client: 1) }
        measure("a client per thread, 2 threads", threads: 2) { thread, _ in
            check(limits, client: UInt8(thread + 1))
        }
        measure("a new client each check, 1 thread", threads: 1) { _, step in
            check(limits, client: 0, distinct: step)
        }
        // The same checks with a lock taken around each, as a zone locked on every request would be (nginx locks its
        // shared zone per request).
        measure("one client, a lock per check, 1 thread", threads: 1) { _, _ in
            lock.withLock { check(limits, client: 1) }
        }
        measure("one client, a lock per check, 2 threads", threads: 2) { _, _ in
            lock.withLock { check(limits, client: 1) }
        }
        measure("a client per thread, a lock per check, 2 threads", threads: 2) { thread, _ in
            lock.withLock { check(limits, client: UInt8(thread + 1)) }
        }
    }

    /// Runs `body(thread, step)` `rounds` times on each of `threads` threads, five times after a pause that lets
    /// the bucket drain, and prints the best time per check.
    static func measure(_ name: String, threads: Int, _ body: @escaping @Sendable (Int, Int) -> Bool) {
        // An argument picks the rows whose name contains it (for a profiler).
        if let only = CommandLine.arguments.dropFirst().first, !name.contains(only) { return }
        var best = Double.infinity
        for run in 0..<5 {
            Thread.sleep(forTimeInterval: 1.2)
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var passed = 0
                for step in run * rounds..<(run + 1) * rounds where body(thread, step) { passed += 1 }
                precondition(passed == rounds, "\(name): \(rounds - passed) checks refused")
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds))
        }
        print(name.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "%8.1f", best))
    }

    /// A request head as the balancer hands it to the limits (decoded by its own decoder).
    private static let head: HTTP1RequestHead = {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 << 10)
        decoder.feed(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: bench\r\nUser-Agent: wrk\r\n\r\n"))
        guard case .head(let head)? = try? decoder.next() else { fatalError("the benchmark's head does not parse") }
        return head
    }()

    /// The monotonic clock, as the balancer reads it once per request.
    private static var now: Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    private static func check(_ limits: RouteLimits, client: UInt8, distinct: Int? = nil) -> Bool {
        let address = distinct.map {
            IPAddress(ipv4: 10, UInt8(truncatingIfNeeded: $0 >> 16), UInt8(truncatingIfNeeded: $0 >> 8),
                UInt8(truncatingIfNeeded: $0))
        } ?? IPAddress(ipv4: 192, 0, 2, client)
        return RequestLimiter.check(limits, client: address, route: 0, head: head, now: now).verdict == .pass
    }
}
