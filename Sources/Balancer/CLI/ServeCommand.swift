import ArgumentParser
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
        try await BalancerRuntime.serve(config: config, configPath: options.config)
    }
}
