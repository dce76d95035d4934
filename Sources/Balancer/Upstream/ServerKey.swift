import BalancerCore
/// A server within its group: the key of everything kept per server across event loops, samples and reloads
/// (counters, journal, health-check loops, carried-over state). The group is part of it because two groups may
/// list the same address, and those are two servers with state of their own.
struct ServerKey: Sendable, Hashable {
    var group: String
    var server: ServerID
}
