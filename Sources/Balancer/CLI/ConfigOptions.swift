import ArgumentParser
import BalancerCore
import Foundation

/// `--config FILE`, shared by the subcommands that read a config.
struct ConfigOptions: ParsableArguments {
    static let defaultPath = "config/balancer.yaml"

    @Option(name: .long, help: ArgumentHelp("The YAML config file.", valueName: "file"))
    var config: String = ConfigOptions.defaultPath

    /// Loads the config, or prints every problem as `FILE:LINE: key.path: message` to stderr and exits 1.
    func loadOrExit() throws -> BalancerConfig {
        try ConfigOptions.load(path: config)
    }

    static func load(path: String, checksPaths: Bool = true) throws -> BalancerConfig {
        do {
            return try ConfigLoader.load(path: path, checksPaths: checksPaths)
        } catch {
            for problem in error.errors { StandardError.write(problem.description) }
            throw ExitCode.failure
        }
    }
}
