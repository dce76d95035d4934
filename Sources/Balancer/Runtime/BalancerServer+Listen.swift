import BalancerCore
import NIOCore
import Shared

/// Opening the sockets of `listen` entries, at start and at reloads.
extension BalancerServer {
    /// Opens the sockets of `listener`: one whose accepted connections go to the loops in turn, or with
    /// `reuseport` one per loop, so the kernel spreads connections over the loops and none changes thread.
    /// Throws with the address in the message when one cannot be bound, after closing those already open.
    ///
    /// `opening`: what the listener does until the snapshot that names it reaches the loops. `besideRunning`: the
    /// address's running sockets still hold the port (a reload flips `reuseport`), so the new ones set
    /// `SO_REUSEPORT` to bind beside them; a socket that keeps it without `reuseport` behaves as one without it,
    /// except that another process of the same user could share its port (nginx's kept socket does the same).
    func open(_ listener: ListenerConfig, opening: ListenerRuntime = .plain, besideRunning: Bool = false)
        async throws -> ListeningSockets
    {
        let address = listener.address
        let groups: [any EventLoopGroup] = listener.reuseport ? group.makeIterator().map { $0 } : [group]
        let reusePort = listener.reuseport || besideRunning
        var channels: [Channel] = []
        do {
            for loops in groups {
                let bootstrap = makeBootstrap(for: address, opening: opening, on: loops, reusePort: reusePort)
                // The first socket resolves the host and, for port 0, picks the port; the others bind where it did.
                if let first = channels.first?.localAddress {
                    channels.append(try await bootstrap.bind(to: first).get())
                } else {
                    channels.append(try await bootstrap.bind(host: address.host, port: address.port).get())
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            let reason = BindFailure.reason(for: error, host: address.host, port: address.port, setting: "`listen`")
            throw BalancerStartError(message: "cannot listen on \(address): \(reason)")
        }
        return ListeningSockets(address: address, reuseport: listener.reuseport, channels: channels)
    }

    /// The sockets `plan` opens: those of new addresses, and new ones for kept addresses whose `reuseport`
    /// flipped, opened while the running ones still accept (which first get `SO_REUSEPORT` to share the port),
    /// so the port never refuses a connection. On a failure nothing changes: what was opened closes, the running
    /// sockets get their `SO_REUSEPORT` back as it was, and the error is thrown.
    ///
    /// Connections the kernel has already queued on a running socket when it closes are reset, as nginx warns
    /// for the sockets it replaces (Linux 5.14's `net.ipv4.tcp_migrate_req` hands them to the new ones).
    func openListeners(of plan: ReloadPlan, tls: EdgeTLS) async throws -> [ListeningSockets] {
        let running = listeningSockets
        var opened: [ListeningSockets] = []
        var shared: [ListeningSockets] = []
        let httpsPort = plan.effective.httpsPort
        do {
            for listener in plan.effective.listen {
                let address = listener.address
                let opening = ListenerRuntime(listener, httpsPort: httpsPort, tls: tls.listeners[address])
                if plan.listenersToOpen.contains(address) {
                    opened.append(try await open(listener, opening: opening))
                } else if plan.listenersToRebind.contains(address),
                    let sockets = running.first(where: { $0.address == address })
                {
                    shared.append(sockets)
                    try await sockets.setReusePort(true)
                    opened.append(try await open(listener, opening: opening, besideRunning: true))
                }
            }
        } catch {
            for sockets in opened { await sockets.close() }
            for sockets in shared where !sockets.reuseport { try? await sockets.setReusePort(false) }
            throw error
        }
        return opened
    }
}
