import Foundation

/// The kernel's table of TCP sockets (`/proc/net/tcp` and `tcp6`, what `ss -ltn` reads).
enum ListeningSocketTable {
    /// Sockets in the LISTEN state on `port`.
    static func count(port: Int) -> Int {
        let hexPort = String(format: ":%04X", port)
        return ["/proc/net/tcp", "/proc/net/tcp6"].reduce(0) { total, path in
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
            // Columns: slot, local address, remote address, state (0A: LISTEN), ...
            return total + rows.filter { $0.count > 3 && $0[1].hasSuffix(hexPort) && $0[3] == "0A" }.count
        }
    }
}
