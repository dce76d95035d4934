/// What changed between two config snapshots, for the one line a reload logs.
///
/// Servers are compared by address: `+` added, `-` removed, `~` same address with new weight, limits or
/// backup flag. Listener changes are listed separately because they need new sockets.
package struct ConfigDiff: Sendable, Equatable {
    /// How one upstream group changed.
    package enum UpstreamChange: Sendable, Equatable {
        case added(String)
        case removed(String)
        /// Servers added/removed/modified and whether group settings (balance, limits, checks) changed.
        case changed(String, added: [HostPort], removed: [HostPort], modified: [HostPort], settingsChanged: Bool)
    }

    package var upstreams: [UpstreamChange]
    package var routesChanged: Bool
    package var listenersAdded: [HostPort]
    package var listenersRemoved: [HostPort]
    /// Listeners kept (same address) whose TLS, redirect or other settings changed: new connections use them.
    package var listenersChanged: [HostPort]
    package var headersChanged: Bool
    /// Top-level keys other than the above whose values changed, in file order (`workers`, `proxy`, …).
    package var otherChanged: [String]

    package init(old: BalancerConfig, new: BalancerConfig) {
        upstreams = Self.upstreamChanges(old: old.upstreams, new: new.upstreams)
        routesChanged = old.routes != new.routes
        let oldAddresses = old.listenAddresses
        let newAddresses = new.listenAddresses
        listenersAdded = newAddresses.filter { !oldAddresses.contains($0) }
        listenersRemoved = oldAddresses.filter { !newAddresses.contains($0) }
        listenersChanged = new.listen.filter { listener in
            old.listen.contains { $0.address == listener.address && $0 != listener }
        }.map(\.address)
        headersChanged = old.responseHeaders != new.responseHeaders
        // The keys above have lines of their own in the summary; every other one is named when it changed.
        let detailed: Set<String> = ["listen", "upstreams", "routes", "response_headers"]
        otherChanged = BalancerConfig.topLevelKeys
            .filter { !detailed.contains($0.name) && $0.differs(old, new) }
            .map(\.name)
    }

    package var isEmpty: Bool {
        upstreams.isEmpty && !routesChanged && listenersAdded.isEmpty && listenersRemoved.isEmpty
            && listenersChanged.isEmpty && !headersChanged && otherChanged.isEmpty
    }

    /// `upstream backend +127.0.0.1:8004 -127.0.0.1:8001; routes unchanged; listeners unchanged; headers changed`
    package var summary: String {
        var parts: [String] = upstreams.isEmpty ? ["upstreams unchanged"] : upstreams.map(Self.describe)
        parts.append(routesChanged ? "routes changed" : "routes unchanged")
        let listenerEdits = listenersAdded.map { "+\($0)" } + listenersRemoved.map { "-\($0)" }
            + listenersChanged.map { "~\($0)" }
        let listeners = listenerEdits.isEmpty ? "unchanged" : listenerEdits.joined(separator: " ")
        parts.append("listeners \(listeners)")
        parts.append(headersChanged ? "headers changed" : "headers unchanged")
        if !otherChanged.isEmpty { parts.append(otherChanged.joined(separator: ", ") + " changed") }
        return parts.joined(separator: "; ")
    }

    private static func describe(_ change: UpstreamChange) -> String {
        switch change {
        case .added(let name): return "upstream \(name) added"
        case .removed(let name): return "upstream \(name) removed"
        case .changed(let name, let added, let removed, let modified, let settingsChanged):
            let edits = added.map { "+\($0)" } + removed.map { "-\($0)" } + modified.map { "~\($0)" }
                + (settingsChanged ? ["settings changed"] : [])
            // Same servers and settings in a new order: the group differs only in how it is listed.
            return "upstream \(name) " + (edits.isEmpty ? "servers reordered" : edits.joined(separator: " "))
        }
    }

    private static func upstreamChanges(old: [UpstreamConfig], new: [UpstreamConfig]) -> [UpstreamChange] {
        var changes: [UpstreamChange] = []
        for group in new {
            guard let before = old.first(where: { $0.name == group.name }) else {
                changes.append(.added(group.name))
                continue
            }
            guard before != group else { continue }
            let oldByAddress = Dictionary(before.servers.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
            let newAddresses = Set(group.servers.map(\.address))
            let added = group.servers.filter { oldByAddress[$0.address] == nil }.map(\.address)
            let removed = before.servers.filter { !newAddresses.contains($0.address) }.map(\.address)
            let modified = group.servers.filter { server in
                oldByAddress[server.address].map { $0 != server } ?? false
            }.map(\.address)
            var settingsBefore = before
            settingsBefore.servers = group.servers
            changes.append(.changed(group.name, added: added, removed: removed, modified: modified,
                settingsChanged: settingsBefore != group))
        }
        changes += old.filter { group in !new.contains { $0.name == group.name } }.map { .removed($0.name) }
        return changes
    }
}
