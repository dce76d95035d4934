import ArgumentParser
import BalancerCore

/// `balancer check` — validate a config without serving, like `nginx -t`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config: print every problem and exit 1, or print a summary and exit 0."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(
        name: .long,
        help: """
            Do not check that paths the config names exist on this machine (static roots): for a config that runs \
            in a container whose volumes are not here.
            """)
    var noPathChecks = false

    func run() throws {
        let config = try ConfigOptions.load(path: options.config, checksPaths: !noPathChecks)
        print("configuration ok")
        print("\(options.config): \(config.summary)")
    }
}
