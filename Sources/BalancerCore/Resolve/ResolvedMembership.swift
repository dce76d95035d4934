/// How the addresses of one upstream name changed between two lookups: the decision a re-resolution acts on.
///
/// Pure value: the snapshot rebuild keeps the servers in `unchanged` (their state and counters with them), adds
/// `added` and drops `removed`. Addresses are compared as text in sorted order, so the answer order a DNS server
/// rotates through (round-robin records) is not mistaken for a change.
package struct ResolvedMembership: Sendable, Equatable {
    package var added: [String]
    package var removed: [String]
    package var unchanged: [String]

    package init(old: [String], new: [String]) {
        let before = Set(old)
        let after = Set(new)
        added = after.subtracting(before).sorted()
        removed = before.subtracting(after).sorted()
        unchanged = after.intersection(before).sorted()
    }

    package var isChanged: Bool { !added.isEmpty || !removed.isEmpty }

    /// The addresses after the change, sorted.
    package var current: [String] { (unchanged + added).sorted() }

    /// `+10.0.0.6 -10.0.0.5`, for the log line.
    package var summary: String { (added.map { "+\($0)" } + removed.map { "-\($0)" }).joined(separator: " ") }
}
