import ArgumentParser
import BalancerCore
import Foundation
import Shared

/// `balancer serve` — load the config and proxy until stopped; the default subcommand.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load the config and serve until SIGTERM or SIGINT (SIGHUP reloads the config)."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        // Operators read logs on stdout (as in a container), with millisecond timestamps; LOG_LEVEL overrides info.
        LoggingBootstrap.bootstrapStdout(environment: ProcessInfo.processInfo.environment)
        let config = try options.loadOrExit()
        // First, so the event loops and listeners open their descriptors under the limit meant for them.
        try OpenFilesLimit.applyAtStart(config)
        let record = try recordConfigPath(pidFile: config.pidFile)
        defer { if let record, let pidFile = config.pidFile { record.remove(besidePidFile: pidFile) } }
        try await BalancerRuntime.serve(config: config, configPath: options.config)
    }

    /// Records the config path beside the pid file, so `balancer reload` validates the file this process re-reads
    /// on SIGHUP. Skipped while the pid file names another running balancer: this one most likely fails to listen
    /// and exits, and must not take that balancer's record with it.
    private func recordConfigPath(pidFile: String?) throws -> PidFile.ConfigRecord? {
        guard let pidFile else { return nil }
        let record = PidFile.ConfigRecord.forThisProcess(configPath: options.config)
        if case .success(let other) = PidFile(path: pidFile).runningPid(), other != record.pid { return nil }
        try record.write(besidePidFile: pidFile)
        return record
    }
}
