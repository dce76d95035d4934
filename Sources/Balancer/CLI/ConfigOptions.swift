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
        try loadWithTLS(path: path, checksPaths: checksPaths).config
    }

    /// The config and what its certificate, key and CA files hold; a file that cannot be served is reported like
    /// a config error (the server would refuse it the same way). Without `checksPaths` no file is read: the
    /// certificates live where the config runs (a secret of the container), not where it is checked.
    static func loadWithTLS(path: String, checksPaths: Bool = true) throws -> (config: BalancerConfig, tls: EdgeTLS) {
        do {
            let config = try ConfigLoader.load(path: path, checksPaths: checksPaths)
            return (config, checksPaths ? try EdgeTLS.load(config) : .none)
        } catch {
            for problem in error.errors { StandardError.write(problem.description) }
            throw ExitCode.failure
        }
    }
}
