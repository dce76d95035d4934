/// Slow start: a server that comes back has its effective weight ramp linearly from (almost) 0 to its full weight
/// over `slow_start`, so a cold replica is not flooded the moment it recovers.
///
/// Weights handed to the policies are configured weights × `scale`, so even a weight-1 server can ramp in steps
/// of 1 %; every server is scaled alike, so the policies' proportions are unchanged.
package enum SlowStart {
    package static let scale = 100

    /// The scaled weight `elapsed` nanoseconds after recovery (`window` = slow_start); at least 1 so the server still
    /// gets a trickle of traffic, and the full scaled weight outside the window.
    package static func effectiveWeight(weight: Int, elapsed: Int64, window: Int64) -> Int {
        let full = weight * scale
        guard window > 0, elapsed >= 0, elapsed < window else { return full }
        return max(1, min(full, Int(Int64(full) * elapsed / window)))
    }
}
