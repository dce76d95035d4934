import BalancerCore
import Foundation

/// Writes the `pid_file` at start and removes it at exit, so `balancer reload` finds the running process and a
/// stopped balancer leaves no stale pid behind.
struct PidFileWriter {
    let path: String

    /// Writes this process's id followed by a newline.
    init(path: String) throws {
        self.path = path
        let text = "\(ProcessInfo.processInfo.processIdentifier)\n"
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BalancerStartError(message: "cannot write pid_file \(path): \(error.localizedDescription); "
                + "check that the directory exists and this user may write there")
        }
    }

    /// Removes the file if it still names this process (another balancer may have taken it over since).
    func remove() {
        guard let data = FileManager.default.contents(atPath: path),
            PidFile.pid(from: String(decoding: data, as: UTF8.self)) == ProcessInfo.processInfo.processIdentifier
        else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
