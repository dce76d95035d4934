import ArgumentParser
import BalancerCore

/// `balancer check` — validate a config without serving, like `nginx -t`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config: print every problem and exit 1, or print a summary and exit 0."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config = try options.loadOrExit()
        print("configuration ok")
        print("\(options.config): \(config.summary)")
    }
}
