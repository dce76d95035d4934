import ArgumentParser
import BalancerCore
import Foundation

/// `balancer reload` — signal a running balancer to re-read its config, like `nginx -s reload`.
///
/// The pid file comes from `--pid-file`, else from `pid_file` in `--config` (default: `config/balancer.yaml`),
/// as nginx finds its pid file through `-c`. The config validated before signalling is the one the running process
/// was started with, which `serve` records beside its pid file (see `PidFile.ConfigRecord`): SIGHUP makes the
/// process re-read that file, whatever `--config` names, so checking any other file would prove nothing. When
/// `--config` names a different file than the running one, nothing is signalled and the message says which file
/// runs. A balancer that left no record (one started by an older version) is checked against `--config` or the
/// default path, as before.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Validate the running balancer's config, then send it SIGHUP so it re-reads that config."
    )

    @Option(name: .long, help: ArgumentHelp("The pid file of the running balancer (default: pid_file from the "
        + "config).", valueName: "file"))
    var pidFile: String?

    @Option(name: .long, help: ArgumentHelp("The config to take pid_file from; it must be the one the balancer "
        + "runs (default: \(ConfigOptions.defaultPath)).", valueName: "file"))
    var config: String?

    /// Which config to validate before signalling, given what `serve` recorded.
    enum ConfigChoice: Equatable {
        /// Validate this file, then signal.
        case check(String)
        /// No record and no config named: signal without validating (the server still refuses a broken file).
        case nothing
        /// `--config` names another file than the running process serves: signal nothing.
        case mismatch(requested: String, running: String)
    }

    /// The decision, apart from files and processes so it can be tested: `recorded` wins, `requested` must then be
    /// the same file, and without a record `fallback` (`--config`, or the default path it took pid_file from) is
    /// checked.
    static func choose(requested: String?, fallback: String?, recorded: String?,
                       sameFile: (String, String) -> Bool = ReloadCommand.sameFile) -> ConfigChoice {
        guard let recorded else { return fallback.map(ConfigChoice.check) ?? .nothing }
        if let requested, !sameFile(requested, recorded) {
            return .mismatch(requested: requested, running: recorded)
        }
        return .check(recorded)
    }

    /// Whether two paths name one file, symbolic links and relative paths resolved.
    static func sameFile(_ one: String, _ other: String) -> Bool {
        func canonical(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        return canonical(one) == canonical(other)
    }

    func run() throws {
        let (pidPath, loaded) = try resolvePidPath()
        let pid: Int32
        switch PidFile(path: pidPath).runningPid() {
        case .failure(let problem):
            StandardError.write(problem.message)
            throw ExitCode.failure
        case .success(let running):
            pid = running
        }

        let recorded = PidFile.ConfigRecord.read(besidePidFile: pidPath, pid: pid)?.configPath
        let checked: String?
        switch Self.choose(requested: config, fallback: loaded, recorded: recorded) {
        case .mismatch(let requested, let running):
            StandardError.write("process \(pid) from \(pidPath) serves \(running), and SIGHUP makes it re-read that "
                + "file, not \(requested); edit \(running) and run balancer reload --config \(running), or restart "
                + "the balancer with balancer serve --config \(requested)")
            throw ExitCode.failure
        case .nothing:
            checked = nil
        case .check(let path):
            if path != loaded {
                do {
                    _ = try ConfigOptions.load(path: path)
                } catch {
                    StandardError.write("process \(pid) was not signalled and keeps its current config; fix \(path) "
                        + "and run balancer reload again")
                    throw error
                }
            }
            checked = path
        }

        guard kill(pid, SIGHUP) == 0 else {
            let reason = String(cString: strerror(errno))
            StandardError.write("could not signal process \(pid) from \(pidPath): \(reason)")
            throw ExitCode.failure
        }
        let what = checked.map { "re-reads \($0) (checked: valid)" } ?? "re-reads its config"
        print("sent SIGHUP to process \(pid) (from \(pidPath)); it \(what) and logs what changed")
    }

    /// The pid file path, and the config that was loaded (and so validated) to find it, if any: `--pid-file` as
    /// given, else the `pid_file` of `--config` or the default path (that config must then load cleanly).
    private func resolvePidPath() throws -> (pidPath: String, loaded: String?) {
        if let pidFile {
            if let config { _ = try ConfigOptions.load(path: config) }
            return (pidFile, config)
        }
        let path = config ?? ConfigOptions.defaultPath
        guard let pidFile = try ConfigOptions.load(path: path).pidFile else {
            StandardError.write("\(path) sets no pid_file, so serve writes none; add pid_file: balancer.pid to it "
                + "and restart, or pass --pid-file")
            throw ExitCode.failure
        }
        return (pidFile, path)
    }
}
