import ArgumentParser
import Foundation

/// `balancer reload` — signal a running balancer to re-read its config, like `nginx -s reload`.
///
/// The pid file comes from `--pid-file`, else from `pid_file` in the config. A config that is read
/// is also validated first, so a broken file is reported here rather than only in the server's log.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Send SIGHUP to the running balancer so it re-reads its config."
    )

    @Option(name: .long, help: ArgumentHelp("The pid file of the running balancer (default: pid_file from the "
        + "config).", valueName: "file"))
    var pidFile: String?

    @Option(name: .long, help: ArgumentHelp("The config to validate and take pid_file from (default: "
        + "\(ConfigOptions.defaultPath)).", valueName: "file"))
    var config: String?

    func run() throws {
        let pidPath = try resolvePidPath()
        switch PidFile(path: pidPath).runningPid() {
        case .failure(let problem):
            StandardError.write(problem.message)
            throw ExitCode.failure
        case .success(let pid):
            guard kill(pid, SIGHUP) == 0 else {
                let reason = String(cString: strerror(errno))
                StandardError.write("could not signal process \(pid) from \(pidPath): \(reason)")
                throw ExitCode.failure
            }
            print("sent SIGHUP to process \(pid) (from \(pidPath)); it re-reads its config and logs what changed")
        }
    }

    /// `--pid-file` as given, else the config's `pid_file` (the config must then load cleanly).
    private func resolvePidPath() throws -> String {
        if let pidFile {
            if let config { _ = try ConfigOptions.load(path: config) }
            return pidFile
        }
        let path = config ?? ConfigOptions.defaultPath
        guard let pidFile = try ConfigOptions.load(path: path).pidFile else {
            StandardError.write("\(path) sets no pid_file, so serve writes none; add pid_file: balancer.pid to it "
                + "and restart, or pass --pid-file")
            throw ExitCode.failure
        }
        return pidFile
    }
}
