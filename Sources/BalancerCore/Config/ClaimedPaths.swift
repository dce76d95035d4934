/// The paths earlier routes already match, to refuse a later route that could never be chosen.
package struct ClaimedPaths {
    private var prefixes: [String: String] = [:]
    private var exacts: [String: String] = [:]

    /// Records `prefix` for the route at `path`; returns the earlier route's path when it was taken.
    package mutating func claim(prefix: String, by path: String) -> String? {
        if let earlier = prefixes[prefix] { return earlier }
        prefixes[prefix] = path
        return nil
    }

    package mutating func claim(exact: String, by path: String) -> String? {
        if let earlier = exacts[exact] { return earlier }
        exacts[exact] = path
        return nil
    }
}
